"""Session fixture for tests that need the real lab (loaded by selftests/conftest.py).

``Lab().up()`` is idempotent and serialised by a file lock. A lab that was already running is
left running; a lab this session started is stopped at the end, so a test run leaves no server
behind, unless ``XUNJIAN_KEEP_LAB=1`` keeps it up for the next run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from xunjian.lab import Lab, first_backups

ROOT = Path(__file__).resolve().parent.parent


def first_backup(lab: Lab) -> None:
    """The daily backup-freshness checks judge the biweekly backups: a lab without them takes
    them, for real, as ``bin/daily`` does (``python -m xunjian.lab backups``)."""
    if not first_backups.missing(lab.paths.root):
        return
    done = first_backups.take(lab.paths.root, lab.env())
    assert done.returncode == 0, f"the lab's first backups failed:\n{done.stdout[-3000:]}"


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
