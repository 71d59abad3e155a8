"""Database health figures for the ``dbhealth`` kind, on MySQL/MariaDB and PostgreSQL alike,
read with fixed read-only statements through :mod:`xunjian.observe.db` (the same read-only
sessions and limits as a ``sql`` check's).

- connections: MySQL ``Threads_connected`` / ``max_connections``; PostgreSQL the sum of
  ``pg_stat_database.numbackends`` / ``max_connections``.
- size: MySQL data + index length of the database's tables (information_schema.TABLES);
  PostgreSQL ``pg_database_size(current_database())``.
- slow queries: a counter that only grows while the server runs, with the server's uptime.
  MySQL/MariaDB: ``Slow_queries`` (statements slower than the server's ``long_query_time``,
  counted whether or not the slow log is on). PostgreSQL has no such counter: the calls of the
  statements in ``pg_stat_statements`` whose mean time exceeds ``slower_than`` (the extension
  must be loaded; without it the figure cannot be observed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import MysqlDatabase, PostgresDatabase
from xunjian.observe import db
from xunjian.result import ObservationError

MYSQL_STATUS = (
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Slow_queries', 'Uptime', 'Threads_connected')"
)
MYSQL_MAX = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('max_connections', 'long_query_time')"
MYSQL_SIZE = (
    "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES "
    "WHERE table_schema = DATABASE()"
)
PG_CONNECTIONS = (
    "SELECT (SELECT COALESCE(SUM(numbackends), 0) FROM pg_stat_database), "
    "current_setting('max_connections')::int"
)
PG_SIZE = "SELECT pg_database_size(current_database())"
PG_HAS_STATEMENTS = "SELECT to_regclass('pg_stat_statements') IS NOT NULL"
PG_SLOW = (
    "SELECT COALESCE(SUM(calls), 0), EXTRACT(EPOCH FROM now() - pg_postmaster_start_time()) "
    "FROM pg_stat_statements WHERE mean_exec_time > {ms:d}"
)


@dataclass(frozen=True)
class Connections:
    used: int
    limit: int


@dataclass(frozen=True)
class SlowCounter:
    """A server's slow-statement counter and its uptime, both in the server's own terms."""

    count: int
    uptime: float  # seconds since the server started
    meaning: str  # what is counted: "Slow_queries (long_query_time 10 s)" ...


def _engine(case: CheckCase, name: str) -> str:
    database = case.host.databases[name]
    if isinstance(database, MysqlDatabase | PostgresDatabase):
        return database.engine
    raise TypeError(f"{case.id}: dbhealth reads mysql or postgresql, not {database.engine}")


def _pairs(case: CheckCase, name: str, sql: str) -> dict[str, str]:
    rows = db.query(case, name, sql).rows
    return {str(_text(r[0])).lower(): str(_text(r[1])) for r in rows}


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _int(value: Any, what: str) -> int:
    try:
        return int(Decimal(str(_text(value))))
    except (ArithmeticError, ValueError):
        raise ObservationError(f"{what}: the server answered {value!r}, not a number") from None


def _first(case: CheckCase, name: str, sql: str) -> tuple[Any, ...]:
    rows = db.query(case, name, sql).rows
    if not rows:
        raise ObservationError(f"no row from {sql[:60]!r}")
    return rows[0]


def connections(case: CheckCase, name: str) -> Connections:
    if _engine(case, name) == "mysql":
        status, limits = _pairs(case, name, MYSQL_STATUS), _pairs(case, name, MYSQL_MAX)
        return Connections(
            _int(status.get("threads_connected"), "Threads_connected"),
            _int(limits.get("max_connections"), "max_connections"),
        )
    used, limit = _first(case, name, PG_CONNECTIONS)[:2]
    return Connections(_int(used, "numbackends"), _int(limit, "max_connections"))


def size(case: CheckCase, name: str) -> int:
    sql = MYSQL_SIZE if _engine(case, name) == "mysql" else PG_SIZE
    return _int(_first(case, name, sql)[0], "database size")


def slow_counter(case: CheckCase, name: str, slower_than_ms: int) -> SlowCounter:
    if _engine(case, name) == "mysql":
        status, limits = _pairs(case, name, MYSQL_STATUS), _pairs(case, name, MYSQL_MAX)
        long = limits.get("long_query_time", "?")
        return SlowCounter(
            _int(status.get("slow_queries"), "Slow_queries"),
            float(_int(status.get("uptime"), "Uptime")),
            f"Slow_queries (long_query_time {Decimal(long).normalize():f} s)"
            if long != "?"
            else "Slow_queries",
        )
    (present,) = _first(case, name, PG_HAS_STATEMENTS)[:1]
    if not present:
        raise ObservationError(
            "pg_stat_statements is not installed in this database: add it to "
            "shared_preload_libraries and CREATE EXTENSION pg_stat_statements"
        )
    count, uptime = _first(case, name, PG_SLOW.format(ms=slower_than_ms))[:2]
    return SlowCounter(
        _int(count, "pg_stat_statements calls"),
        float(uptime),
        f"calls of statements averaging > {slower_than_ms} ms (pg_stat_statements)",
    )
