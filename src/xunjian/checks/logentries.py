"""logentries: how many entries of a log, of a kind (``[ERROR]``), were written in a recent
window (runbook 001 §5: ERROR entries of ``logs/error.log`` in the last 24 h), judged by
WARN/CRIT limits.

An entry starts with a line whose timestamp matches ``start``; the lines below it that do not
(a stack trace, a request context) belong to it. Times are the host's local clock, read in the
same batch as the tail, so the log's timestamps and "now" agree whatever its time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.duration import Duration, seconds
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact, Tail
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 41
STAMP = "%Y-%m-%dT%H:%M:%S"


class LogEntriesCheck(CheckBase):
    kind: Literal["logentries"]
    name: Ident
    path: str = Field(pattern=r"^/", description="absolute path on the host")
    start: str = Field(
        r"^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]",
        description="a regex a line starting an entry matches; group 1 is its timestamp",
    )
    time_format: str = Field("%Y-%m-%d %H:%M:%S", description="strptime format of group 1")
    match: str = Field(description=r"a regex an entry's first line matches, e.g. '\[ERROR\]'")
    window: Duration = "24h"
    count: Threshold = Field(description='limits on the count, e.g. {warn: "> 0", crit: "> 10"}')
    lines: int = Field(5000, ge=1, le=200000, description="how much of the file's end is read")

    @model_validator(mode="after")
    def _valid(self) -> LogEntriesCheck:
        for key, rx in (("start", self.start), ("match", self.match)):
            try:
                compiled = re.compile(rx)
            except re.error as e:
                raise ValueError(f"{key}: not a regular expression ({e})") from None
            if key == "start" and compiled.groups < 1:
                raise ValueError("start needs a group capturing the timestamp, e.g. ^\\[(...)\\]")
        if self.count.family != "number":
            raise ValueError('count takes plain numbers, e.g. {warn: "> 0", crit: "> 10"}')
        return self


SPEC = LogEntriesCheck


@dataclass(frozen=True)
class LocalNow(Fact[datetime]):
    """The host's local wall clock (the clock its logs are stamped with)."""

    def command(self) -> str:
        return f"date +{STAMP}"

    def parse(self, section: Section) -> datetime:
        if section.rc != 0:
            raise self.failed(section)
        try:
            return datetime.strptime(section.stdout.strip(), STAMP)
        except ValueError:
            raise ObservationError(f"`date` printed {section.stdout[:60]!r}") from None


@dataclass(frozen=True)
class Entry:
    at: datetime
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LogEntriesObservation:
    path: str
    lines: tuple[str, ...] | None  # None: the file does not exist
    now: datetime


def _spec(case: CheckCase) -> LogEntriesCheck:
    return spec_of(case, LogEntriesCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return f"{spec.path}: entries matching {spec.match!r} in the last {spec.window} " + (
        threshold.describe(spec.count)
    )


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    return [Tail(spec.path, spec.lines), LocalNow()]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> LogEntriesObservation:
    spec = _spec(case)
    probe = probe_for(case)
    return LogEntriesObservation(
        spec.path, probe.get(Tail(spec.path, spec.lines)), probe.get(LocalNow())
    )


def entries(lines: tuple[str, ...], start: str, time_format: str) -> list[Entry]:
    """The entries of ``lines``; lines before the first entry (cut by the tail) are dropped.
    A line matching ``start`` whose timestamp does not parse is a continuation line."""
    rx = re.compile(start)
    found: list[Entry] = []
    for line in lines:
        m = rx.search(line)
        at = None
        if m:
            try:
                at = datetime.strptime(m.group(1), time_format)
            except ValueError:
                at = None
        if at is not None:
            found.append(Entry(at, (line,)))
        elif found:
            found[-1] = Entry(found[-1].at, (*found[-1].lines, line))
    return found


def evaluate(case: CheckCase, obs: LogEntriesObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.lines is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the log file is missing")
    found = entries(obs.lines, spec.start, spec.time_format)
    since = obs.now - timedelta(seconds=seconds(spec.window))
    rx = re.compile(spec.match)
    hits = [e for e in found if e.at >= since and rx.search(e.lines[0])]
    actual = f"{len(hits)} of {len(found)} entries in the last {len(obs.lines)} lines"
    details = tuple("\n".join(e.lines[:6]) for e in hits[-3:])
    band = threshold.judge(spec.count, len(hits))
    if band.verdict is not Verdict.OK:
        said = f"{len(hits)} entries matching {spec.match!r} since {since:%Y-%m-%d %H:%M:%S}"
        return Result(band.verdict, exp, actual, f"{said}: {band.message}", details)
    if len(obs.lines) >= spec.lines and (not found or found[0].at > since):
        return Result.warn(
            exp, actual, f"the last {spec.lines} lines do not reach back {spec.window}: raise lines"
        )
    return Result.ok(exp, actual)
