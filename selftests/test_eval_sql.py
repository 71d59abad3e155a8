"""sql: no_rows, row_count and scalar expectations, violating rows in the details (pure evaluation, accept and reject tables)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

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
# A threshold names the bad states. The old spelling {scalar: {op: "<", value: 100}, warn: {op:
# "<", value: 50}} said what is good; these keep its boundaries: 49 OK, 50 WARN, 100 CRIT.
LIMIT = {"scalar": {"warn": ">= 50", "crit": ">= 100"}}
# Strictly above (the runbooks' "> 50"): the limit itself is still OK.
STRICT = {"scalar": {"warn": "> 50", "crit": ">= 100"}}
WARN_ONLY = {"scalar": {"warn": "> 100"}}  # never CRIT, however high


def count(**limits: str) -> dict[str, Any]:
    return {"row_count": limits}


@pytest.mark.parametrize(
    ("expect", "obs", "verdict", "text"),
    [
        pytest.param(NO_ROWS, rows(0), OK, "no rows", id="sql-no-rows-ok"),
        pytest.param(NO_ROWS, rows(2), CRIT, "2 violating row(s)", id="sql-no-rows-violated"),
        pytest.param(NO_ROWS, rows(1000, True), CRIT, "1000+ row(s)", id="sql-no-rows-truncated"),
        # row counts: each old "OK if OP N" is the crit condition of its negation
        pytest.param(count(crit="!= 0"), rows(0), OK, "0 row(s)", id="sql-count-eq-ok"),
        pytest.param(count(crit="!= 0"), rows(1), CRIT, "row count 1 != 0", id="sql-count-eq-bad"),
        pytest.param(count(crit="== 0"), rows(1), OK, "1 row(s)", id="sql-count-ne-ok"),
        pytest.param(count(crit="== 0"), rows(0), CRIT, "row count 0 == 0", id="sql-count-ne-bad"),
        pytest.param(count(crit="< 1"), rows(1), OK, "1 row(s)", id="sql-count-ge-ok"),
        pytest.param(count(crit="< 1"), rows(0), CRIT, "row count 0 < 1", id="sql-count-ge-bad"),
        pytest.param(count(crit="<= 0"), rows(1), OK, "1 row(s)", id="sql-count-le0-ok"),
        pytest.param(count(crit="<= 0"), rows(0), CRIT, "row count 0 <= 0", id="sql-count-le0-bad"),
        pytest.param(count(crit="<= 2"), rows(3), OK, "3 row(s)", id="sql-count-gt-ok"),
        pytest.param(count(crit="<= 2"), rows(2), CRIT, "row count 2 <= 2", id="sql-count-gt-bad"),
        pytest.param(count(crit=">= 3"), rows(2), OK, "2 row(s)", id="sql-count-lt-ok"),
        pytest.param(count(crit=">= 3"), rows(3), CRIT, "row count 3 >= 3", id="sql-count-lt-bad"),
        pytest.param(count(crit="> 3"), rows(3), OK, "3 row(s)", id="sql-count-le-ok"),
        pytest.param(count(crit="> 3"), rows(4), CRIT, "row count 4 > 3", id="sql-count-le-bad"),
        pytest.param(
            count(warn=">= 2", crit=">= 100"), rows(1), OK, "1 row(s)", id="sql-count-below-warn"
        ),
        pytest.param(
            count(warn=">= 2", crit=">= 100"),
            rows(2),
            WARN,
            "row count 2 >= 2",
            id="sql-count-warn-boundary",
        ),
        pytest.param(
            count(warn=">= 2", crit=">= 100"),
            rows(3),
            WARN,
            "row count 3 >= 2",
            id="sql-count-warn",
        ),
        pytest.param(
            count(warn=">= 2", crit=">= 100"),
            rows(100),
            CRIT,
            "row count 100 >= 100",
            id="sql-count-crit-beats-warn",
        ),
        # scalars, inclusive limits (the old table's boundaries)
        pytest.param(LIMIT, scalar(10), OK, "10", id="sql-scalar-ok"),
        pytest.param(LIMIT, scalar(49), OK, "49", id="sql-scalar-below-warn"),
        pytest.param(LIMIT, scalar(Decimal("12.50")), OK, "12.5", id="sql-scalar-decimal"),
        pytest.param(LIMIT, scalar("42"), OK, "42", id="sql-scalar-numeric-text"),
        pytest.param(LIMIT, scalar(70), WARN, "value 70 >= 50", id="sql-scalar-warn"),
        pytest.param(LIMIT, scalar(50), WARN, "value 50 >= 50", id="sql-scalar-warn-boundary"),
        pytest.param(
            LIMIT, scalar(Decimal("99.99")), WARN, "value 99.99 >= 50", id="sql-scalar-below-crit"
        ),
        pytest.param(LIMIT, scalar(120), CRIT, "value 120 >= 100", id="sql-scalar-crit"),
        pytest.param(LIMIT, scalar(100), CRIT, "value 100 >= 100", id="sql-scalar-crit-boundary"),
        # scalars, strictly above: the limit itself is OK, a hair above it is not
        pytest.param(STRICT, scalar(50), OK, "50", id="sql-strict-limit-is-ok"),
        pytest.param(
            STRICT,
            scalar(Decimal("50.01")),
            WARN,
            "value 50.01 > 50",
            id="sql-strict-just-above-warns",
        ),
        pytest.param(STRICT, scalar(100), CRIT, "value 100 >= 100", id="sql-strict-crit"),
        # WARN only: no value is CRIT
        pytest.param(WARN_ONLY, scalar(100), OK, "100", id="sql-warn-only-limit-is-ok"),
        pytest.param(WARN_ONLY, scalar(101), WARN, "value 101 > 100", id="sql-warn-only-warns"),
        pytest.param(
            WARN_ONLY, scalar(10**9), WARN, "value 1000000000 > 100", id="sql-warn-only-never-crit"
        ),
        # what is not a number
        pytest.param(LIMIT, scalar("n/a"), CRIT, "not a number", id="sql-scalar-not-numeric"),
        pytest.param(LIMIT, scalar("n/a"), CRIT, "'n/a'", id="sql-scalar-not-numeric-actual"),
        pytest.param(LIMIT, scalar(None), CRIT, "None", id="sql-scalar-null"),
        pytest.param(LIMIT, scalar(True), CRIT, "not a number", id="sql-scalar-bool"),
        pytest.param(LIMIT, scalar("NaN"), CRIT, "not a number", id="sql-scalar-nan"),
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
    assert sql.evaluate(sql_case(count(crit="< 1")), rows(3)).details == ()


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
    result = sql.evaluate(sql_case(count(crit="< 2000")), rows(1000, truncated=True))
    assert result.verdict is UNKNOWN
    assert "more than 1000 rows" in result.actual


@pytest.mark.parametrize(
    ("expect", "text"),
    [
        pytest.param(NO_ROWS, "the query returns no rows", id="no-rows"),
        pytest.param(count(crit="<= 0"), "row count: CRIT if <= 0", id="crit-only"),
        pytest.param(WARN_ONLY, "value: WARN if > 100", id="warn-only"),
        pytest.param(STRICT, "value: OK unless > 50 (WARN) / >= 100 (CRIT)", id="both"),
    ],
)
def test_sql_expected_names_the_bad_states(expect: dict[str, Any], text: str) -> None:
    assert sql.expected(sql_case(expect)) == text


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        pytest.param({"scalar": {}}, "give warn, crit or both", id="no-condition"),
        pytest.param(
            {"scalar": {"warn": ">= 100", "crit": ">= 50"}},
            "would be CRIT without WARN",
            id="warn-after-crit",
        ),
        pytest.param(
            {"row_count": {"crit": "<= 0"}, "scalar": {"crit": "<= 0"}},
            "give exactly one of no_rows, row_count, scalar",
            id="two-expectations",
        ),
    ],
)
def test_sql_expectations_rejected(expect: dict[str, Any], message: str) -> None:
    """The rejecting twin of the tables above (the old {op, value} spelling is rejected by key
    path in test_inventory's REJECTED table)."""
    with pytest.raises(ValidationError, match=re.escape(message)):
        sql_case(expect)


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(23, Verdict.OK), (24, Verdict.OK), (25, Verdict.CRIT)],
    ids=["23h", "24h-is-not-above", "25h"],
)
def test_a_bare_value_is_read_in_the_unit_its_condition_is_written_in(
    value: int, verdict: Verdict
) -> None:
    """`crit: "> 24 h"` without `unit:`: the query's number is hours (it was a crash, exit 3)."""
    result = sql.evaluate(sql_case({"scalar": {"crit": "> 24 h"}}), scalar(value))
    assert result.verdict is verdict, result
    assert result.actual == f"{value} h"


