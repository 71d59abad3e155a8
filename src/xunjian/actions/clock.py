"""An action's own time limit, its per-phase stopwatch and the UTC stamps that name backups."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from xunjian.actions import ActionError

STAMP = "%Y%m%dT%H%M%SZ"  # sorts as time does: names of backups sort oldest first


def stamp(now: datetime | None = None) -> str:
    """``20261125T211500Z``: the UTC time a backup was started."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP)


def seconds_text(seconds: float) -> str:
    """``7200`` -> ``2 h``; ``90`` -> ``1.5 min``; ``12.5`` -> ``12.5 s``."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


class TimeLimit(ActionError):
    """The action ran out of its time limit."""


class Deadline:
    """The end of an action's time limit; every wait asks it how long it may still take."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self._end = time.monotonic() + seconds

    def left(self, stage: str) -> float:
        """Seconds left; :class:`TimeLimit`, naming the stage, once there are none."""
        rest = self._end - time.monotonic()
        if rest <= 0:
            raise TimeLimit(
                f"{self.what}: its time limit of {seconds_text(self.seconds)} ran out "
                f"during {stage}"
            )
        return rest


class Stopwatch:
    """Seconds per phase (dump, restore, mirror, diff ...), rounded for reports."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = round(time.monotonic() - start, 2)
