"""A flow's credentials: from the environment (``${VAR}``), or read from a table, as the
runbook does by hand (sys_user), through the read-only database engines.

A password read from a table is a secret from the moment it is read; one that looks like a
stored hash is refused, never sent: a hash cannot log in, and sending it would leak it.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from xunjian.checks.flowspec import Credentials, SqlSource
from xunjian.inventory.case import CheckCase
from xunjian.inventory.secrets import SECRETS, MissingSecret, unusable
from xunjian.inventory.sqlsafety import DIALECTS
from xunjian.inventory.urls import ENV_REF
from xunjian.observe import db, hashlike
from xunjian.result import ObservationError

WHERE = "credentials.from_sql"


def credentials(case: CheckCase, creds: Credentials) -> dict[str, str]:
    """``{"credentials.username": ..., "credentials.password": ...}``; ObservationError says
    why they cannot be had (a missing column, a hash, a query that could not run)."""
    username = _text(creds.username) if creds.username else None
    if creds.password is not None:
        assert username is not None  # the spec requires it beside a password
        return _pair(username, SECRETS.resolve(creds.password))
    assert creds.from_sql is not None  # the spec requires one of the two
    row = _row(case, creds.from_sql)
    if "password" not in row:
        raise ObservationError(f"{WHERE}: the query gave no password column ({', '.join(row)})")
    if row["password"] is None:
        raise ObservationError(f"{WHERE}: the password is NULL")
    password = hashlike.plain(_cell(row["password"]))
    try:
        SECRETS.remember(password, f"{WHERE}: the password")
    except MissingSecret as e:
        raise ObservationError(str(e)) from None
    if kind := hashlike.hash_kind(password):
        column = f"{_table(case, creds.from_sql)}.password"
        raise ObservationError(
            f"{column} looks like {kind}: it cannot log in; give the password in ${{VAR}} "
            '(credentials: {username: ..., password: "${VAR}"})'
        )
    if username is None:
        if "username" not in row:
            raise ObservationError(
                f"{WHERE}: the query gave no username column ({', '.join(row)}): "
                "select it, or give credentials.username"
            )
        username = _cell(row["username"])
        if not unusable(username):  # read at run time: kept out of reports where it can be
            SECRETS.remember(username, f"{WHERE}: the username")
    return _pair(username, password)


def _pair(username: str, password: str) -> dict[str, str]:
    return {"credentials.username": username, "credentials.password": password}


def _text(value: str) -> str:
    return SECRETS.resolve(value) if ENV_REF.match(value) else value


def _row(case: CheckCase, src: SqlSource) -> dict[str, object]:
    rows = db.query(case, src.db, src.query)
    if len(rows.rows) != 1:
        count = f"{len(rows.rows)}{'+' if rows.truncated else ''}"
        raise ObservationError(
            f"{WHERE}: the query gave {count} rows, not one: pick the user (WHERE username = '...')"
        )
    return {c.lower(): v for c, v in zip(rows.columns, rows.rows[0], strict=False)}


def _cell(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _table(case: CheckCase, src: SqlSource) -> str:
    """The table the query reads (``sys_user``), for the message; the query's text otherwise."""
    dialect = DIALECTS.get(case.host.databases[src.db].engine)
    try:
        table = sqlglot.parse_one(src.query, read=dialect).find(exp.Table)
    except SqlglotError:
        table = None
    return table.name if table is not None else "the query's"
