"""One backup run per backup directory: an fcntl lock on a file inside it.

The lock is ``flock``'s: held by an open file, so a second run, in another process or in the
same one, is refused at once rather than queued, and a run that dies drops it with its file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from xunjian.actions import CannotStart

LOCK_NAME = ".xunjian-backup.lock"


class Busy(CannotStart):
    """Another run holds the backup directory's lock."""


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"


@contextmanager
def held(directory: Path) -> Iterator[Path]:
    """Hold ``directory``'s lock (made with the directory if need be); :class:`Busy` names
    the holder (its pid and since when) if another run has it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise CannotStart(f"backup directory {directory}: {e.strerror or e}") from None
    path = directory / LOCK_NAME
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(
                f"another backup run holds {path} ({_holder(fd)}): two runs never back up "
                "into one directory at once"
            ) from None
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {since}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
