"""Session fixture for tests that need the real lab; import it from selftests/conftest.py:

    from lab_fixture import lab  # noqa: F401   (selftests/ is on sys.path: no __init__.py there)

``Lab().up()`` is idempotent and serialised by a file lock, so xdist workers may all call it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xunjian.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The running lab (started if needed; left running afterwards for speed)."""
    the_lab = Lab()
    the_lab.up()
    yield the_lab
