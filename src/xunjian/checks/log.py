"""log: the last N lines of a file show the success marker and no failure marker, and the file
is fresh. Known failures (``known``) are reported each with the runbook's own remedy (runbook
003 §8: ``91403`` -> 将机器人加入目标多维表，并授予相应权限), and lines of a kind (``counted``:
rate-limit errors, §8.5) are counted against WARN/CRIT limits.

The file may be found from the database, as runbook 000 row 1.3 says: the rsync log directory is
the parent of the path stored in ``thqh.Location``. That query runs before the host's batch.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Age, Ident
from xunjian.inventory.model import CheckBase, Model
from xunjian.observe import db, deadline
from xunjian.observe.facts import Fact, FileStat, Stat, Tail
from xunjian.observe.host import probe_for
from xunjian.observe.newest_tail import NewestTail
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 40


class PathFromSql(Model):
    db: str
    query: str = Field(description="returns one path in the first column of the first row")
    parent: int = Field(1, ge=0, le=10, description="how many directories to go up from that path")
    relative: str = Field(description="the log file below that directory")


class KnownFailure(Model):
    """A failure the runbook knows, with what to do about it (runbook 003 §8)."""

    match: list[str] = Field(min_length=1, description="substrings (any case), any of them")
    remedy: str = Field(description="the runbook's own 处理 text, verbatim")
    verdict: Literal["CRIT", "WARN"] = "CRIT"


class CountedLines(Model):
    """Lines of a kind counted in the tail, judged by limits (runbook 003 §8.5: rate limits)."""

    name: str = Field(description="what the lines are, e.g. rate-limit errors")
    match: str = Field(description="a regex (any case) a counted line matches")
    count: Threshold
    remedy: str = ""

    @model_validator(mode="after")
    def _valid(self) -> CountedLines:
        try:
            re.compile(self.match)
        except re.error as e:
            raise ValueError(f"match: not a regular expression ({e})") from None
        if self.count.family != "number":
            raise ValueError('count takes plain numbers, e.g. {warn: "> 0", crit: "> 10"}')
        return self


class LogCheck(CheckBase):
    kind: Literal["log"]
    name: Ident
    path: str | None = None
    path_from_sql: PathFromSql | None = None
    lines: int = Field(40, ge=1, le=100000)
    success: str | None = None
    failure: list[str] = Field(default_factory=list)
    decide: Literal["any", "newest"] = Field(
        "any",
        description="any: a failure line anywhere in the tail is CRIT and a success line must be "
        "there; newest: the newest line holding a marker decides",
    )
    max_age: Age | None = Field(
        None, description="the file's age (mtime, host clock), e.g. 36h or {warn: '> 26 h', ...}"
    )
    newest: str | None = Field(
        None,
        pattern=r"^[^/]+$",
        description="the path is a directory: judge its newest file whose name matches this "
        "glob, e.g. Server_*.log (a log started afresh with each run)",
    )
    known: list[KnownFailure] = Field(
        default_factory=list, description="known failures, each reported with its remedy"
    )
    counted: list[CountedLines] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_path(self) -> LogCheck:
        if (self.path is None) == (self.path_from_sql is None):
            raise ValueError("give exactly one of path, path_from_sql")
        if not (self.success or self.failure or self.known or self.counted):
            raise ValueError(
                "give success, failure, known or counted: a log check must be able to fail"
            )
        return self

    def databases(self) -> list[str]:
        return [self.path_from_sql.db] if self.path_from_sql else []

    def queries(self) -> list[tuple[str, str, str]]:
        """(database, SQL, key) of the path query, for the load-time check (inventory/sqlsafety.py)."""
        src = self.path_from_sql
        return [(src.db, src.query, "path_from_sql.query")] if src else []


SPEC = LogCheck


@dataclass(frozen=True)
class LogObservation:
    path: str
    lines: tuple[str, ...] | None  # None: the file does not exist
    stat: FileStat | None = None  # asked for with max_age


def _spec(case: CheckCase) -> LogCheck:
    return spec_of(case, LogCheck)


def derive_path(stored: str, parent: int, relative: str) -> str:
    """``/usr/local/Thqh/rsyncData/incr_csv/``, 1, ``rsync_log/x.log`` -> ``/usr/local/Thqh/rsyncData/rsync_log/x.log``."""
    if not stored.startswith("/"):
        raise ValueError(f"stored path {stored!r} is not absolute")
    base = posixpath.normpath(stored)
    for _ in range(parent):
        base = posixpath.dirname(base)
    return posixpath.join(base, relative)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"the last {spec.lines} lines"]
    if spec.newest:
        parts = [f"the last {spec.lines} lines of the newest {spec.newest}"]
    if spec.decide == "newest":
        marks = " / ".join(repr(m) for m in [spec.success, *spec.failure] if m)
        parts.append(f"end (newest of {marks}) in {spec.success!r}")
    else:
        if spec.success:
            parts.append(f"contain {spec.success!r}")
        if spec.failure:
            parts.append("and no " + " / ".join(repr(f) for f in spec.failure))
    if spec.known:
        parts.append(
            "and no known failure (" + " / ".join(m for k in spec.known for m in k.match) + ")"
        )
    parts += [f"{c.name}: {threshold.describe(c.count)}" for c in spec.counted]
    text = " ".join(parts)
    if spec.max_age:
        text += f"; file age {threshold.describe(spec.max_age)}"
    return text


def budget(case: CheckCase) -> float:
    """The path query, if any, then the host's facts (normally gathered already)."""
    src = _spec(case).path_from_sql
    return (db.query_limit(case, src.db) if src else 0) + probe_for(case).limit


