"""Lab commands are serialised by a file lock that gives up with a clear error (no servers)."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

import xunjian.lab as lab_module
from xunjian.lab import Lab, LabError


def test_a_held_lock_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = Lab(root=tmp_path / "lab")
    monkeypatch.setattr(lab_module, "LOCK_WAIT", 0.5)
    with lab._lock():  # the lock is free: taken at once
        pass
    with open(lab.paths.root / "lab.lock", "w") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # another lab command holds it
        with pytest.raises(LabError, match=r"has held .*lab\.lock for over 0 s"), lab._lock():
            pass
    with lab._lock():  # and free again once released
        pass
