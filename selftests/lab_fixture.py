"""Session fixture for tests that need the real lab (loaded by selftests/conftest.py).

``Lab().up()`` is idempotent and serialised by a file lock. A lab that was already running is
left running; a lab this session started is stopped at the end, so a test run leaves no server
behind, unless ``XUNJIAN_KEEP_LAB=1`` keeps it up for the next run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from xunjian.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The running lab: started if needed, and stopped again if this session started it."""
    the_lab = Lab()
    was_up = any(st.running for st in the_lab.status().values())
    the_lab.up()
    yield the_lab
    if not was_up and os.environ.get("XUNJIAN_KEEP_LAB") != "1":
        left = the_lab.down()
        assert not left, f"lab processes still alive after down: {left}"