_LOCATED: dict[str, str | ObservationError] = {}  # case id -> path, or why there is none


def locate(case: CheckCase) -> str:
    """The file's path; a path from SQL is asked once per run, within its own deadline."""
    spec = _spec(case)
    if spec.path:
        return spec.path
    src = spec.path_from_sql
    if src is None:
        raise TypeError(f"{case.id}: a log check needs path or path_from_sql")
    if case.id not in _LOCATED:
        try:
            limit = db.query_limit(case, src.db) + deadline.GRACE
            rows = deadline.call_within(limit, lambda: db.query(case, src.db, src.query))
            if not rows.rows or not rows.rows[0] or not isinstance(rows.rows[0][0], str):
                raise ObservationError(f"the path query returned no path (rows: {rows.rows[:1]!r})")
            try:
                _LOCATED[case.id] = derive_path(rows.rows[0][0], src.parent, src.relative)
            except ValueError as e:
                raise ObservationError(str(e)) from None
        except ObservationError as e:
            _LOCATED[case.id] = e
    found = _LOCATED[case.id]
    if isinstance(found, ObservationError):
        raise found
    return found


def reset() -> None:
    """Forget the paths found this run (end of a session)."""
    _LOCATED.clear()


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    path = locate(case)
    if spec.newest:
        return [NewestTail(path, spec.newest, spec.lines)]
    return [Tail(path, spec.lines), *([Stat(path)] if spec.max_age else [])]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> LogObservation:
    spec = _spec(case)
    path = locate(case)
    probe = probe_for(case)
    if spec.newest:
        found = probe.get(NewestTail(path, spec.newest, spec.lines))
        if found is None:
            return LogObservation(posixpath.join(path, spec.newest), None)
        return LogObservation(found.path, found.lines, found.stat if spec.max_age else None)
    lines = probe.get(Tail(path, spec.lines))
    stat = probe.get(Stat(path)) if spec.max_age and lines is not None else None
    return LogObservation(path, lines, stat)


def _age(case: CheckCase, obs: LogObservation) -> Result | None:
    """A verdict on the file's age, or None where it is fine (or not asked for)."""
    limits = _spec(case).max_age
    if limits is None:
        return None
    if obs.stat is None:
        return Result.unknown(expected(case), f"the age of {obs.path} was not observed")
    band = threshold.judge(limits, obs.stat.age, "s")
    if band.verdict is Verdict.OK:
        return None
    age = f"last written {_human(obs.stat.age)} ago"
    return Result(band.verdict, f"{obs.path}: {expected(case)}", age, f"the log is stale: {age}")


def _human(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _known(spec: LogCheck, lines: tuple[str, ...]) -> Result | None:
    """Known failures and counted lines in the tail, each with its remedy; None: none."""
    found: list[tuple[Verdict, str, tuple[str, ...]]] = []
    for k in spec.known:
        hits = [ln for ln in lines if any(m.lower() in ln.lower() for m in k.match)]
        if hits:
            said = f"{'/'.join(k.match)} x{len(hits)}: {k.remedy}"
            found.append((Verdict[k.verdict], said, (hits[-1].strip(), f"处理: {k.remedy}")))
    for c in spec.counted:
        rx = re.compile(c.match, re.IGNORECASE)
        hits = [ln for ln in lines if rx.search(ln)]
        band = threshold.judge(c.count, len(hits))
        if band.verdict is not Verdict.OK:
            said = f"{len(hits)} {c.name} ({band.message})" + (f": {c.remedy}" if c.remedy else "")
            found.append((band.verdict, said, tuple(h.strip() for h in hits[-2:])))
    if not found:
        return None
    worst = Verdict.CRIT if any(v is Verdict.CRIT for v, _, _ in found) else Verdict.WARN
    details = tuple(d for _, said, more in found for d in (said, *more))
    message = "; ".join(said for _, said, _ in found)
    return Result(worst, "", f"{len(found)} known failure kind(s) in the tail", message, details)


def evaluate(case: CheckCase, obs: LogObservation) -> Result:
    spec = _spec(case)
    exp = f"{obs.path}: {expected(case)}"
    if obs.lines is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the log file is missing")
    if not any(line.strip() for line in obs.lines):
        # no line to judge: a failure-only check must not pass on a log that says nothing
        actual = "(empty file)" if not obs.lines else f"({len(obs.lines)} blank line(s))"
        return Result.crit(exp, actual, "the log is empty: nothing was logged to judge")
    known = _known(spec, obs.lines)
    if known is not None:
        return Result(known.verdict, exp, known.actual, known.message, known.details)
    bad = tuple(line for line in obs.lines if any(f in line for f in spec.failure))
    last = obs.lines[-1].strip()
    if spec.decide == "newest":
        marked = [ln for ln in obs.lines if (spec.success and spec.success in ln) or ln in bad]
        if marked and marked[-1] in bad:
            return Result.crit(exp, "the newest marker is a failure", marked[-1].strip(), bad[-5:])
    elif bad:
        return Result.crit(exp, f"{len(bad)} failure line(s)", f"{bad[-1].strip()}", bad[-5:])
    # "日志最后显示传输成功，无“传输失败”": with no failure line in the tail (or none after
    # the newest success), a success line in it is the last transfer's outcome
    if spec.success and not any(spec.success in ln for ln in obs.lines):
        return Result.crit(
            exp, f"no {spec.success!r}; last line: {last}", f"no {spec.success!r} in the tail"
        )
    stale = _age(case, obs)
    if stale is not None:
        return stale
    return Result.ok(exp, f"last line: {last}")
