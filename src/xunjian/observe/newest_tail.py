"""The last lines of the newest file in a directory whose name matches a glob (a workflow log
started afresh with each run: ``/tmp/logs/Server_*.log``), with its stat, in one command of the
host's batch."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact, FileStat
from xunjian.result import ObservationError


@dataclass(frozen=True)
class NewestLog:
    path: str
    lines: tuple[str, ...]
    stat: FileStat


@dataclass(frozen=True)
class NewestTail(Fact[NewestLog | None]):
    """None when the directory does not exist or holds no matching file. Newest by
    modification time (then by name); symlinks followed."""

    directory: str
    glob: str
    lines: int

    def command(self) -> str:
        d, g = shlex.quote(self.directory), shlex.quote(self.glob)
        return (
            f"if [ ! -d {d} ]; then exit {MISSING_RC}; fi; "
            f"n=$(LC_ALL=C find -L {d} -mindepth 1 -maxdepth 1 -type f -name {g} "
            "-exec stat -L -c '%Y %s %n' -- {} + | LC_ALL=C sort -k1,1n -k3 | tail -n 1); "
            f'[ -n "$n" ] || exit {MISSING_RC}; printf \'%s\\n\' "$n"; date +%s; '
            f'LC_ALL=C exec tail -n {int(self.lines)} -- "${{n#* * }}"'
        )

    def describe(self) -> str:
        return f"tail -n {self.lines} of the newest {shlex.quote(self.glob)} in {self.directory}"

    def parse(self, section: Section) -> NewestLog | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        head, now, *lines = section.stdout.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the newline ending the last line
        try:
            mtime, size, path = head.split(" ", 2)
            return NewestLog(
                path, tuple(lines), FileStat("regular file", int(size), int(mtime), int(now))
            )
        except ValueError:
            raise ObservationError(
                f"`{self.describe()}` printed something unexpected: {section.stdout[:120]!r}"
            ) from None
