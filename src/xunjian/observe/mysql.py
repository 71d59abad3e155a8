"""MySQL/MariaDB queries in a read-only session with a statement time limit.

Connecting (TCP, greeting, login, session settings) has the check's timeout in all, the query
its statement limit plus that timeout: a server that stops answering, or trickles bytes, is cut
off there, and the endpoint is remembered for the run (:mod:`xunjian.observe.endpoints`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import pymysql

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import MysqlDatabase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import endpoints
from xunjian.observe.rows import MAX_ROWS, Rows
from xunjian.result import ObservationError

__all__ = ["MAX_ROWS", "Rows", "query", "query_limit", "reset"]

T = TypeVar("T")
Discard = Callable[[T], None]

_CONNECTIONS: dict[tuple[str, str], pymysql.connections.Connection[Any]] = {}
# One statement at a time per connection: a query given up at its deadline may still be
# reading from its connection in an abandoned thread, and the next query must not share that
# connection. Other hosts' databases are not held up by it.
_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def _connect(
    db: MysqlDatabase, address: str, timeout: float
) -> pymysql.connections.Connection[Any]:
    conn = pymysql.connect(
        host=db.host or address,
        port=db.port,
        user=db.user,
        password=SECRETS.resolve(db.password),
        database=db.database,
        connect_timeout=timeout,
        read_timeout=db.statement_timeout + timeout,
        write_timeout=timeout,
        charset="utf8mb4",
        autocommit=False,
    )
    with conn.cursor() as cur:
        # MariaDB counts seconds, MySQL milliseconds; each ignores the other's variable name.
        if "mariadb" in conn.get_server_info().lower():
            cur.execute("SET SESSION max_statement_time = %s", (db.statement_timeout,))
        else:
            cur.execute("SET SESSION MAX_EXECUTION_TIME = %s", (int(db.statement_timeout * 1000),))
        cur.execute("SET SESSION TRANSACTION READ ONLY")
    return conn


def query_limit(case: CheckCase, db_name: str) -> float:
    """Seconds one query may take by its own limits: connect, then the statement and its read."""
    return 2 * case.timeout + case.host.databases[db_name].statement_timeout


def _database(case: CheckCase, db_name: str) -> MysqlDatabase:
    db = case.host.databases[db_name]
    if not isinstance(db, MysqlDatabase):
        raise TypeError(f"{case.id}: database {db_name!r} is {db.engine}, not mysql")
    return db


def query(case: CheckCase, db_name: str, sql: str) -> Rows:
    """Run one statement read-only; connection problems, and a statement that returns no
    result set (``DO 1``, ``SET @x = 1``: nothing was looked at), become ObservationError."""
    db = _database(case, db_name)
    address = db.host or case.host.address
    where = f"mysql {db.user}@{address}:{db.port}/{db.database}"
    key = (case.host_key, db_name)

    def bounded(seconds: float, stage: str, work: Callable[[], T], discard: Discard[T]) -> T:
        said = f"{where}: no answer within {seconds:g} s ({stage})"
        try:
            return endpoints.within(address, db.port, seconds, said, work, discard)
        except pymysql.err.OperationalError as e:  # pymysql's own socket timeout came first
            if "timed out" not in _msg(e):
                raise
            raise endpoints.remember(address, db.port, said) from None

    endpoints.check(address, db.port)
    try:
        with _LOCKS.setdefault(key, threading.Lock()):
            endpoints.check(address, db.port)  # another thread may have waited in vain
            conn = _CONNECTIONS.get(key)
            if conn is None or not conn.open:
                connect = partial(_connect, db, address, case.timeout)
                conn = _CONNECTIONS[key] = bounded(case.timeout, "connect", connect, _close)
            try:
                limit = db.statement_timeout + case.timeout
                run = partial(_run, conn, sql)
                description, rows = bounded(limit, "query", run, lambda _: _close(conn))
            except endpoints.Silent:
                _CONNECTIONS.pop(key, None)  # still in the hands of the query given up on
                raise
    except pymysql.err.ProgrammingError as e:
        raise ObservationError(f"query rejected by {db.database}: {e.args[-1]}") from None
    except pymysql.MySQLError as e:
        _CONNECTIONS.pop(key, None)
        raise ObservationError(f"{where}: {_msg(e)}") from None
    if description is None:
        statement = " ".join(sql.split())
        raise ObservationError(f"the query returned no result set: {statement[:80]!r}")
    columns = tuple(str(d[0]) for d in description)
    return Rows(columns, tuple(tuple(r) for r in rows[:MAX_ROWS]), len(rows) > MAX_ROWS)


Description = tuple[tuple[Any, ...], ...] | None


def _run(
    conn: pymysql.connections.Connection[Any], sql: str
) -> tuple[Description, tuple[tuple[Any, ...], ...]]:
    with conn.cursor() as cur:
        cur.execute("START TRANSACTION READ ONLY")
        cur.execute(sql)
        description = cur.description
        rows = tuple(cur.fetchmany(MAX_ROWS + 1)) if description is not None else ()
        conn.rollback()
    return description, rows


def _close(conn: pymysql.connections.Connection[Any]) -> None:
    """Close a connection that a connect or a query given up on left behind."""
    try:
        conn.close()
    except pymysql.MySQLError:
        pass


def _msg(e: Exception) -> str:
    return str(e.args[-1]) if e.args else type(e).__name__


def reset() -> None:
    """Close every connection (end of a session)."""
    for conn in _CONNECTIONS.values():
        try:
            conn.close()
        except pymysql.MySQLError:
            pass
    _CONNECTIONS.clear()
