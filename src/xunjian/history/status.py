"""From a check's past verdicts to a status phrase, as reports and alerts show it (pure).

The rules, applied to the check's verdicts oldest first, the current run's last:

- pass or fail follows :attr:`Verdict.fails`: CRIT and UNKNOWN fail; OK and WARN pass (a WARN
  does not fail its test either, unless ``--fail-on-warn``);
- ``new``: no earlier run saw the check;
- ``flapping``: at least :data:`FLAPS` changes between pass and fail among the last
  :data:`WINDOW` runs (nine steps between ten verdicts), whatever the current verdict;
- ``recovered``: the previous run failed, this one passes;
- ``failing since <date> (N runs)``: this run fails; the date is that of the first run of the
  unbroken failing streak, N the streak's length, this run included;
- ``warning since <date> (N runs)``: this run is a WARN (after a WARN or OK); the same count over
  the unbroken WARN streak;
- ``ok``: a stable pass, shown as the empty phrase.

Dates are those of Asia/Shanghai, ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from xunjian.result import Verdict

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW = 10  # runs looked at for flapping, the current one included
FLAPS = 4  # changes between pass and fail within WINDOW that make a check flapping

Kind = Literal["new", "flapping", "recovered", "failing", "warning", "ok"]


@dataclass(frozen=True)
class Seen:
    """One verdict of a check and when it was given (timezone-aware)."""

    verdict: Verdict
    at: datetime


@dataclass(frozen=True)
class Status:
    """A check's standing over its runs; ``str()`` is the phrase reports show."""

    kind: Kind
    since: date | None = None  # first day of the failing or warning streak
    runs: int = 0  # length of that streak, this run included

    @property
    def phrase(self) -> str:
        if self.kind in ("failing", "warning") and self.since is not None:
            plural = "run" if self.runs == 1 else "runs"
            return f"{self.kind} since {self.since.isoformat()} ({self.runs} {plural})"
        return "" if self.kind == "ok" else self.kind

    def __str__(self) -> str:
        return self.phrase


def shanghai_date(at: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware datetime."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no timezone: give an aware datetime")
    return at.astimezone(SHANGHAI).date()


def changes(verdicts: Sequence[Verdict]) -> int:
    """How often consecutive verdicts switch between pass and fail."""
    return sum(a.fails != b.fails for a, b in pairwise(verdicts))


def _streak(seen: Sequence[Seen], same: bool) -> list[Seen]:
    """The unbroken run at the end of ``seen`` whose verdicts are like the last one's
    (by pass/fail if not ``same``, by verdict if ``same``)."""
    last = seen[-1].verdict
    out: list[Seen] = []
    for s in reversed(seen):
        if (s.verdict is not last) if same else (s.verdict.fails != last.fails):
            break
        out.append(s)
    out.reverse()
    return out


def status(seen: Sequence[Seen]) -> Status:
    """The status of a check from its verdicts, oldest first, the current run's last.

    A history cut short is enough as long as it holds the last :data:`WINDOW` runs and the whole
    current streak (what :class:`xunjian.history.store.History` reads).
    """
    if not seen:
        raise ValueError("no verdicts: give at least the current run's")
    if len(seen) == 1:
        return Status("new")
    if changes([s.verdict for s in seen[-WINDOW:]]) >= FLAPS:
        return Status("flapping")
    current, previous = seen[-1].verdict, seen[-2].verdict
    if previous.fails and not current.fails:
        return Status("recovered")
    if current.fails:
        streak = _streak(seen, same=False)
        return Status("failing", shanghai_date(streak[0].at), len(streak))
    if current is Verdict.WARN:
        streak = _streak(seen, same=True)
        return Status("warning", shanghai_date(streak[0].at), len(streak))
    return Status("ok")
