"""The lab's own lifecycle: `up` is idempotent, `down` leaves nothing behind. Runs after the
other lab tests (file order) and leaves the lab up again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from xunjian.lab import Lab

pytestmark = pytest.mark.lab
LAB_ADDRESSES = tuple(f"127.0.10.{i}:" for i in range(1, 6))


def lab_listeners() -> list[str]:
    out = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, timeout=10, check=True)
    return [
        ln.split()[3] for ln in out.stdout.splitlines() if ln.split()[3].startswith(LAB_ADDRESSES)
    ]


def lab_processes(root: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(root) in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


def test_up_twice_changes_nothing(lab: Lab) -> None:
    before = {name: st.pid for name, st in lab.status().items()}
    assert all(before.values())
    after = {name: st.pid for name, st in lab.up().items()}
    assert after == before


def test_down_leaves_nothing_behind_and_up_restores(lab: Lab) -> None:
    assert lab_listeners() and lab_processes(lab.paths.root)  # the twin: the probes see the lab
    left = lab.down()
    assert left == []
    assert lab_listeners() == []
    assert lab_processes(lab.paths.root) == []
    states = lab.up()
    assert all(st.running for st in states.values())
