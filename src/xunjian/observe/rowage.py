"""The age of a table's oldest row by a time column, and how many rows are older than a
limit, measured by the database's own clock (the ``retention`` kind), on MySQL/MariaDB and
PostgreSQL. Identifiers are validated by the spec and quoted for the engine here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import MysqlDatabase
from xunjian.observe import db
from xunjian.result import ObservationError


@dataclass(frozen=True)
class RowAge:
    oldest: float | None  # seconds since the oldest row's time; None: the table has no row
    older: int  # rows older than the limit


def quote(identifier: str, engine: str) -> str:
    """``schema.table`` quoted part by part; the parts hold only [A-Za-z0-9_$] (the spec's
    pattern), so no quote character can be inside."""
    mark = "`" if engine == "mysql" else '"'
    return ".".join(f"{mark}{part}{mark}" for part in identifier.split("."))


def statement(engine: str, table: str, column: str, limit_seconds: int) -> str:
    t, c, n = quote(table, engine), quote(column, engine), int(limit_seconds)
    if engine == "mysql":
        return (
            f"SELECT TIMESTAMPDIFF(SECOND, MIN({c}), NOW()), "
            f"(SELECT COUNT(*) FROM {t} WHERE {c} < NOW() - INTERVAL {n} SECOND) FROM {t}"
        )
    return (
        f"SELECT EXTRACT(EPOCH FROM now() - MIN({c})), "
        f"(SELECT count(*) FROM {t} WHERE {c} < now() - make_interval(secs => {n})) FROM {t}"
    )


def row_age(case: CheckCase, name: str, table: str, column: str, limit_seconds: int) -> RowAge:
    engine = "mysql" if isinstance(case.host.databases[name], MysqlDatabase) else "postgresql"
    rows = db.query(case, name, statement(engine, table, column, limit_seconds)).rows
    if not rows:
        raise ObservationError(f"no row from the age query on {table}")
    oldest, older = rows[0][:2]
    try:
        return RowAge(float(Decimal(str(oldest))) if oldest is not None else None, int(older or 0))
    except (ArithmeticError, ValueError):
        raise ObservationError(f"{table}.{column}: ages are not numbers ({oldest!r})") from None
