"""retention: a class of data is kept for its period and no longer (runbook 002 §5.4 数据留存政策:
用户行为日志 180 天, 系统运行日志 90 天, 安全审计日志 365 天, 异常事件日志 3 年).

Files, by the date in their names (``pattern``'s group 1, ``date_format``): no file older than
``keep`` (+ ``grace``) remains, and with ``gaps: true`` no day is missing from the oldest kept
file's day through yesterday (today's file may not be written or rotated yet). Names that do not
match ``pattern`` are not judged.

Rows, by a time column (``db``, ``table``, ``column``): the oldest row is not older than ``keep``
(+ ``grace``), by the database's own clock.

``grace`` (default 1d) is the slack of a daily clean-up job: what it will delete tonight is
not yet a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian.checks import duration
from xunjian.checks.duration import Duration
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import AnyDatabase, CheckBase, SqliteDatabase
from xunjian.observe import db, rowage
from xunjian.observe.datednames import DatedNames, Names
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.observe.rowage import RowAge
from xunjian.result import Result

ORDER = 48
SQL_NAME = r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$"
COLUMN_NAME = r"^[A-Za-z_][A-Za-z0-9_$]*$"
SHOWN = 10


class RetentionCheck(CheckBase):
    kind: Literal["retention"]
    name: Ident
    keep: Duration = Field(description="how long the class is kept, e.g. 180d, 3y")
    grace: Duration = Field("1d", description="slack of the clean-up job")
    path: str | None = Field(None, pattern=r"^/", description="files: their directory")
    pattern: str | None = Field(
        None, description=r"files: a regex a name fully matches; group 1 its date"
    )
    date_format: str = Field("%Y-%m-%d", description="files: strptime format of group 1")
    gaps: bool = Field(False, description="files: a missing day within the kept span is CRIT")
    db: str | None = Field(None, description="rows: a key of the host's databases")
    table: str | None = Field(None, pattern=SQL_NAME, description="rows: table or schema.table")
    column: str | None = Field(None, pattern=COLUMN_NAME, description="rows: the time column")

    @model_validator(mode="after")
    def _one_class(self) -> RetentionCheck:
        files = self.path is not None or self.pattern is not None
        rows = self.db is not None or self.table is not None or self.column is not None
        if files == rows:
            raise ValueError(
                "give files (path and pattern) or rows (db, table and column), not both or none"
            )
        if files:
            if self.path is None or self.pattern is None:
                raise ValueError("files need both path and pattern")
            try:
                compiled = re.compile(self.pattern)
            except re.error as e:
                raise ValueError(f"pattern: not a regular expression ({e})") from None
            if compiled.groups < 1:
                raise ValueError(
                    r"pattern needs a group capturing the date, e.g. app-(\d{4}-\d{2}-\d{2})\.log"
                )
        elif self.db is None or self.table is None or self.column is None:
            raise ValueError("rows need db, table and column")
        elif self.gaps:
            raise ValueError("gaps is for files (a day without its file), not rows")
        return self

    @property
    def limit(self) -> int:
        """Seconds an item may be old."""
        return duration.seconds(self.keep) + duration.seconds(self.grace)

    def databases(self) -> list[str]:
        return [self.db] if self.db else []

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        if self.db and isinstance(databases.get(self.db), SqliteDatabase):
            return [f"db: database {self.db!r} is sqlite: retention reads mysql or postgresql"]
        return []


SPEC = RetentionCheck
Observation = Names | RowAge | None


def _spec(case: CheckCase) -> RetentionCheck:
    return spec_of(case, RetentionCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    slack = f" (+ {spec.grace} grace)"
    if spec.path:
        gaps = "; no day missing" if spec.gaps else ""
        return f"{spec.path}/{spec.pattern}: none older than {spec.keep}{slack}{gaps}"
    return f"{spec.db}.{spec.table}: oldest {spec.column} not older than {spec.keep}{slack}"


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    return db.query_limit(case, spec.db) if spec.db else probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    return [DatedNames(spec.path)] if spec.path else []


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> Observation:
    spec = _spec(case)
    if spec.path:
        return probe_for(case).get(DatedNames(spec.path))
    assert spec.db and spec.table and spec.column  # the validator's
    return rowage.row_age(case, spec.db, spec.table, spec.column, spec.limit)


def dated(spec: RetentionCheck, names: tuple[str, ...]) -> dict[date, list[str]]:
    """The files whose names match, by the date in their names."""
    assert spec.pattern is not None
    rx = re.compile(spec.pattern)
    found: dict[date, list[str]] = {}
    for name in names:
        m = rx.fullmatch(name)
        if m is None:
            continue
        try:
            day = datetime.strptime(m.group(1), spec.date_format).date()
        except ValueError:
            continue
        found.setdefault(day, []).append(name)
    return found


def missing_days(days: set[date], first: date, last: date) -> list[date]:
    return [
        first + timedelta(n)
        for n in range((last - first).days + 1)
        if first + timedelta(n) not in days
    ]


def ranges(days: list[date]) -> list[str]:
    """``2026-11-01..2026-11-03, 2026-11-07``."""
    out: list[list[date]] = []
    for d in days:
        if out and d - out[-1][1] == timedelta(1):
            out[-1][1] = d
        else:
            out.append([d, d])
    return [f"{a}" if a == b else f"{a}..{b}" for a, b in out]


def _files(case: CheckCase, spec: RetentionCheck, obs: Names) -> Result:
    exp = expected(case)
    found = dated(spec, obs.names)
    if not found:
        return Result.crit(
            exp, f"no file in {spec.path} matches {spec.pattern}", "no file to judge"
        )
    limit_days = spec.limit // 86400
    old = sorted(d for d in found if (obs.today - d).days > limit_days)
    kept = sorted(d for d in found if (obs.today - d).days <= limit_days)
    actual = f"{sum(map(len, found.values()))} file(s), {min(found)} .. {max(found)}"
    findings: list[str] = []
    details: list[str] = []
    if old:
        findings.append(
            f"{len(old)} day(s) older than {spec.keep}: oldest {min(old)} ({(obs.today - min(old)).days} d)"
        )
        details += [f"{spec.path}/{n}" for d in old[:SHOWN] for n in found[d]]
    if spec.gaps and kept:
        missing = missing_days(set(kept), kept[0], obs.today - timedelta(1))
        if missing:
            shown = ranges(missing)
            findings.append(f"{len(missing)} day(s) missing: {', '.join(shown[:SHOWN])}")
    if findings:
        return Result.crit(exp, actual, "; ".join(findings), tuple(details[:SHOWN]))
    return Result.ok(exp, actual)


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.1f} d"


def evaluate(case: CheckCase, obs: Observation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs is None:
        return Result.crit(exp, f"{spec.path} does not exist", "the directory is missing")
    if isinstance(obs, Names):
        return _files(case, spec, obs)
    if obs.oldest is None:
        return Result.ok(exp, f"{spec.table} has no row")
    actual = f"oldest row {_days(obs.oldest)} old; {obs.older} row(s) older than {spec.keep} + {spec.grace}"
    if obs.oldest > spec.limit:
        return Result.crit(exp, actual, f"{obs.older} row(s) kept beyond {spec.keep}")
    return Result.ok(exp, actual)
