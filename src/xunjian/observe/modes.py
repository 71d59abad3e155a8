"""The permission bits of a path, or of everything below a directory, in one command of the
host's batch (``find -printf``); symlinks are listed as links, not followed."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.result import ObservationError


@dataclass(frozen=True)
class Entry:
    path: str
    mode: int  # permission bits, e.g. 0o640
    type: str  # find's %y: f file, d directory, l symlink ...


@dataclass(frozen=True)
class Modes(Fact[tuple[Entry, ...] | None]):
    """``path`` itself, and with ``recursive`` everything below it; None if it does not exist."""

    path: str
    recursive: bool = False

    def command(self) -> str:
        p = shlex.quote(self.path)
        depth = "" if self.recursive else " -maxdepth 0"
        return (
            f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; "
            f"LC_ALL=C find {p}{depth} -printf '%m %y %p\\n'"
        )

    def describe(self) -> str:
        return f"find {shlex.quote(self.path)}{'' if self.recursive else ' -maxdepth 0'} -printf '%m %y %p'"

    def parse(self, section: Section) -> tuple[Entry, ...] | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        found = []
        for line in section.stdout.splitlines():
            try:
                mode, kind, path = line.split(" ", 2)
                found.append(Entry(path, int(mode, 8), kind))
            except ValueError:
                raise ObservationError(
                    f"`{self.describe()}`: unexpected line {line[:80]!r}"
                ) from None
        return tuple(found)
