#!/usr/bin/env python3
"""Training through the dashboard vs the headless harness, alternated.

Each round: (1) the headless C# harness trains N batches in a fresh process; (2) a fresh dashboard
process (Dashboard.Web.dll from the bench output) gets the same config through POST /api/runs and
trains it on its queue while its SignalR hub, notifier and LiteDB are live. The figure compared is the
epoch's training throughput (images/s, evaluation excluded), which both report the same way.

    dotnet build -c Release bench/Dashboard.Bench
    python3 bench/dashboard_throughput.py --rounds 3 --batches 400
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench/Dashboard.Bench/bin/Release/net10.0"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def headless(batches, batch_size, threads):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["dotnet", str(OUT / "Dashboard.Bench.dll"), "train", "--batches", str(batches),
                        "--batch-size", str(batch_size), "--threads", str(threads), "--json", f.name],
                       check=True, stdout=subprocess.DEVNULL)
        return json.load(open(f.name))["images_per_sec"]


def dashboard(batches, batch_size, threads):
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, Storage__DatabasePath=f"{d}/dashboard.db", ASPNETCORE_ENVIRONMENT="Development",
                   Logging__LogLevel__Default="Warning")
        web = subprocess.Popen(["dotnet", str(OUT / "Dashboard.Web.dll"), "--urls", f"http://127.0.0.1:{port}"],
                               cwd=OUT, env=env, stdout=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/api/runs"
            for _ in range(300):
                try:
                    http("GET", base)
                    break
                except OSError:
                    time.sleep(0.1)
            run = http("POST", base, {"name": "throughput", "config": {
                "epochs": 1, "batchSize": batch_size, "threads": threads, "trainSubset": batches * batch_size}})
            while True:
                state = http("GET", f"{base}/{run['id']}")
                if state["status"] not in ("Queued", "Running"):
                    break
                time.sleep(0.5)
            if state["status"] != "Completed":
                sys.exit(f"dashboard run ended {state['status']}: {state.get('statusReason')}")
            return state["epochs"][0]["imagesPerSecond"]
        finally:
            web.terminate()
            web.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batches", type=int, default=400)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    rows = []
    for r in range(1, a.rounds + 1):
        h = headless(a.batches, a.batch_size, a.threads)
        d = dashboard(a.batches, a.batch_size, a.threads)
        rows.append((h, d))
        print(f"round {r}: headless {h:,.0f} img/s, dashboard {d:,.0f} img/s, ratio {d / h:.3f}", flush=True)
    mh = statistics.median(h for h, _ in rows)
    md = statistics.median(d for _, d in rows)
    print(f"median: headless {mh:,.0f} img/s, dashboard {md:,.0f} img/s, ratio {md / mh:.3f}")


if __name__ == "__main__":
    main()
