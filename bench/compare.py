#!/usr/bin/env python3
"""Alternating TorchSharp-vs-PyTorch training benchmark.

Runs the C# harness and the PyTorch peer in turn (C#, Python, C#, Python, ...)
with identical settings, so slow drift on the machine (thermal state, other
load, page cache) hits both sides evenly instead of biasing whichever ran last.
Each run writes its own JSON; this script collects them under
bench/results/<timestamp>/ and writes summary.md there.

Standard library only: it can run under any python3, including one that
cannot import torch (the peer itself is always run with /usr/bin/python3).

    python3 bench/compare.py                 # 3 rounds of 400 batches each (the C# harness trains N batches as one epoch over the first N×batch images, so N ≤ 468 at batch 128)
    python3 bench/compare.py --rounds 5 --epochs 1 --eval
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CS_DLL = REPO / "bench/Dashboard.Bench/bin/Release/net10.0/Dashboard.Bench.dll"
PEER = REPO / "bench/peer/train_pytorch.py"
PEER_PYTHON = "/usr/bin/python3"  # Debian's python3-torch is only importable from this interpreter
RESULT_KEYS = {"impl", "version", "threads", "batch_size", "batches", "images", "seconds",
               "images_per_sec", "epoch_seconds", "rss_mb_by_epoch", "peak_rss_mb", "test_accuracy"}
BUSY_WARN = 0.25  # CPU busy fraction before a run above which the figures are suspect
# glibc malloc: keep freed memory instead of returning it to the kernel. libtorch
# allocates its large activation buffers afresh every step; by default glibc
# hands them back (munmap / heap trim) and re-faults them on the next step. In a
# VM with free-page reporting each such fault is expensive, and it then dominates
# the step time of both implementations. Opt-in only, and applied to both sides.
# Both variables are needed: setting either one freezes glibc's adaptive mmap
# threshold, so the trim threshold alone makes things worse. 32 MiB is the largest
# mmap threshold glibc accepts on 64-bit; it covers the biggest training
# activation (batch x 32x28x28 floats) up to batch size ~330.
MALLOC_NO_TRIM_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}
STDERR_TAIL = 30


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    stop = p.add_mutually_exclusive_group()
    stop.add_argument("--batches", type=int, default=None, help="batches per run (default 400)")
    stop.add_argument("--epochs", type=int, default=None, help="epochs per run instead of --batches")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval", action="store_true", help="pass --eval to both (only with --epochs)")
    p.add_argument("--idle-wait", type=float, default=300, metavar="SECONDS",
                   help="before each run, wait up to this long for the CPU to go idle (default 300)")
    p.add_argument("--peer-channels-last", action="store_true",
                   help="run the peer in the channels-last layout too (the C# models always use it)")
    p.add_argument("--malloc-no-trim", action="store_true",
                   help=f"run both sides with {' '.join(f'{k}={v}' for k, v in MALLOC_NO_TRIM_ENV.items())}")
    args = p.parse_args()
    if args.batches is None and args.epochs is None:
        args.batches = 400
    if args.eval and args.epochs is None:
        p.error("--eval needs --epochs (with --batches neither side evaluates)")
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    return args


def busy_cpu_seconds():
    """CPU-seconds spent busy by the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_busy(sample_seconds=1.0):
    """Fraction of all CPUs busy over a short sample, from /proc/stat.

    Other people build on this box; a busy CPU before a run is the usual reason
    for an outlier, so it is measured and reported rather than guessed at later.
    """
    def snapshot():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return idle, sum(fields)
    idle0, total0 = snapshot()
    time.sleep(sample_seconds)
    idle1, total1 = snapshot()
    total = total1 - total0
    return 0.0 if total <= 0 else 1.0 - (idle1 - idle0) / total


def wait_for_idle(max_wait):
    """Return the CPU busy fraction, after waiting up to max_wait seconds for it to drop.

    Nothing is stopped or reniced: other people's jobs are theirs. The run just
    starts when the box is quiet, or after max_wait with a warning in the table.
    """
    busy = cpu_busy()
    deadline = time.monotonic() + max_wait
    if busy > BUSY_WARN and max_wait > 0:
        print(f"  CPU {busy:.0%} busy; waiting up to {max_wait:.0f} s for it to go idle", flush=True)
        while busy > BUSY_WARN and time.monotonic() < deadline:
            busy = cpu_busy(2.0)
    return busy


