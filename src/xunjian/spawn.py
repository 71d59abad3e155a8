"""Spawning processes from threads while pytest changes the environment: no vfork.

pytest sets and deletes ``PYTEST_CURRENT_TEST`` around every test phase; glibc's ``setenv``
then reallocates the ``environ`` array. CPython 3.11.6+ and 3.12 spawn with ``vfork()`` and
release the GIL while the child has not yet exec'd (gh-104372), so a prefetch thread's child can
exec with an ``environ`` the main thread has just freed: ``OSError: [Errno 14] Bad address:
'/bin/sh'`` (seen in ``bash bin/daily``; reproduced by ``selftests/test_spawn.py``). With
``fork()`` the child has its own copy. The cost here is a page-table copy per ssh or curl
started, well under a millisecond for pytest's size. ``subprocess._USE_VFORK`` is CPython's
documented escape hatch ("Disabling use of vfork()", subprocess docs 3.10-3.12); where it no
longer exists, setting it does nothing.
"""

from __future__ import annotations

import subprocess


def without_vfork() -> None:
    """Make every later ``subprocess.Popen`` of this process fork instead of vfork."""
    setattr(subprocess, "_USE_VFORK", False)  # noqa: B010 - a private flag, not in typeshed
