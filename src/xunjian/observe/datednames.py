"""The names of a directory's files with the host's date, for judging files by the date in
their names (the ``retention`` kind), in one command of the host's batch."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.result import ObservationError


@dataclass(frozen=True)
class Names:
    today: date  # the host's local date
    names: tuple[str, ...]


@dataclass(frozen=True)
class DatedNames(Fact[Names | None]):
    """File names (not directories) directly in ``directory``; None if it does not exist."""

    directory: str

    def command(self) -> str:
        d = shlex.quote(self.directory)
        return (
            f"if [ ! -d {d} ]; then exit {MISSING_RC}; fi; date +%Y-%m-%d && "
            f"LC_ALL=C find {d} -mindepth 1 -maxdepth 1 -type f -printf '%f\\n'"
        )

    def describe(self) -> str:
        return f"find {shlex.quote(self.directory)} -type f"

    def parse(self, section: Section) -> Names | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        first, *names = section.stdout.splitlines() or [""]
        try:
            today = date.fromisoformat(first.strip())
        except ValueError:
            raise ObservationError(f"`date` printed {first[:40]!r}") from None
        return Names(today, tuple(sorted(n for n in names if n)))
