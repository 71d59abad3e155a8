"""The last lines of every file a glob matches, with their line numbers, in one command of the
host's batch (the ``privacy`` kind reads them; nothing of them is kept beyond its findings).

The glob's wildcards are in its last part only (``/var/log/mindguard/*.log``): ``find
-maxdepth 1 -name`` matches it, so a file name is never expanded by a shell. Each file's lines
come from one ``awk`` pass (its last ``lines`` lines, numbered), prefixed so that a log line can
never pose as a file header.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, field

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.result import ObservationError

WILDCARDS = set("*?[")


def split_glob(glob: str) -> tuple[str, str]:
    """``/var/log/app/*.log`` -> (``/var/log/app``, ``*.log``); ValueError if a directory part
    holds a wildcard or the path is not absolute."""
    directory, pattern = posixpath.split(glob)
    if not glob.startswith("/") or not pattern:
        raise ValueError(f"{glob!r}: expected an absolute path whose last part may be a glob")
    if WILDCARDS & set(directory):
        raise ValueError(f"{glob!r}: wildcards only in the last part, e.g. /var/log/app/*.log")
    return directory, pattern


@dataclass(frozen=True)
class FileLines:
    path: str
    lines: tuple[tuple[int, str], ...]  # (line number, text)


@dataclass(frozen=True)
class Scanned:
    files: tuple[FileLines, ...] = ()
    unreadable: tuple[str, ...] = field(default=())


_AWK = (
    "{ a[NR % n] = $0 } END { s = NR - n + 1; if (s < 1) s = 1; "
    'for (i = s; i <= NR; i++) printf "|%d\\t%s\\n", i, a[i % n] }'
)


@dataclass(frozen=True)
class RecentLines(Fact[Scanned | None]):
    """The last ``lines`` lines of each regular file matching ``glob``; None if its directory
    does not exist."""

    glob: str
    lines: int

    def command(self) -> str:
        directory, pattern = split_glob(self.glob)
        d, p = shlex.quote(directory), shlex.quote(pattern)
        return (
            f"if [ ! -d {d} ]; then exit {MISSING_RC}; fi; "
            f"LC_ALL=C find {d} -mindepth 1 -maxdepth 1 -type f -name {p} | LC_ALL=C sort | "
            "while IFS= read -r f; do "
            f'if [ -r "$f" ]; then printf \'@%s\\n\' "$f"; '
            f'LC_ALL=C awk -v n={int(self.lines)} {shlex.quote(_AWK)} "$f"; '
            "else printf '!%s\\n' \"$f\"; fi; done"
        )

    def describe(self) -> str:
        return f"tail -n {self.lines} {self.glob}"

    def parse(self, section: Section) -> Scanned | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        files: list[FileLines] = []
        unreadable: list[str] = []
        current: tuple[str, list[tuple[int, str]]] | None = None
        for line in section.stdout.split("\n"):
            if line.startswith("|") and current is not None:
                number, _, text = line[1:].partition("\t")
                try:
                    current[1].append((int(number), text))
                except ValueError:
                    raise ObservationError(f"`{self.describe()}`: bad line {line[:40]!r}") from None
            elif line.startswith("@"):
                if current is not None:
                    files.append(FileLines(current[0], tuple(current[1])))
                current = (line[1:], [])
            elif line.startswith("!"):
                unreadable.append(line[1:])
        if current is not None:
            files.append(FileLines(current[0], tuple(current[1])))
        return Scanned(tuple(files), tuple(unreadable))
