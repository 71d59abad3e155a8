"""Benchmark: wall time of `pytest -m daily` on the lab, ssh connections per run, lab memory.

    python bench/daily.py [--runs 3] [--workers auto,0]

Prints figures; asserts nothing. Every ssh connection the lab's sshd accepts is logged
("Accepted publickey"), so counting those lines around a run shows how many connections the
run opened (the claim: one per host, multiplexed). Each run gets a fresh XUNJIAN_SSH_CONTROL_DIR,
hence fresh ssh control sockets, so a run never rides on the previous run's connections.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xunjian.lab import Lab, process

ROOT = Path(__file__).resolve().parent.parent


def accepted(lab: Lab) -> int:
    log = lab.paths.logfile("sshd")
    return log.read_text(errors="replace").count("Accepted publickey") if log.exists() else 0


def rss_mib(lab: Lab) -> float:
    total = 0
    for comp in lab.components.values():
        pid = comp.pid()
        if pid is None:
            continue
        for p in {pid, *process.descendants(pid)}:
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
    return total / 1024


INVENTORIES: list[str] = []  # --inventory: which lab inventories (default: the project's)


def one_run(lab: Lab, workers: str) -> tuple[float, int, int, str]:
    with tempfile.TemporaryDirectory(prefix="xj-", dir="/tmp") as tmp:
        before = accepted(lab)
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-m",
                "daily",
                *(f"--inventory={inv}" for inv in INVENTORIES),
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                workers,
                f"--junitxml={tmp}/j.xml",
                f"--html={tmp}/r.html",
                f"--alluredir={tmp}/allure",
            ],
            cwd=ROOT,
            env=os.environ | lab.env() | {"XUNJIAN_SSH_CONTROL_DIR": tmp},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        wall = time.perf_counter() - start
        time.sleep(0.5)  # let sshd flush its log line for the last connection
        summary = next((ln for ln in reversed(proc.stdout.splitlines()) if " in " in ln), "?")
        return wall, accepted(lab) - before, proc.returncode, summary.strip("= ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", default="auto,0", help="comma-separated values for -n")
    ap.add_argument("--inventory", action="append", default=[], help="lab inventory (repeatable)")
    args = ap.parse_args()
    INVENTORIES.extend(args.inventory)
    lab = Lab()
    lab.up()
    print(f"lab: {len(lab.components)} components, RSS {rss_mib(lab):.0f} MiB")
    for workers in args.workers.split(","):
        walls, conns = [], []
        for i in range(args.runs):
            wall, n, rc, summary = one_run(lab, workers)
            walls.append(wall)
            conns.append(n)
            print(
                f"-n {workers} run {i + 1}: {wall:.2f} s wall, {n} ssh connections, rc={rc}, {summary}"
            )
        print(
            f"-n {workers}: median {statistics.median(walls):.2f} s, min {min(walls):.2f} s, "
            f"max {max(walls):.2f} s; ssh connections per run {sorted(set(conns))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