# equal: runbook 001 §4, 总费用 - 总还款 = 净余额 to the cent, computed against stored
EQUAL = {"equal": {"columns": ["computed", "stored"]}}


def pair(computed: Any, stored: Any, columns: tuple[str, ...] = ("computed", "stored")) -> Rows:
    return Rows(columns, ((computed, stored),), False)


@pytest.mark.parametrize(
    ("expect", "obs", "verdict", "text"),
    [
        pytest.param(
            EQUAL,
            pair(Decimal("266481.41"), Decimal("266481.41")),
            OK,
            "computed=266481.41, stored=266481.41",
            id="equal-decimals",
        ),
        # a float SUM's noise below the cent is rounded away ...
        pytest.param(EQUAL, pair(266481.41000000003, 266481.41), OK, "266481.41", id="float-noise"),
        pytest.param(EQUAL, pair("1043.45", 1043.45), OK, "1043.45", id="text-against-real"),
        pytest.param(EQUAL, pair(0, "0.00"), OK, "computed=0.00", id="zero"),
        # ... a cent is not, either way
        pytest.param(
            EQUAL,
            pair(266481.41, 266481.42),
            CRIT,
            "computed - stored = -0.01: the amounts differ",
            id="one-cent-more-stored",
        ),
        pytest.param(
            EQUAL, pair(Decimal("100.01"), Decimal("100.00")), CRIT, "= 0.01", id="one-cent-less"
        ),
        # half a cent rounds half up: 0.005 -> 0.01
        pytest.param(EQUAL, pair("10.005", "10.01"), OK, "computed=10.01", id="half-up"),
        pytest.param(
            {"equal": {"columns": ["computed", "stored"], "places": 0}},
            pair("100.4", "100"),
            OK,
            "computed=100, stored=100",
            id="whole-units",
        ),
        pytest.param(EQUAL, pair(None, 1), CRIT, "computed is not a number", id="null-computed"),
        pytest.param(EQUAL, pair(1, "n/a"), CRIT, "stored is not a number", id="text-stored"),
        pytest.param(
            EQUAL,
            pair(1, 1, ("total", "stored")),
            CRIT,
            "the query has no column 'computed'",
            id="missing-column",
        ),
        pytest.param(EQUAL, Rows(("computed", "stored"), (), False), CRIT, "no row", id="no-rows"),
    ],
)
def test_sql_equal(expect: dict[str, Any], obs: Rows, verdict: Verdict, text: str) -> None:
    assert_result(sql.evaluate(sql_case(expect), obs), verdict, text)


