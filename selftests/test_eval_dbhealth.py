"""dbhealth: query time, slow queries per hour (memo of the last run), connections, size
(pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import dbhealth
from xunjian.checks.dbhealth import DbHealthObservation
from xunjian.inventory.errors import InventoryError
from xunjian.observe.dbstats import SlowCounter
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
DBS: dict[str, Any] = {
    "mg": {"user": "mg", "password": "${MG_PASSWORD}", "database": "mindguard"},
    "pg": {"engine": "postgresql", "user": "ro", "password": "${PG_PASSWORD}", "database": "x"},
    "lite": {"engine": "sqlite", "path": "/data/app.db"},
}
PROBE = {"kind": "dbhealth", "name": "probe-time", "db": "mg", "measure": "query_time",
         "query": "SELECT 1", "value": {"warn": "> 100 ms", "crit": "> 200 ms"}}  # fmt: skip
SLOW = {
    "kind": "dbhealth",
    "name": "slow",
    "db": "mg",
    "measure": "slow_queries",
    "value": {"crit": "> 10"},
}
CONN = {
    "kind": "dbhealth",
    "name": "connections",
    "db": "mg",
    "measure": "connections",
    "value": {"crit": "> 80 %"},
}
SIZE = {
    "kind": "dbhealth",
    "name": "size",
    "db": "pg",
    "measure": "size",
    "value": {"warn": "> 10 GiB"},
}
NOW = 1_800_000_000.0
HOUR = 3600.0
MEANING = "Slow_queries (long_query_time 10 s)"


def case(spec: dict[str, Any]) -> Any:
    return make_case(spec, databases=DBS)


@pytest.mark.parametrize(
    ("spec", "value", "verdict", "text"),
    [
        pytest.param(PROBE, 3.2, OK, "seen", id="probe-fast"),
        pytest.param(PROBE, 150.0, WARN, "query_time 150 ms > 100 ms", id="probe-between-is-warn"),
        pytest.param(PROBE, 250.0, CRIT, "query_time 250 ms > 200 ms", id="probe-slow"),
        pytest.param(CONN, 50.0, OK, "", id="connections-ok"),
        pytest.param(CONN, 85.0, CRIT, "connections 85 % > 80 %", id="connections-crit"),
        pytest.param(SIZE, 11 * 2**30, WARN, "size 11 GiB > 10 GiB", id="size-warn"),
        pytest.param(SIZE, 2**20, OK, "", id="size-ok"),
    ],
)
def test_figures(spec: dict[str, Any], value: float, verdict: Verdict, text: str) -> None:
    assert_result(dbhealth.evaluate(case(spec), DbHealthObservation(value, "seen")), verdict, text)


def slow(count: int, uptime: float, last: dict[str, Any] | None) -> DbHealthObservation:
    return DbHealthObservation(0.0, "", SlowCounter(count, uptime, MEANING), NOW, last)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(slow(100, 100 * HOUR, {"count": 90, "at": NOW - 2 * HOUR}), OK,
                     "5.0 per hour: 10 in 2.0 h since the last run", id="rate-since-last-run"),
        pytest.param(slow(150, 100 * HOUR, {"count": 90, "at": NOW - 2 * HOUR}), CRIT,
                     "slow queries 30 > 10", id="rate-crit"),
        # a window under an hour counts as an hour: 11 in 5 min is 11 per hour, not 132
        pytest.param(slow(111, 100 * HOUR, {"count": 100, "at": NOW - 300}), CRIT,
                     "11.0 per hour: 11 in 5 min", id="short-window-counts-as-an-hour"),
        pytest.param(slow(5, 10 * HOUR, None), OK, "no baseline yet", id="first-run-average"),
        pytest.param(slow(500, 10 * HOUR, None), WARN, "no run-to-run rate yet",
                     id="first-run-over-crit-is-only-warn"),
        # restarted since: the counter fell, the uptime is shorter than the time since the last run
        pytest.param(slow(3, HOUR, {"count": 900, "at": NOW - 24 * HOUR}), OK,
                     "the counter restarted since the last run", id="restart-resets-baseline"),
    ],
)  # fmt: skip
def test_slow_queries(obs: DbHealthObservation, verdict: Verdict, text: str) -> None:
    result = dbhealth.evaluate(case(SLOW), obs)
    assert_result(result, verdict, text)
    assert result.memo == {"count": obs.counter.count, "at": NOW}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**PROBE, "value": {"crit": "> 80 %"}}, "measure query_time is judged in time units"),
        ({**CONN, "value": {"crit": "> 80"}}, "measure connections is judged in percent units"),
        ({**SLOW, "query": "SELECT 1"}, "query is for measure query_time, not slow_queries"),
        ({**SIZE, "measure": "bloat"}, "measure"),
        ({**SIZE, "db": "lite"}, "database 'lite' is sqlite: dbhealth reads mysql or postgresql"),
        ({**PROBE, "query": "DELETE FROM users"}, "query"),
    ],
)
def test_bad_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises((ValidationError, InventoryError), match=message):
        case(spec)
