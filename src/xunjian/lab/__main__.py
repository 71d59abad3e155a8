"""``python -m xunjian.lab up|down|status|seed``: manage the local lab."""

from __future__ import annotations

import argparse
import os
import sys
import time

from xunjian.lab import Lab, LabError, first_backups
from xunjian.lab.component import ComponentStatus


def _print(st: ComponentStatus) -> None:
    print(st.line(), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xunjian.lab", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "seed", "backups"])
    args = parser.parse_args(argv)
    if args.command in ("up", "seed", "backups") and os.geteuid() != 0:
        print(
            "lab error: the lab runs as root (apt-get, /run/sshd, ssh as root to 127.0.10.x)",
            file=sys.stderr,
        )
        return 2
    lab = Lab()
    began = time.monotonic()
    try:
        if args.command == "up":
            states = lab.up(report=_print)
            ok = all(s.running for s in states.values())
            print(
                f"lab {'up' if ok else 'NOT fully up'} in {time.monotonic() - began:.1f}s "
                f"({lab.paths.root}); ssh: ssh -F {lab.ssh_config_path()} 127.0.10.1"
            )
            return 0 if ok else 1
        if args.command == "down":
            left = lab.down()
            for line in left:
                print(f"still running: {line}")
            print(f"lab down in {time.monotonic() - began:.1f}s" if not left else "lab NOT down")
            return 0 if not left else 1
        if args.command == "backups":
            todo = first_backups.missing(lab.paths.root)
            if not todo:
                print("the lab's backups are there")
                return 0
            print(f"taking the lab's first backups ({', '.join(todo)}): pytest -m biweekly")
            done = first_backups.take(lab.paths.root, lab.env())
            print(done.stdout[-3000:], end="")
            return done.returncode
        if args.command == "seed":
            lab.seed()
            print("baseline data restored")
            return 0
        states = lab.status()
        for st in states.values():
            _print(st)
        return 0 if all(s.running for s in states.values()) else 1
    except LabError as err:
        print(f"lab error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