def test_sql_equal_expected_text() -> None:
    assert sql.expected(sql_case(EQUAL)) == "computed = stored to 2 decimal place(s)"


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        pytest.param(
            {"equal": {"columns": ["a", "a"]}}, "name two different columns", id="same-twice"
        ),
        pytest.param({"equal": {"columns": ["a"]}}, "columns", id="one-column"),
        pytest.param(
            {"equal": {"columns": ["a", "b"]}, "scalar": {"crit": "<= 0"}},
            "give exactly one of no_rows, row_count, scalar, equal",
            id="with-scalar",
        ),
        pytest.param({"equal": {"columns": ["a", "b"], "tolerance": 0.01}}, "tolerance", id="tol"),
    ],
)
def test_sql_equal_rejected(expect: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        sql_case(expect)


def test_figures_are_reported_not_judged() -> None:
    case = sql_case({"figures": True})
    cols = ("total_orders", "total_gmv")
    shown = sql.evaluate(case, Rows(cols, ((12, Decimal("3456.70")),), False))
    assert shown.verdict is Verdict.OK
    assert shown.actual == "total_orders=12, total_gmv=3456.70"
    empty = sql.evaluate(case, Rows(cols, (), False))
    assert empty.verdict is Verdict.CRIT and empty.message == "the query returned no figures"
