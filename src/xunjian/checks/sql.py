"""sql: a read-only query whose rows, row count or scalar must meet the runbook's standard."""

from __future__ import annotations

import operator
from collections.abc import Callable

from xunjian.checks.spec import spec_of
from xunjian.inventory import CheckCase
from xunjian.inventory.schema import Comparison, SqlCheck, SqlExpect
from xunjian.observe.mysql import Rows, query, query_limit
from xunjian.result import Result

OPS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _spec(case: CheckCase) -> SqlCheck:
    return spec_of(case, SqlCheck)


def _cmp(c: Comparison) -> str:
    return f"{c.op} {c.value:g}"


def _compared(e: SqlExpect) -> tuple[str, Comparison]:
    """What a row_count or scalar expectation compares, and with what."""
    if e.row_count is not None:
        return "row count", e.row_count
    if e.scalar is not None:
        return "value", e.scalar
    raise TypeError(f"a sql expectation without no_rows needs row_count or scalar: {e!r}")


def expected(case: CheckCase) -> str:
    e = _spec(case).expect
    if e.no_rows:
        return "the query returns no rows"
    what, cmp = _compared(e)
    text = f"{what} {_cmp(cmp)}"
    return text + (f" (WARN unless {_cmp(e.warn)})" if e.warn else "")


def budget(case: CheckCase) -> float:
    return query_limit(case, _spec(case).db)


def observe(case: CheckCase) -> Rows:
    spec = _spec(case)
    return query(case, spec.db, spec.query)


def cell(value: object) -> str:
    """A value as Navicat would show it: NULL, 2026-11-24 00:36:48, text, 1."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return value.hex() if not value.isascii() else value.decode()
    return str(value)


def format_rows(rows: Rows, limit: int) -> tuple[str, ...]:
    shown = tuple(
        ", ".join(f"{c}={cell(v)}" for c, v in zip(rows.columns, r, strict=False))
        for r in rows.rows[:limit]
    )
    more = len(rows.rows) - len(shown)
    return shown + (
        (f"... and {more}{'+' if rows.truncated else ''} more row(s)",) if more > 0 else ()
    )


def evaluate(case: CheckCase, rows: Rows) -> Result:
    spec = _spec(case)
    e = spec.expect
    exp = expected(case)
    n = len(rows.rows)
    details = format_rows(rows, spec.show_rows)
    if e.no_rows:
        if n == 0:
            return Result.ok(exp, "no rows")
        return Result.crit(
            exp, f"{n}{'+' if rows.truncated else ''} row(s)", f"{n} violating row(s)", details
        )
    _, cmp = _compared(e)
    if e.row_count is not None:
        if rows.truncated:
            return Result.unknown(
                exp, f"more than {n} rows: count with SELECT COUNT(*) and use scalar"
            )
        value: float = n
        actual = f"{n} row(s)"
    else:
        if n == 0 or not rows.rows[0]:
            return Result.crit(exp, "no rows", "the query returned no value")
        raw = rows.rows[0][0]
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return Result.crit(exp, f"{raw!r}", "the query's first value is not a number")
        actual = f"{value:g}"
    if not OPS[cmp.op](value, cmp.value):
        return Result.crit(exp, actual, f"{actual} is not {_cmp(cmp)}", details)
    if e.warn and not OPS[e.warn.op](value, e.warn.value):
        return Result.warn(exp, actual, f"{actual} is not {_cmp(e.warn)}", details)
    return Result.ok(exp, actual)
