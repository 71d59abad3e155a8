"""Benchmark: collecting a large generated inventory, and loading it.

    python bench/collect.py [N] [--variant roles,inline] [--repeat K] [--keep DIR]

Writes an N-host inventory (default 20,000) in two forms: ``roles`` (each host one line naming
a role whose template holds its 10 checks) and ``inline`` (each host's 10 checks written out
under it, as a generator that knows no templates would). For each it measures, in a fresh
process each time (``--repeat K``: the median of K runs):

* ``pytest --collect-only -q -m daily --inventory=PATH`` from the repository (its own addopts;
  xdist does not start workers to collect): wall time, peak RSS, and the number of tests;
* ``load(PATH)`` alone (:func:`xunjian.inventory.load.load`): wall time inside the process,
  without interpreter start and imports, and the process's peak RSS.

The 10 checks of a host: 2 port, 1 process, 4 log, 2 file, 1 http made on the host. Nothing is
contacted (collecting connects to nothing). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = 10

HEAD = """\
version: 1
name: bench
defaults: {timeout: 5}
systems:
  fleet:
    title: 生成的机群
    steps:
      "1.1": {title: 检查服务进程, normal: 端口均处于 LISTEN, remedy: 重启}
      "1.3": {title: 检查文件传输日志, normal: 日志最后显示传输成功, remedy: 参照监控与错误处理}
      "2.1": {title: 检查备份, cadence: daily, normal: 备份文件存在且不超过 36 小时}
"""

# one host's checks, as flow mappings (an inline host indents them further)
TEMPLATE = [
    '{step: "1.1", kind: port, port: 22, process: [sshd]}',
    '{step: "1.1", kind: port, port: 8080, process: [java], outside: false}',
    '{step: "1.1", kind: process, jar: /opt/app/app-server-1.2.3.jar, port: 8080}',
    *(
        f'{{step: "1.3", kind: log, name: app{i}, path: /var/log/app/app{i}.log, '
        f"success: 传输成功, failure: [传输失败], lines: 40, max_age: 36h}}"
        for i in range(1, 5)
    ),
    '{step: "2.1", kind: file, name: backup, path: /backup/db.tgz, size: {crit: "< 1 KiB"}, '
    "max_age: 36h}",
    '{step: "2.1", kind: file, name: backup-dir, path: /backup, type: directory}',
    '{step: "1.1", kind: http, name: health, url: "http://localhost:8080/health", via: host, '
    'latency: {warn: "> 500 ms", crit: "> 2 s"}, timeout: 5}',
]
assert len(TEMPLATE) == CHECKS


def address(i: int) -> str:
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def inventory(n: int, variant: str) -> str:
    """The inventory text: ``roles`` or ``inline``."""
    out = [HEAD]
    if variant == "roles":
        out.append("    templates:\n      node:\n")
        out += [f"        - {c}\n" for c in TEMPLATE]
    out.append("    hosts:\n")
    for i in range(1, n + 1):
        if variant == "roles":
            out.append(f"      h{i:05d}: {{address: {address(i)}, roles: [node]}}\n")
        else:
            out.append(f"      h{i:05d}:\n        address: {address(i)}\n        checks:\n")
            out += [f"          - {c}\n" for c in TEMPLATE]
    return "".join(out)


@dataclass
class Run:
    seconds: float
    rss_mib: float
    stdout: str


def measure(argv: list[str], env: dict[str, str]) -> Run:
    """Wall time and peak RSS (wait4's own rusage of that child) of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}:\n{text[-2000:]}\n{errors[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, text)


LOAD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from xunjian.inventory.load import load\n"
    "t = time.perf_counter(); n = len(load(Path(sys.argv[1])))\n"
    "print(n, time.perf_counter() - t)\n"
)


def bench(path: Path, repeat: int, env: dict[str, str]) -> dict[str, str]:
    collect, loads = [], []
    tests = ""
    for _ in range(repeat):
        argv = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "daily"]
        run = measure([*argv, f"--inventory={path}"], env)
        tests = next((ln for ln in run.stdout.splitlines() if "collected" in ln), "?")
        collect.append(run)
        loaded = measure([sys.executable, "-c", LOAD, str(path)], env)
        count, seconds = loaded.stdout.split()
        loads.append((float(seconds), loaded.rss_mib, int(count)))
    return {
        "collect s": f"{statistics.median(r.seconds for r in collect):.2f}",
        "collect MiB": f"{statistics.median(r.rss_mib for r in collect):.0f}",
        "tests": tests.split(" in ")[0].strip(),
        "load() s": f"{statistics.median(s for s, _, _ in loads):.2f}",
        "load MiB": f"{statistics.median(m for _, m, _ in loads):.0f}",
        "cases": str(loads[0][2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hosts", nargs="?", type=int, default=20000)
    parser.add_argument("--variant", default="roles,inline")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the inventories here and keep them")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("XUNJIAN_LOOPBACK_ONLY", None)  # collecting is allowed anyway; keep the run plain
    with tempfile.TemporaryDirectory(prefix="xj-collect-") as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        print(f"{args.hosts} hosts x {CHECKS} checks; python {sys.version.split()[0]}")
        print(f"{'variant':8} {'MiB file':>8} " + " ".join(f"{h:>11}" for h in bench_heads()))
        for variant in args.variant.split(","):
            path = where / f"bench-{variant}-{args.hosts}.yml"
            path.write_text(inventory(args.hosts, variant), encoding="utf-8")
            row = bench(path, args.repeat, env)
            size = path.stat().st_size / 2**20
            print(f"{variant:8} {size:8.1f} " + " ".join(f"{row[h]:>11}" for h in bench_heads()))


def bench_heads() -> list[str]:
    return ["collect s", "collect MiB", "tests", "load() s", "load MiB", "cases"]


if __name__ == "__main__":
    main()
