"""Session fixture for tests that need the real lab (loaded by selftests/conftest.py).

``Lab().up()`` is idempotent and serialised by a file lock. A lab that was already running is
left running; a lab this session started is stopped at the end, so a test run leaves no server
behind, unless ``XUNJIAN_KEEP_LAB=1`` keeps it up for the next run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xunjian.lab import Lab

ROOT = Path(__file__).resolve().parent.parent


def first_backup(lab: Lab) -> None:
    """The daily backup-freshness checks (step B3) judge the biweekly backups: a lab without
    one takes it, for real, as ``bin/daily`` does."""
    if (lab.paths.root / "backups" / "thqh-enterprise-wechat" / "proven.json").exists():
        return
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "biweekly", "--inventory=inventory/lab.yml",
         "-p", "no:cacheprovider", "-q", "-o", "addopts=",
         f"--history={lab.paths.root / 'backup-history.sqlite'}"],
        cwd=ROOT, env=os.environ | lab.env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"the lab's first backup failed:\n{done.stdout[-3000:]}"


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The running lab: started if needed, and stopped again if this session started it."""
    the_lab = Lab()
    was_up = any(st.running for st in the_lab.status().values())
    the_lab.up()
    try:
        first_backup(the_lab)
    except BaseException:  # no teardown runs after a failed setup: leave no server behind
        if not was_up and os.environ.get("XUNJIAN_KEEP_LAB") != "1":
            the_lab.down()
        raise
    yield the_lab
    if not was_up and os.environ.get("XUNJIAN_KEEP_LAB") != "1":
        left = the_lab.down()
        assert not left, f"lab processes still alive after down: {left}"
