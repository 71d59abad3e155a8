"""The lab's stand-in of systemd for one service unit: the lab has no systemd (no PID 1 of its
own), so this small supervisor reads the unit file and does what systemd does with it.

- ``ExecStart`` runs in ``WorkingDirectory`` with ``Environment`` added, in its own session.
- When it exits and the unit says ``Restart=always`` (or ``on-failure`` after a failure), it is
  started again after ``RestartSec`` seconds and ``NRestarts`` goes up by one, as systemd counts.
- Its state (ActiveState, SubState, MainPID, NRestarts) is written to ``STATE_DIR/<unit>.json``
  on every change; the lab's ``systemctl`` (:mod:`xunjian.lab.systemctl`) reads it and checks
  MainPID in /proc, so what it answers is the real process state.
- SIGTERM stops the service (SIGTERM to its main process, SIGKILL to its session after 10 s).

    python -m xunjian.lab.unitd --unit ETC/systemd/system/datasync.service --state DIR
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

STATE_DIR = "run/xunjian-unitd"  # below the lab's host file system


def read_unit(path: Path) -> configparser.RawConfigParser:
    """A unit file's sections and keys (systemd's syntax is ini-like; later keys win)."""
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(path.read_text())
    return parser


def environment(value: str) -> dict[str, str]:
    """``Environment="PATH=/opt/x/bin" "A=b"`` -> {"PATH": "/opt/x/bin", "A": "b"}."""
    return dict(item.split("=", 1) for item in shlex.split(value) if "=" in item)


class Supervisor:
    def __init__(self, unit: Path, state_dir: Path) -> None:
        self.name = unit.name.removesuffix(".service")
        service = read_unit(unit)["Service"]
        self.argv = shlex.split(service["ExecStart"].lstrip("-@"))
        self.cwd = service.get("WorkingDirectory") or "/"
        self.env = dict(os.environ) | environment(service.get("Environment", ""))
        self.restart = service.get("Restart", "no")
        self.restart_sec = float(service.get("RestartSec", "0.1").rstrip("s"))
        self.state_path = state_dir / f"{self.name}.json"
        self.state: dict[str, Any] = {"NRestarts": 0, "MainPID": 0}
        self.stopping = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None

    def write(self, active: str, sub: str, **more: Any) -> None:
        self.state |= {"ActiveState": active, "SubState": sub, **more}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".new")
        tmp.write_text(json.dumps(self.state))
        tmp.replace(self.state_path)

    def stop(self, *_: object) -> None:
        self.stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.with_suffix(".unitd.pid").write_text(f"{os.getpid()}\n")
        while not self.stopping.is_set():
            self.write("activating", "start", MainPID=0)
            self.child = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, start_new_session=True
            )
            started = time.strftime("%a %Y-%m-%d %H:%M:%S %Z")
            self.write("active", "running", MainPID=self.child.pid, ExecMainStartTimestamp=started)
            rc = self._wait(self.child)
            if self.stopping.is_set():
                break
            restart = self.restart == "always" or (self.restart == "on-failure" and rc != 0)
            result = "success" if rc == 0 else "exit-code"
            if not restart:
                self.write("failed" if rc else "inactive", "failed" if rc else "dead", MainPID=0)
                self.stopping.wait()
                break
            self.write("activating", "auto-restart", MainPID=0, Result=result)
            if self.stopping.wait(self.restart_sec):
                break
            self.state["NRestarts"] += 1
        self.write("inactive", "dead", MainPID=0)
        return 0

    def _wait(self, child: subprocess.Popen[bytes]) -> int:
        while True:
            try:
                return child.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if self.stopping.is_set():
                    try:
                        return child.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        os.killpg(child.pid, signal.SIGKILL)
                        return child.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--unit", type=Path, required=True)
    ap.add_argument("--state", type=Path, required=True)
    args = ap.parse_args(argv)
    return Supervisor(args.unit, args.state).run()


if __name__ == "__main__":
    sys.exit(main())
