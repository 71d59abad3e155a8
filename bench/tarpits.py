"""Benchmark: three tarpits, each an ssh host, a MySQL server and an HTTP endpoint of a small
inventory (timeout 5 s): the run's wall time and every check's verdict and message.

    python bench/tarpits.py [--compare REV]

(a) silent: accepts and never says a word; (b) trickle: one byte every 5 s of its protocol's
first reply; (c) stall: speaks a little of the protocol (the ssh banner, the MySQL greeting, an
HTTP status line and one header), then nothing. Each tarpit is one run (``--host``), serial, so
its wall time is its own; then all three in one run with xdist. ``--compare REV`` runs the same
against git revision REV's ``src`` too (exported with ``git archive``, the tree is not touched).
The tarpits listen on 127.0.40.11-13 (never the shared lab). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 5
PITS = {"a-silent": "127.0.40.11", "b-trickle": "127.0.40.12", "c-stall": "127.0.40.13"}
PORTS = {"ssh": 2222, "mysql": 3306, "http": 8080}
GREETING = (
    b"\x0a10.11.6-MariaDB\x00\x05\x00\x00\x00abcdefgh\x00\xfe\xf7\x08\x02\x00\xff\x81\x15"
    + b"\x00" * 10
    + b"ijklmnopqrst\x00mysql_native_password\x00"
)
FIRST = {  # what each role's server says first
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "mysql": len(GREETING).to_bytes(3, "little") + b"\x00" + GREETING,
    "http": b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\n\r\nok",
}
STALL = {"ssh": FIRST["ssh"], "mysql": FIRST["mysql"], "http": b"HTTP/1.1 200 OK\r\nServer: ng"}

Behave = Callable[[socket.socket, threading.Event], None]


def silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def trickle(data: bytes) -> Behave:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        for byte in data:
            if stop.wait(5):
                return
            conn.sendall(bytes([byte]))
        stop.wait()

    return behave


def stall(data: bytes) -> Behave:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)
        stop.wait()

    return behave


def serve(address: str, port: int, behave: Behave, stop: threading.Event) -> socket.socket:
    server = socket.create_server((address, port))

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                behave(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn = server.accept()[0]
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server


def behaviour(pit: str, role: str) -> Behave:
    if pit == "a-silent":
        return silent
    return trickle(FIRST[role]) if pit == "b-trickle" else stall(STALL[role])


def inventory(where: Path) -> Path:
    config = where / "ssh_config"
    config.write_text(
        "Host 127.0.40.*\n  User root\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    hosts = ""
    for pit, address in PITS.items():
        web = f"http://{address}:{PORTS['http']}"
        hosts += f"""\
      {pit}:
        address: {address}
        connection: ssh://root@{address}:{PORTS["ssh"]}
        ssh_config: {config}
        databases:
          d: {{user: xj, password: "${{XJ_PIT_PW}}", database: d, port: {PORTS["mysql"]}}}
        checks:
          - {{step: "1.1", kind: process, jar: /opt/app/App-1.0.jar}}
          - {{step: "1.1", kind: file, name: backup, path: /var/backup/db.sql}}
          - {{step: "1.1", kind: sql, name: sync, db: d, query: "SELECT 1 FROM t WHERE 0", expect: {{no_rows: true}}}}
          - {{step: "1.1", kind: sql, name: count, db: d, query: "SELECT COUNT(*) FROM t", expect: {{scalar: {{crit: "<= 0"}}}}}}
          - {{step: "1.1", kind: http, name: home, url: "{web}/"}}
          - {{step: "1.1", kind: http, name: health, url: "{web}/health"}}
"""
    path = where / "tarpits.yml"
    path.write_text(
        f"version: 1\nname: tarpits\ndefaults: {{timeout: {TIMEOUT}}}\nsystems:\n  pits:\n"
        "    title: tarpits\n    steps:\n      '1.1': {title: 巡检}\n    hosts:\n" + hosts
    )
    (where / "tests" / "daily").mkdir(parents=True)
    (where / "tests" / "daily" / "test_daily.py").write_text("from xunjian.suite import *\n")
    return path


def run(where: Path, inv: Path, src: Path | None, *args: str) -> tuple[float, list[list[str]]]:
    """Wall time and (test, verdict, seconds, message) rows of one pytest run."""
    junit = where / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env |= {"XJ_PIT_PW": "pit-password", "XUNJIAN_SSH_CONTROL_DIR": str(where / "ssh")}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    argv = [sys.executable, "-m", "pytest", "-p", "xunjian.plugin", "-p", "no:cacheprovider"]
    argv += ["--inventory", str(inv), "-m", "daily", f"--junitxml={junit}", "-q", *args]
    start = time.monotonic()
    subprocess.run(argv, cwd=where, env=env, capture_output=True, timeout=900, check=False)
    wall = time.monotonic() - start
    rows = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        message = (failure.get("message") or "") if failure is not None else ""
        first = message.strip().splitlines()[0].removeprefix("Failed: ") if message else "OK"
        verdict, _, said = first.partition("] ")  # "[UNKNOWN] system / host / step: said"
        said = said.split(": ", 1)[1] if ": " in said else said
        name = (case.get("name") or "").split("[", 1)[-1].rstrip("]")
        rows.append([name, verdict.lstrip("["), f"{float(case.get('time') or 0):.1f}", said])
    return wall, rows


def export(rev: str, where: Path) -> Path:
    """``src`` of a git revision, in a directory of its own."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where / "src"


def table(title: str, wall: float, rows: list[list[str]]) -> None:
    print(f"\n{title}: wall {wall:.1f} s")
    print("| check | verdict | s | message |\n| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="REV", help="also run git revision REV's src")
    args = parser.parse_args()
    stop = threading.Event()
    servers = [
        serve(address, PORTS[role], behaviour(pit, role), stop)
        for pit, address in PITS.items()
        for role in PORTS
    ]
    try:
        with tempfile.TemporaryDirectory(prefix="xjt-", dir="/tmp") as tmp:
            where = Path(tmp)
            inv = inventory(where)
            sources: list[tuple[str, Path | None]] = [("this tree", None)]
            if args.compare:
                sources.append((args.compare, export(args.compare, where / "old")))
            for label, src in sources:
                for pit in PITS:
                    wall, rows = run(where, inv, src, "--host", pit, "-p", "no:xdist")
                    table(f"{label}, tarpit {pit} (serial)", wall, rows)
                wall, _ = run(where, inv, src, "-n", "3", "--dist", "loadgroup")
                print(f"\n{label}, all three tarpits in one run (-n 3): wall {wall:.1f} s")
    finally:
        stop.set()
        for server in servers:
            server.close()


if __name__ == "__main__":
    main()
