#!/usr/bin/env python3
"""Fraction of the compute floor reached by the C# trainer, with the floor measured at the same moment.

The floor of one epoch is the seed CNN's training FLOPs (47.82 MFLOP per image: forward 16.09 =
conv1 0.45 + conv2 7.23 + conv3 7.23 + fc1 1.18 + fc2 0.01, counting 2 FLOP per multiply-add; backward
the weight gradients, the same again, plus the input gradients of every layer but the first, 15.64)
times 60,000 images, divided by the rate of a 2048x2048 single-precision GEMM on this machine: issue 2
measured ~207 GFLOP/s, a floor of 13.9 s. This VM's speed drifts by +-15 % within minutes, so each
epoch is also bracketed by a GEMM measurement before and after it and compared with the floor of their
mean. The GEMM is numpy's on Debian's OpenBLAS with 2 threads, in the inherited environment: this
machine's sets OPENBLAS_CORETYPE=Haswell (AVX2 kernels), as it did for issue 2's figure. Without it
OpenBLAS picks its AVX-512 kernels and reaches ~316 GFLOP/s (a 9.1 s floor); libtorch's own MKL GEMM
reaches ~130 on this AMD CPU.

    dotnet build -c Release bench/Dashboard.Bench
    python3 bench/floor.py --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CS_DLL = REPO / "bench/Dashboard.Bench/bin/Release/net10.0/Dashboard.Bench.dll"
FLOPS_PER_IMAGE = 47.82e6
IMAGES = 60_000
ISSUE_FLOOR_SECONDS = 13.9  # issue 2: 47.8 MFLOP/image x 60,000 images at ~207 GFLOP/s
GEMM = r"""
import time, numpy as np
a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32); b = a.copy(); a @ b
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    for _ in range(10): a @ b
    best = min(best, (time.perf_counter() - t) / 10)
print(2 * 2048 ** 3 / best / 1e9)
"""


def gemm_gflops():
    # /usr/bin/python3: Debian's numpy on Debian's OpenBLAS (libopenblas0-pthread), 2 threads.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2")
    out = subprocess.run(["/usr/bin/python3", "-c", GEMM], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def epoch_seconds():
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["dotnet", str(CS_DLL), "train", "--epochs", "1", "--json", f.name],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(f.name))["epoch_seconds"][0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    fractions, fixed = [], []
    before = gemm_gflops()
    for r in range(1, a.rounds + 1):
        seconds = epoch_seconds()
        after = gemm_gflops()
        gemm = (before + after) / 2
        floor = FLOPS_PER_IMAGE * IMAGES / (gemm * 1e9)
        fractions.append(floor / seconds)
        fixed.append(ISSUE_FLOOR_SECONDS / seconds)
        print(f"round {r}: epoch {seconds:.1f} s ({IMAGES / seconds:,.0f} img/s): {fixed[-1]:.2f} of issue 2's "
              f"{ISSUE_FLOOR_SECONDS} s floor; GEMM now {before:.0f} / {after:.0f} GFLOP/s -> floor {floor:.1f} s, "
              f"{fractions[-1]:.2f} of it", flush=True)
        before = after
    print(f"median fraction of issue 2's floor: {statistics.median(fixed):.2f}; "
          f"of the floor measured alongside: {statistics.median(fractions):.2f}")


if __name__ == "__main__":
    main()
