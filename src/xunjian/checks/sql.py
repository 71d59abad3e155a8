"""sql: a read-only query whose rows, row count or scalar must meet the runbook's standard.

The same check runs on MySQL/MariaDB, PostgreSQL and SQLite (:mod:`xunjian.observe.db`); the
row count and the scalar are judged by the one threshold type (:mod:`xunjian.threshold`);
``equal`` compares two columns of the first row as exact decimals at a fixed number of places
(runbook 001 §4: 总费用 - 总还款 = 净余额 to the cent, the computed figure against the stored one);
``figures`` judges nothing: it reads the first row's columns into the report as figures (runbook
004 Appendix B: today's orders, coupon statistics), and fails only when they cannot be read.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase, Model
from xunjian.observe import db
from xunjian.observe.db import Rows
from xunjian.observe.facts import Fact
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 30


class Equal(Model):
    """Two columns of the first row hold the same amount, compared as decimals rounded (half
    up) to ``places``: a figure computed in the query against the one the application stores."""

    columns: list[Ident] = Field(
        min_length=2,
        max_length=2,
        description="[computed, stored]: two column names of the query's first row",
    )
    places: int = Field(
        2,
        ge=0,
        le=12,
        description="decimal places compared (2: to the cent); a float sum's noise below them "
        "is rounded away, a one-cent difference is not",
    )

    @model_validator(mode="after")
    def _two(self) -> Equal:
        if self.columns[0] == self.columns[1]:
            raise ValueError(f"columns: name two different columns (got {self.columns[0]!r} twice)")
        return self


class SqlExpect(Model):
    no_rows: Literal[True] | None = None
    row_count: Threshold | None = None
    scalar: Threshold | None = None
    equal: Equal | None = None
    figures: Literal[True] | None = Field(
        None, description="report the first row's columns as figures; no judgement"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> SqlExpect:
        chosen = [k for k in EXPECTATIONS if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(EXPECTATIONS)} (got {chosen or 'none'})"
            )
        return self


EXPECTATIONS = ("no_rows", "row_count", "scalar", "equal", "figures")


class SqlCheck(CheckBase):
    kind: Literal["sql"]
    name: Ident
    db: str = Field(description="a key of the host's databases")
    query: str
    expect: SqlExpect
    show_rows: int = Field(5, ge=0, le=100)

    def databases(self) -> list[str]:
        return [self.db]

    def queries(self) -> list[tuple[str, str, str]]:
        """(database, SQL, key) of the query, for the load-time check (inventory/sqlsafety.py)."""
        return [(self.db, self.query, "query")]


SPEC = SqlCheck


def _spec(case: CheckCase) -> SqlCheck:
    return spec_of(case, SqlCheck)


def _compared(e: SqlExpect) -> tuple[str, Threshold]:
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
    if e.figures:
        return "figures for the report: the first row's columns"
    if e.equal:
        a, b = e.equal.columns
        return f"{a} = {b} to {e.equal.places} decimal place(s)"
    what, limits = _compared(e)
    return f"{what}: {threshold.describe(limits)}"


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    return db.query_limit(case, spec.db)


def facts(case: CheckCase) -> list[Fact[Any]]:
    """An SQLite database is read on its host, in the host's batch."""
    spec = _spec(case)
    fact = db.host_fact(case, spec.db, spec.query)
    return [fact] if fact else []


def targets(case: CheckCase) -> set[str]:
    return set()  # the database's address is the guard's to check, for every kind alike


def observe(case: CheckCase) -> Rows:
    spec = _spec(case)
    return db.query(case, spec.db, spec.query)


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
    if e.equal:
        return _equal(e.equal, exp, rows)
    if e.figures:
        if n == 0:
            return Result.crit(exp, "no rows", "the query returned no figures")
        return Result.ok(exp, format_rows(rows, 1)[0])
    what, limits = _compared(e)
    if e.row_count is not None:
        if rows.truncated:
            return Result.unknown(
                exp, f"more than {n} rows: count with SELECT COUNT(*) and use scalar"
            )
        value = Decimal(n)
        actual = f"{n} row(s)"
    else:
        if n == 0 or not rows.rows[0]:
            return Result.crit(exp, "no rows", "the query returned no value")
        raw = rows.rows[0][0]
        try:
            value = _number(raw)
        except ValueError:
            return Result.crit(exp, f"{raw!r}", "the query's first value is not a number")
        actual = threshold.fmt(value, limits.value_unit)
    band = threshold.judge(limits, value, limits.value_unit)
    if band.verdict is Verdict.OK:
        return Result.ok(exp, actual)
    return Result(band.verdict, exp, actual, f"{what} {band.message}", details)


def _number(raw: object) -> Decimal:
    """A column value as an exact number (DECIMAL stays exact); text, NULL and bools are not."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(raw)
    if isinstance(raw, bytes):
        raw = raw.decode(errors="replace")
    try:
        number = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise ValueError(raw) from None
    if not number.is_finite():
        raise ValueError(raw)
    return number


def _equal(e: Equal, exp: str, rows: Rows) -> Result:
    """The two columns of the first row, rounded to ``places``, must be the same number."""
    missing = [c for c in e.columns if c not in rows.columns]
    if missing:
        return Result.crit(
            exp,
            f"columns {', '.join(rows.columns) or 'none'}",
            f"the query has no column {', '.join(repr(c) for c in missing)}",
        )
    if not rows.rows:
        return Result.crit(exp, "no rows", "the query returned no row to compare")
    first = dict(zip(rows.columns, rows.rows[0], strict=False))
    step = Decimal(1).scaleb(-e.places)
    values: list[Decimal] = []
    for name in e.columns:
        try:
            values.append(_number(first[name]).quantize(step, ROUND_HALF_UP))
        except ValueError:
            return Result.crit(exp, f"{name}={cell(first[name])}", f"{name} is not a number")
    (a, b), (na, nb) = values, e.columns
    actual = f"{na}={a:f}, {nb}={b:f}"
    if a == b:
        return Result.ok(exp, actual)
    return Result.crit(exp, actual, f"{na} - {nb} = {a - b:f}: the amounts differ")
