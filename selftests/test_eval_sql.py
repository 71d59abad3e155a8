"""sql: no_rows, row_count and scalar expectations, violating rows in the details (pure evaluation, accept and reject tables)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import sql
from xunjian.inventory.case import CheckCase
from xunjian.observe.mysql import Rows
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


DBS: dict[str, Any] = {
    "thqh": {"user": "root", "password": "${THQH_MYSQL_PASSWORD}", "database": "thqh"}
}
COLUMNS = ("id", "name", "syncstate")


def sql_case(
    expect: dict[str, Any], show_rows: int = 5, step: dict[str, Any] | None = None
) -> CheckCase:
    spec = {
        "kind": "sql",
        "step": "1.2",
        "name": "sync-state",
        "db": "thqh",
        "query": "SELECT * FROM SyncStateTable WHERE checkFlag = 1 AND syncstate <> 0",
        "expect": expect,
        "show_rows": show_rows,
    }
    return make_case(spec, databases=DBS, step=step)


def rows(n: int, truncated: bool = False) -> Rows:
    return Rows(COLUMNS, tuple((i, f"table{i}", 1) for i in range(1, n + 1)), truncated)


def scalar(value: Any) -> Rows:
    return Rows(("n",), ((value,),), False)


NO_ROWS = {"no_rows": True}
LIMIT = {"scalar": {"op": "<", "value": 100}, "warn": {"op": "<", "value": 50}}


def count(op: str, value: float) -> dict[str, Any]:
    return {"row_count": {"op": op, "value": value}}


@pytest.mark.parametrize(
    ("expect", "obs", "verdict", "text"),
    [
        pytest.param(NO_ROWS, rows(0), OK, "no rows", id="sql-no-rows-ok"),
        pytest.param(NO_ROWS, rows(2), CRIT, "2 violating row(s)", id="sql-no-rows-violated"),
        pytest.param(NO_ROWS, rows(1000, True), CRIT, "1000+ row(s)", id="sql-no-rows-truncated"),
        pytest.param(count("==", 0), rows(0), OK, "0 row(s)", id="sql-count-eq-ok"),
        pytest.param(count("==", 0), rows(1), CRIT, "1 row(s) is not == 0", id="sql-count-eq-bad"),
        pytest.param(count("!=", 0), rows(1), OK, "1 row(s)", id="sql-count-ne-ok"),
        pytest.param(count("!=", 0), rows(0), CRIT, "is not != 0", id="sql-count-ne-bad"),
        pytest.param(count(">=", 1), rows(1), OK, "1 row(s)", id="sql-count-ge-ok"),
        pytest.param(count(">=", 1), rows(0), CRIT, "0 row(s) is not >= 1", id="sql-count-ge-bad"),
        pytest.param(count(">", 2), rows(3), OK, "3 row(s)", id="sql-count-gt-ok"),
        pytest.param(count(">", 2), rows(2), CRIT, "is not > 2", id="sql-count-gt-bad"),
        pytest.param(count("<", 3), rows(2), OK, "2 row(s)", id="sql-count-lt-ok"),
        pytest.param(count("<", 3), rows(3), CRIT, "is not < 3", id="sql-count-lt-bad"),
        pytest.param(count("<=", 3), rows(3), OK, "3 row(s)", id="sql-count-le-ok"),
        pytest.param(count("<=", 3), rows(4), CRIT, "is not <= 3", id="sql-count-le-bad"),
        pytest.param(
            count("<", 100) | {"warn": {"op": "<", "value": 2}},
            rows(3),
            WARN,
            "3 row(s) is not < 2",
            id="sql-count-warn",
        ),
        pytest.param(LIMIT, scalar(10), OK, "10", id="sql-scalar-ok"),
        pytest.param(LIMIT, scalar(Decimal("12.50")), OK, "12.5", id="sql-scalar-decimal"),
        pytest.param(LIMIT, scalar("42"), OK, "42", id="sql-scalar-numeric-text"),
        pytest.param(LIMIT, scalar(70), WARN, "70 is not < 50", id="sql-scalar-warn"),
        pytest.param(LIMIT, scalar(50), WARN, "50 is not < 50", id="sql-scalar-warn-boundary"),
        pytest.param(LIMIT, scalar(120), CRIT, "120 is not < 100", id="sql-scalar-crit"),
        pytest.param(LIMIT, scalar(100), CRIT, "100 is not < 100", id="sql-scalar-crit-boundary"),
        pytest.param(LIMIT, scalar("n/a"), CRIT, "not a number", id="sql-scalar-not-numeric"),
        pytest.param(LIMIT, scalar("n/a"), CRIT, "'n/a'", id="sql-scalar-not-numeric-actual"),
        pytest.param(LIMIT, scalar(None), CRIT, "None", id="sql-scalar-null"),
        pytest.param(LIMIT, Rows(("n",), (), False), CRIT, "no value", id="sql-scalar-no-rows"),
    ],
)
def test_sql(expect: dict[str, Any], obs: Rows, verdict: Verdict, text: str) -> None:
    assert_result(sql.evaluate(sql_case(expect), obs), verdict, text)


@pytest.mark.parametrize(
    ("obs", "show_rows", "details"),
    [
        pytest.param(
            rows(7),
            2,
            (
                "id=1, name=table1, syncstate=1",
                "id=2, name=table2, syncstate=1",
                "... and 5 more row(s)",
            ),
            id="first-rows-and-more",
        ),
        pytest.param(
            rows(1000, True),
            1,
            ("id=1, name=table1, syncstate=1", "... and 999+ more row(s)"),
            id="truncated",
        ),
        pytest.param(rows(3), 0, ("... and 3 more row(s)",), id="show-none"),
        pytest.param(
            rows(2),
            5,
            ("id=1, name=table1, syncstate=1", "id=2, name=table2, syncstate=1"),
            id="all-shown",
        ),
        pytest.param(
            Rows(COLUMNS, ((9, "济南", None),), False),
            5,
            ("id=9, name=济南, syncstate=NULL",),
            id="text-unquoted-null-as-NULL",
        ),
    ],
)
def test_sql_no_rows_details(obs: Rows, show_rows: int, details: tuple[str, ...]) -> None:
    result = sql.evaluate(sql_case(NO_ROWS, show_rows), obs)
    assert result.verdict is CRIT
    assert result.details == details


def test_sql_ok_has_no_details() -> None:
    assert sql.evaluate(sql_case(count(">=", 1)), rows(3)).details == ()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(None, "NULL", id="null"),
        pytest.param(
            datetime.datetime(2026, 11, 24, 0, 36, 48), "2026-11-24 00:36:48", id="datetime"
        ),
        pytest.param(b"abc", "abc", id="ascii-bytes"),
        pytest.param(b"\xff\x00", "ff00", id="binary-bytes"),
        pytest.param(0, "0", id="int"),
        pytest.param("传输失败", "传输失败", id="text"),
    ],
)
def test_sql_cells_read_as_navicat_shows_them(value: object, shown: str) -> None:
    assert sql.cell(value) == shown


def test_row_count_beyond_the_fetch_limit_is_unknown_not_a_wrong_count() -> None:
    result = sql.evaluate(sql_case(count(">=", 2000)), rows(1000, truncated=True))
    assert result.verdict is UNKNOWN
    assert "more than 1000 rows" in result.actual
