"""A sql check's query on whichever engine its database declares: MySQL/MariaDB and PostgreSQL
over the network, read-only sessions with a statement limit; SQLite on its host, read-only,
through the host's connection (a fact of the host's batch)."""

from __future__ import annotations

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import MysqlDatabase, PostgresDatabase, SqliteDatabase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import mysql
from xunjian.observe.host import probe_for
from xunjian.observe.rows import MAX_ROWS, Rows
from xunjian.observe.sqlite import SqliteQuery

__all__ = ["Rows", "host_fact", "query", "query_limit"]


def query_limit(case: CheckCase, db_name: str) -> float:
    """Seconds one query may take by its own limits (connect, statement, read)."""
    db = case.host.databases[db_name]
    if isinstance(db, SqliteDatabase):
        return probe_for(case).limit
    return 2 * case.timeout + db.statement_timeout


def host_fact(case: CheckCase, db_name: str, sql: str) -> SqliteQuery | None:
    """The host fact that answers this query, for a database read on its host."""
    db = case.host.databases[db_name]
    if isinstance(db, SqliteDatabase):
        return SqliteQuery(db.path, sql, MAX_ROWS, db.statement_timeout)
    return None


def query(case: CheckCase, db_name: str, sql: str) -> Rows:
    """Run one statement read-only; ObservationError when it could not be run."""
    db = case.host.databases[db_name]
    if isinstance(db, MysqlDatabase):
        return mysql.query(case, db_name, sql)
    if isinstance(db, PostgresDatabase):
        from xunjian.observe import postgresql  # psycopg is loaded only where it is used

        root = db.sslrootcert
        return postgresql.query_pg(
            db.host or case.host.address,
            db.port,
            db.user,
            SECRETS.resolve(db.password),
            db.database,
            sql,
            connect_timeout=case.timeout,
            statement_timeout=db.statement_timeout,
            sslmode=db.sslmode,
            sslrootcert=str(case.inventory.parent / root) if root else None,
            max_rows=MAX_ROWS,
        )
    fact = host_fact(case, db_name, sql)
    assert fact is not None
    return probe_for(case).get(fact)
