"""The newest file in a directory whose name matches a glob (the latest of a series of
backups), with its stat, in one command of the host's batch."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact, FileStat
from xunjian.result import ObservationError


@dataclass(frozen=True)
class NewestStat(FileStat):
    """A :class:`FileStat` of the newest match, with its name and how many files matched."""

    name: str = ""
    matches: int = 0


@dataclass(frozen=True)
class Newest(Fact[FileStat | None]):
    """A :class:`NewestStat`; None when the directory does not exist or holds no matching
    file. Newest by modification time (then by name); symlinks followed, as ``stat -L``
    does."""

    directory: str
    glob: str
    type: str = "f"  # find's -type: f files, d directories (runbook 004's /app/backup_*)

    def command(self) -> str:
        d, g = shlex.quote(self.directory), shlex.quote(self.glob)
        t = "d" if self.type == "d" else "f"
        return (
            f"if [ ! -d {d} ]; then exit {MISSING_RC}; fi; "
            f"LC_ALL=C find -L {d} -mindepth 1 -maxdepth 1 -type {t} -name {g} "
            "-exec stat -L -c '%Y %s %n' -- {} + && date +%s"
        )

    def describe(self) -> str:
        return f"find {shlex.quote(self.directory)} -name {shlex.quote(self.glob)}"

    def parse(self, section: Section) -> FileStat | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        *files, now = section.stdout.splitlines() or [""]
        try:
            found = []
            for line in files:
                mtime, size, path = line.split(" ", 2)
                found.append((int(mtime), path.rsplit("/", 1)[-1], int(size)))
            newest = max(found, default=None)
            if newest is None:
                return None
            kind = "directory" if self.type == "d" else "regular file"
            return NewestStat(kind, newest[2], newest[0], int(now), newest[1], len(found))
        except ValueError:
            raise ObservationError(
                f"`{self.describe()}` printed something unexpected: {section.stdout[:120]!r}"
            ) from None
