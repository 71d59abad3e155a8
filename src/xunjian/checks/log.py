"""log: the last N lines of a file show the success marker and no failure marker, and the file
is fresh.

The file may be found from the database, as runbook 000 row 1.3 says: the rsync log directory is
the parent of the path stored in ``thqh.Location``. That query runs before the host's batch.
"""

from __future__ import annotations

import posixpath
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
from xunjian.result import ObservationError, Result, Verdict

ORDER = 40


class PathFromSql(Model):
    db: str
    query: str = Field(description="returns one path in the first column of the first row")
    parent: int = Field(1, ge=0, le=10, description="how many directories to go up from that path")
    relative: str = Field(description="the log file below that directory")


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

    @model_validator(mode="after")
    def _one_path(self) -> LogCheck:
        if (self.path is None) == (self.path_from_sql is None):
            raise ValueError("give exactly one of path, path_from_sql")
        if not self.success and not self.failure:
            raise ValueError("give success or failure: a log check must be able to fail")
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
    if spec.decide == "newest":
        marks = " / ".join(repr(m) for m in [spec.success, *spec.failure] if m)
        parts.append(f"end (newest of {marks}) in {spec.success!r}")
    else:
        if spec.success:
            parts.append(f"contain {spec.success!r}")
        if spec.failure:
            parts.append("and no " + " / ".join(repr(f) for f in spec.failure))
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
    return [Tail(path, spec.lines), *([Stat(path)] if spec.max_age else [])]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> LogObservation:
    spec = _spec(case)
    path = locate(case)
    probe = probe_for(case)
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


def evaluate(case: CheckCase, obs: LogObservation) -> Result:
    spec = _spec(case)
    exp = f"{obs.path}: {expected(case)}"
    if obs.lines is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the log file is missing")
    if not any(line.strip() for line in obs.lines):
        # no line to judge: a failure-only check must not pass on a log that says nothing
        actual = "(empty file)" if not obs.lines else f"({len(obs.lines)} blank line(s))"
        return Result.crit(exp, actual, "the log is empty: nothing was logged to judge")
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
