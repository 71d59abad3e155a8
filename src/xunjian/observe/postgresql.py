"""PostgreSQL queries in a read-only session with a statement time limit.

Three walls keep a check from writing, whatever role it logs in as: the session starts with
``default_transaction_read_only=on``, each statement runs in a ``READ ONLY`` transaction that is
rolled back, and it is sent with the extended protocol (pipeline mode), which takes exactly one
statement, so ``COMMIT; SET ...; UPDATE ...`` cannot step out of the transaction.

Connecting has ``connect_timeout`` in all and a statement ``statement_timeout`` plus that: a
server that stops answering (psycopg waits on its socket without a limit) is cut off there, and
the endpoint is remembered for the run (:mod:`xunjian.observe.endpoints`).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg

from xunjian.observe import endpoints
from xunjian.observe.rows import Rows
from xunjian.result import ObservationError

__all__ = ["Rows", "query_pg", "reset"]

Key = tuple[str, int, str, str]  # host, port, user, database


@dataclass
class _Session:
    conn: psycopg.Connection[tuple[Any, ...]]
    settings: tuple[object, ...]  # what the connection was made with; another value reconnects


_SESSIONS: dict[Key, _Session] = {}
# One statement at a time per connection (see observe/mysql.py): a query given up at its
# deadline may still hold its connection in an abandoned thread.
_LOCKS: dict[Key, threading.Lock] = {}

_PREFIX = re.compile(
    r'(connection failed: )?connection to server at "[^"]*"( \([^)]*\))?, port \d+ failed: '
)


def query_pg(
    host: str,
    port: int,
    user: str,
    password: str,
    database: str,
    sql: str,
    *,
    connect_timeout: float,
    statement_timeout: float,
    sslmode: str = "prefer",
    sslrootcert: str | None = None,
    max_rows: int = 1000,
) -> Rows:
    """Run one statement read-only and return at most ``max_rows`` rows.

    Connection problems (refused, TLS, login, lost), a statement the server rejects (syntax,
    permission, a write) or cancels at ``statement_timeout`` seconds, and a statement that
    returns no result set all become ObservationError; the password never appears in them.
    """
    key: Key = (host, port, user, database)
    where = f"postgresql {user}@{host}:{port}/{database}"
    digest = hashlib.sha256(password.encode()).hexdigest()
    settings = (sslmode, sslrootcert, connect_timeout, statement_timeout, digest)
    endpoints.check(host, port)
    with _LOCKS.setdefault(key, threading.Lock()):
        endpoints.check(host, port)  # another thread may have waited in vain
        for attempt in (1, 2):
            session = _SESSIONS.get(key)
            kept = session is not None and session.settings == settings and not session.conn.closed
            if session is None or not kept:
                _close(key)
                connect = partial(
                    psycopg.connect,
                    host=host,
                    port=port,
                    user=user,
                    password=password,
                    dbname=database,
                    sslmode=sslmode,
                    connect_timeout=max(1, math.ceil(connect_timeout)),
                    application_name="xunjian",
                    options="-c default_transaction_read_only=on -c statement_timeout="
                    + str(max(1, round(statement_timeout * 1000))),
                    sslrootcert=sslrootcert,  # None: left out of the conninfo
                )
                said = f"{where}: no answer within {connect_timeout:g} s (connect)"
                try:
                    conn = endpoints.within(
                        host, port, connect_timeout, said, connect, _quietly_close
                    )
                except psycopg.Error as e:
                    raise ObservationError(f"{where}: {_reason(e, password)}") from None
                conn.read_only = True  # every transaction starts with BEGIN READ ONLY
                session = _SESSIONS[key] = _Session(conn, settings)
            limit = statement_timeout + connect_timeout
            said = f"{where}: no answer within {limit:g} s (query)"
            running = session.conn
            try:
                rows: Rows = endpoints.within(
                    host,
                    port,
                    limit,
                    said,
                    partial(_run, running, sql, max_rows),
                    partial(_discard, running),
                )
                return rows
            except endpoints.Silent:
                _SESSIONS.pop(key, None)  # still in the hands of the query given up on
                raise
            except psycopg.Error as e:
                if not _lost(e, session.conn):
                    _rollback(key)
                    raise _rejected(e, where, database, statement_timeout) from None
                _close(key)
                if not kept or attempt == 2:  # a kept connection may have died idle: once more
                    raise ObservationError(f"{where}: {_reason(e, password)}") from None
    raise AssertionError("unreachable")


def _run(conn: psycopg.Connection[Any], sql: str, max_rows: int) -> Rows:
    with conn.pipeline() as pipeline, conn.cursor() as cur:
        cur.execute(sql)
        pipeline.sync()
        description = cur.description
        rows = cur.fetchmany(max_rows + 1) if description is not None else []
    conn.rollback()
    if description is None:
        statement = " ".join(sql.split())
        raise ObservationError(f"the query returned no result set: {statement[:80]!r}")
    columns = tuple(d.name for d in description)
    return Rows(columns, tuple(tuple(r) for r in rows[:max_rows]), len(rows) > max_rows)


def _lost(e: psycopg.Error, conn: psycopg.Connection[Any]) -> bool:
    """True if ``e`` is about the connection (gone, shut down), not about the statement."""
    state = e.sqlstate or ""
    if state.startswith(("08", "57P")) or conn.broken or conn.closed:
        return True
    return isinstance(e, psycopg.OperationalError | psycopg.InterfaceError) and not state


def _rejected(e: psycopg.Error, where: str, database: str, timeout: float) -> ObservationError:
    message = e.diag.message_primary or str(e).splitlines()[0]
    if isinstance(e, psycopg.errors.QueryCanceled) and "timeout" in message:
        return ObservationError(f"{where}: the query ran past statement_timeout ({timeout:g} s)")
    if "multiple commands" in message:
        message = f"one statement per query ({message})"
    return ObservationError(f"query rejected by {database}: {message}")


def _reason(e: psycopg.Error, password: str) -> str:
    """libpq's words without the endpoint it repeats per attempt, and never the password."""
    lines = [_PREFIX.sub("", ln).strip() for ln in str(e).splitlines() if ln.strip()]
    text = "; ".join(dict.fromkeys(" ".join(ln.split()) for ln in lines)) or type(e).__name__
    return text.replace(password, "***") if password else text


def _rollback(key: Key) -> None:
    session = _SESSIONS.get(key)
    if session is not None:
        try:
            session.conn.rollback()
        except psycopg.Error:
            _close(key)


def _discard(conn: psycopg.Connection[Any], _answer: object) -> None:
    _quietly_close(conn)


def _quietly_close(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.close()
    except psycopg.Error:
        pass


def _close(key: Key) -> None:
    session = _SESSIONS.pop(key, None)
    if session is not None:
        try:
            session.conn.close()
        except psycopg.Error:
            pass


def reset() -> None:
    """Close every connection (end of a session)."""
    for key in list(_SESSIONS):
        _close(key)
