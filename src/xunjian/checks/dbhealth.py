"""dbhealth: one health figure of a MySQL/MariaDB or PostgreSQL database, judged by WARN/CRIT
bands (runbook 002 §2.1 数据库查询时间, §4 数据库: 查询响应时间, 慢查询数量, 存储空间, 连接数).

- ``query_time``: the probe ``query``'s round trip on an open session (run once to open it, then
  timed), in ms;
- ``slow_queries``: slow statements per hour since this check's last run (the server's counter,
  see :mod:`xunjian.observe.dbstats`, kept in the run history's memo; a window shorter than an
  hour counts as an hour, so a count is never blown up into a rate). With no usable last run
  (the first run, or the server restarted since) it is the average since the server started,
  and a figure over the CRIT band is only WARN until a run-to-run rate exists;
- ``connections``: connections in use as a % of ``max_connections``;
- ``size``: the database's size (data and indexes).

The data directory's disk is the ``hostres`` kind's (resource disk, path the data directory).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.history.memo import previous
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import AnyDatabase, CheckBase, SqliteDatabase
from xunjian.observe import db, dbstats
from xunjian.observe.facts import Fact
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 32
Measure = Literal["query_time", "slow_queries", "connections", "size"]
FAMILY = {"query_time": "time", "slow_queries": "number", "connections": "percent", "size": "size"}
EXAMPLE = {
    "query_time": '{warn: "> 100 ms", crit: "> 200 ms"}',
    "slow_queries": '{crit: "> 10"} (per hour)',
    "connections": '{crit: "> 80 %"}',
    "size": '{warn: "> 10 GiB"}',
}


class DbHealthCheck(CheckBase):
    kind: Literal["dbhealth"]
    name: Ident
    db: str = Field(description="a key of the host's databases (mysql or postgresql)")
    measure: Measure = Field(description="query_time, slow_queries (per hour), connections, size")
    query: str | None = Field(None, description="query_time: the probe query (default SELECT 1)")
    slower_than: int = Field(
        1000,
        ge=1,
        description="PostgreSQL slow_queries: ms a statement's mean time must exceed "
        "(MySQL/MariaDB count by the server's own long_query_time)",
    )
    value: Threshold = Field(description="bands in the measure's unit, e.g. " + EXAMPLE["size"])

    @model_validator(mode="after")
    def _valid(self) -> DbHealthCheck:
        if self.query is not None and self.measure != "query_time":
            raise ValueError(f"query is for measure query_time, not {self.measure}")
        if self.value.family != FAMILY[self.measure]:
            raise ValueError(
                f"measure {self.measure} is judged in {FAMILY[self.measure]} units, "
                f"e.g. value: {EXAMPLE[self.measure]}"
            )
        return self

    @property
    def probe(self) -> str:
        return self.query or "SELECT 1"

    def databases(self) -> list[str]:
        return [self.db]

    def queries(self) -> list[tuple[str, str, str]]:
        """The probe query, for the load-time check (the other measures' SQL is fixed)."""
        return [(self.db, self.query, "query")] if self.query else []

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        if isinstance(databases.get(self.db), SqliteDatabase):
            return [f"db: database {self.db!r} is sqlite: dbhealth reads mysql or postgresql"]
        return []


SPEC = DbHealthCheck


@dataclass(frozen=True)
class DbHealthObservation:
    """What was read: ``value`` in the measure's unit (ms, count, %, bytes) and its words;
    for slow_queries also the counter (now and at the last run) and the uptime."""

    value: float
    actual: str
    counter: dbstats.SlowCounter | None = None
    at: float = 0.0  # epoch seconds of the reading (runner's clock)
    last: dict[str, Any] | None = None  # the memo of the last run


def _spec(case: CheckCase) -> DbHealthCheck:
    return spec_of(case, DbHealthCheck)


UNITS = {"query_time": "ms", "slow_queries": None, "connections": "%", "size": "B"}


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    what = {
        "query_time": f"{spec.probe!r} takes",
        "slow_queries": "slow queries per hour",
        "connections": "connections in use (of max_connections)",
        "size": "database size",
    }[spec.measure]
    return f"{spec.db}: {what} {threshold.describe(spec.value)}"


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    calls = {"query_time": 2, "slow_queries": 3, "connections": 2, "size": 1}[spec.measure]
    return calls * db.query_limit(case, spec.db)


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> DbHealthObservation:
    spec = _spec(case)
    if spec.measure == "query_time":
        db.query(case, spec.db, spec.probe)  # opens the session: connecting is not querying
        start = time.perf_counter()
        db.query(case, spec.db, spec.probe)
        ms = (time.perf_counter() - start) * 1000
        return DbHealthObservation(ms, f"{ms:.1f} ms")
    if spec.measure == "connections":
        c = dbstats.connections(case, spec.db)
        pct = 100.0 * c.used / c.limit if c.limit else 100.0
        return DbHealthObservation(pct, f"{pct:.1f} % ({c.used} of max_connections {c.limit})")
    if spec.measure == "size":
        size = dbstats.size(case, spec.db)
        return DbHealthObservation(size, threshold.fmt(round(size / 2**20, 1), "MiB"))
    counter = dbstats.slow_counter(case, spec.db, spec.slower_than)
    return DbHealthObservation(0.0, "", counter, time.time(), previous(case))


def slow_rate(obs: DbHealthObservation) -> tuple[float, str, bool]:
    """(slow queries per hour, how it was found, whether it is run-to-run)."""
    c = obs.counter
    assert c is not None
    last = obs.last or {}
    then, count = last.get("at"), last.get("count")
    elapsed = obs.at - then if isinstance(then, int | float) else 0.0
    restarted = isinstance(then, int | float) and c.uptime < elapsed  # started after the last run
    if isinstance(count, int) and 0 < elapsed and not restarted and count <= c.count:
        # a window under an hour counts as one hour: its count is the hour's lower bound
        rate = (c.count - count) * 3600 / max(elapsed, 3600.0)
        return rate, f"{c.count - count} in {_hours(elapsed)} since the last run", True
    why = "no baseline yet" if not last else "the counter restarted since the last run"
    rate = c.count * 3600 / max(c.uptime, 3600.0)
    return rate, f"{c.count} since the server started {_hours(c.uptime)} ago ({why})", False


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def evaluate(case: CheckCase, obs: DbHealthObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if spec.measure != "slow_queries":
        band = threshold.judge(spec.value, round(obs.value, 3), UNITS[spec.measure])
        if band.verdict is Verdict.OK:
            return Result.ok(exp, obs.actual)
        return Result(band.verdict, exp, obs.actual, f"{spec.measure} {band.message}")
    assert obs.counter is not None
    memo = {"count": obs.counter.count, "at": obs.at}
    rate, how, measured = slow_rate(obs)
    actual = f"{rate:.1f} per hour: {how}; {obs.counter.meaning}"
    band = threshold.judge(spec.value, round(rate, 1))
    if band.verdict is Verdict.OK:
        return replace(Result.ok(exp, actual), memo=memo)
    if band.verdict is Verdict.CRIT and not measured:
        message = f"slow queries {band.message} on average since the server started: no run-to-run rate yet"
        return replace(Result.warn(exp, actual, message), memo=memo)
    return replace(Result(band.verdict, exp, actual, f"slow queries {band.message}"), memo=memo)