def machine():
    model, cores = "unknown", set()
    physical_id = "0"
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name":
                model = value
            elif key == "physical id":
                physical_id = value
            elif key == "core id":
                cores.add((physical_id, value))
    logical = os.cpu_count()
    physical = len(cores) or logical
    return f"{model}, {physical} cores / {logical} logical CPUs, {platform.system()} {platform.release()}"


def common_flags(args, json_path):
    flags = ["--batches", str(args.batches)] if args.batches is not None else ["--epochs", str(args.epochs)]
    flags += ["--batch-size", str(args.batch_size), "--threads", str(args.threads)]
    if args.eval:
        flags.append("--eval")
    return flags + ["--json", str(json_path)]


def rel(path):
    """Path relative to the repo (runs use cwd=REPO), so logged commands can be pasted as is."""
    return os.path.relpath(path, REPO)


def run_one(impl, args, out_dir, round_no):
    json_path = out_dir / f"round{round_no}-{impl}.json"
    # Only these variables are set on top of the inherited environment; anything
    # else (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ...) is passed through untouched.
    overrides = {}
    if impl == "torchsharp":
        cmd = ["dotnet", rel(CS_DLL), "train"] + common_flags(args, rel(json_path))
    else:
        cmd = [PEER_PYTHON, rel(PEER)] + common_flags(args, rel(json_path))
        if args.peer_channels_last:
            cmd.append("--channels-last")
        # One BLAS thread: torch's own intra-op pool (--threads) is the only parallelism.
        overrides["OPENBLAS_NUM_THREADS"] = "1"
    if args.malloc_no_trim:
        overrides.update(MALLOC_NO_TRIM_ENV)
    env = dict(os.environ, **overrides)

    busy = wait_for_idle(args.idle_wait)
    note = f"  (warning: CPU {busy:.0%} busy before the run)" if busy > BUSY_WARN else ""
    print(f"[round {round_no}] {impl}: {shlex.join(cmd)}{note}", flush=True)
    # Others' CPU use *during* the run: machine-wide busy time minus the run's own.
    # On a shared 2-core box this, not the idle check, is what explains an outlier.
    machine0, own0, wall0 = busy_cpu_seconds(), children_cpu_seconds(), time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    except OSError as e:  # e.g. dotnet not on PATH
        proc = subprocess.CompletedProcess(cmd, 127, "", f"cannot start {cmd[0]}: {e}\n")
    wall = time.monotonic() - wall0
    others = (busy_cpu_seconds() - machine0) - (children_cpu_seconds() - own0)
    others_share = max(0.0, others) / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0
    # Keep the full logs next to the JSON: they are the first thing to read on an odd result.
    (out_dir / f"round{round_no}-{impl}.stdout.log").write_text(proc.stdout)
    (out_dir / f"round{round_no}-{impl}.stderr.log").write_text(proc.stderr)

    env_set = [f"{k}={v}" for k, v in overrides.items()]
    run = {"impl": impl, "round": round_no, "cmd": cmd, "env_set": env_set, "busy_before": busy, "others_during": others_share,
           "returncode": proc.returncode, "stderr": proc.stderr, "result": None, "error": None}
    if proc.returncode != 0:
        run["error"] = f"exit code {proc.returncode}"
    else:
        try:
            result = json.loads(json_path.read_text())
            missing = RESULT_KEYS - result.keys()
            if missing:
                raise ValueError(f"JSON lacks keys {sorted(missing)}")
            if result["impl"] != impl:
                raise ValueError(f"JSON says impl {result['impl']!r}, expected {impl!r}")
            run["result"] = result
        except (OSError, ValueError) as e:  # json.JSONDecodeError is a ValueError
            run["error"] = f"bad result file {json_path}: {e}"
    if run["result"]:
        print(f"[round {round_no}] {impl}: {run['result']['images_per_sec']:.0f} img/s, "
              f"peak RSS {run['result']['peak_rss_mb']:.0f} MB, "
              f"other processes used {others_share:.0%} of the CPUs meanwhile", flush=True)
    return run


def summary_markdown(args, runs, started, out_dir):
    impls = ("torchsharp", "pytorch")
    ok = {i: [r for r in runs if r["impl"] == i and r["result"]] for i in impls}
    by_round = {(r["round"], r["impl"]): r for r in runs}

    def ips(run):
        return f"{run['result']['images_per_sec']:.0f}" if run and run["result"] else "failed" if run else "-"

    def load(run):
        return f"{run['busy_before']:.0%} / {run['others_during']:.0%}" if run else "-"

    workload = f"{args.batches} batches" if args.batches is not None else f"{args.epochs} epoch(s)"
    lines = [
        "# TorchSharp vs PyTorch: Fashion-MNIST CNN training",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- Machine: {machine()}",
        f"- Workload: {workload} per run, batch size {args.batch_size}, {args.threads} threads, "
        f"{args.rounds} alternating round(s), C# first in each round",
        f"- glibc malloc: {'no trim (' + ', '.join(f'{k}={v}' for k, v in MALLOC_NO_TRIM_ENV.items()) + ')' if args.malloc_no_trim else 'default'}",
        f"- Command: `{shlex.join([sys.executable] + sys.argv)}` (from `{REPO}`)",
        f"- Results: `{rel(out_dir)}`",
        "",
        "## Per round",
        "",
        "Load = CPU busy just before the run / share of the CPUs used by other processes during it.",
        "",
        "| Round | TorchSharp img/s | PyTorch img/s | load around C# | load around Py |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in range(1, args.rounds + 1):
        cs, py = by_round.get((n, "torchsharp")), by_round.get((n, "pytorch"))
        lines.append(f"| {n} | {ips(cs)} | {ips(py)} | {load(cs)} | {load(py)} |")

    lines += ["", "## Summary", "",
              "| Impl | Version | Runs | Median img/s | Peak RSS MB (max of runs) | Final test acc (median) |",
              "|---|---|---:|---:|---:|---:|"]
    medians = {}
    for impl in impls:
        results = [r["result"] for r in ok[impl]]
        if not results:
            lines.append(f"| {impl} | - | 0 | - | - | - |")
            continue
        medians[impl] = statistics.median(r["images_per_sec"] for r in results)
        accs = [r["test_accuracy"][-1] for r in results if r["test_accuracy"]]
        acc = f"{statistics.median(accs) * 100:.2f}%" if accs else "-"
        lines.append(f"| {impl} | {results[0]['version']} | {len(results)} | {medians[impl]:.0f} | "
                     f"{max(r['peak_rss_mb'] for r in results):.0f} | {acc} |")
    lines.append("")
    if len(medians) == 2:
        lines.append(f"**Ratio TorchSharp / PyTorch (median img/s): "
                     f"{medians['torchsharp'] / medians['pytorch']:.3f}**")
    else:
        lines.append("**Ratio TorchSharp / PyTorch: n/a (an implementation has no successful run)**")

    contended = [r for r in runs if r["busy_before"] > BUSY_WARN or r["others_during"] > BUSY_WARN]
    if contended:
        lines += ["", f"**Warning: {len(contended)} of {len(runs)} run(s) shared the CPUs with other "
                      f"processes (> {BUSY_WARN:.0%} before or during); treat their figures as suspect.**"]

    lines += ["", "## Exact run commands", ""]
    lines += [f"- round {r['round']} {r['impl']}: `{shlex.join(r['env_set'] + r['cmd'])}`" for r in runs]
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    if not CS_DLL.is_file():
        print(f"C# harness not found at {rel(CS_DLL)}\n"
              "build it first with: dotnet build -c Release bench/Dashboard.Bench", file=sys.stderr)
        return 2

    started = datetime.datetime.now(datetime.timezone.utc)
    out_dir = REPO / "bench/results" / started.strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=False)

    runs, failed = [], None
    for round_no in range(1, args.rounds + 1):
        for impl in ("torchsharp", "pytorch"):
            run = run_one(impl, args, out_dir, round_no)
            runs.append(run)
            if run["error"]:
                # Stop at the first failure: later runs would almost surely fail the same
                # way, and a half-alternated series is no fair comparison anyway.
                failed = run
                break
        if failed:
            break

    md = summary_markdown(args, runs, started, out_dir)
    (out_dir / "summary.md").write_text(md)
    print()
    print(md)
    print(f"written: {out_dir / 'summary.md'}")

    if failed:
        tail = "\n".join(failed["stderr"].splitlines()[-STDERR_TAIL:])
        print(f"\nFAILED: round {failed['round']} {failed['impl']}: {failed['error']}\n"
              f"--- stderr (last {STDERR_TAIL} lines) ---\n{tail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
