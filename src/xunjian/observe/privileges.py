"""The third wall: what each database account of the selected checks may do beyond reading.

A check needs SELECT and nothing more (runbook 003 §1: 读权限足够). The first wall refuses
every query that is not one read statement (:mod:`xunjian.inventory.sqlsafety`), the second runs
it in a read-only session (:mod:`xunjian.observe.db`); an account that could still write,
administer the server or reach its files is reported here as WARN, naming the privileges, so
that it can be replaced by a SELECT-only one. Nothing is ever changed.

- MySQL/MariaDB: ``SHOW GRANTS FOR CURRENT_USER()`` and the grants of each role it holds, read
  by :mod:`xunjian.observe.grants` (which says what counts as read-only).
- PostgreSQL: the role's attributes (SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS),
  membership of the predefined roles that write or reach the server, CREATE on the database or
  a schema, ownership of the database, a schema, a table or a sequence, INSERT / UPDATE / DELETE
  / TRUNCATE / REFERENCES / TRIGGER on any table (column grants included) and USAGE / UPDATE on
  any sequence (nextval). Not counted: TEMPORARY and EXECUTE, granted to PUBLIC by default.
- SQLite: no account; the file is opened read-only on its host (``mode=ro``, ``query_only``).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import SqliteDatabase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import db, deadline, grants
from xunjian.observe.pgprivileges import postgresql_privileges
from xunjian.result import ObservationError, Verdict

SQLITE_NOTE = "not applicable: the file is opened read-only on its host (mode=ro, query_only)"


@dataclass(frozen=True, order=True)
class Account:
    """One login: engine, host, port, user, database (for SQLite: the file on its host)."""

    engine: str
    host: str
    port: int
    user: str
    database: str

    def __str__(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite {self.database} on {self.host}"
        return f"{self.engine} {self.user}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class Finding:
    account: Account
    verdict: Verdict  # OK, WARN, or UNKNOWN (not reached)
    privileges: tuple[str, ...] = ()
    note: str = ""

    def line(self) -> str:
        if self.verdict is Verdict.WARN:
            said = f"can do more than read: {'; '.join(self.privileges)}"
        elif self.verdict is Verdict.OK:
            said = self.note or "read-only"
        else:
            said = f"could not be checked: {self.note}"
        return SECRETS.redact(f"{self.verdict.value} {self.account}: {said}")


def accounts(cases: Iterable[CheckCase]) -> dict[Account, tuple[CheckCase, str]]:
    """Each distinct account the cases' queries log in as, with a case and database that use it."""
    found: dict[Account, tuple[CheckCase, str]] = {}
    for case in cases:
        for name in case.spec.databases():
            d = case.host.databases.get(name)
            if d is None:
                continue
            if isinstance(d, SqliteDatabase):
                account = Account("sqlite", case.host.address, 0, "", d.path)
            else:
                account = Account(d.engine, d.host or case.host.address, d.port, d.user, d.database)
            found.setdefault(account, (case, name))
    return found


def preflight(cases: Iterable[CheckCase]) -> list[Finding]:
    """One finding per account, checked in parallel, each within its own deadline."""
    found = sorted(accounts(cases).items())
    if not found:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(found)), thread_name_prefix="xunjian-pf") as ex:
        return list(ex.map(lambda item: check(item[0], *item[1]), found))


def check(account: Account, case: CheckCase, db_name: str) -> Finding:
    """What this account may do beyond reading; UNKNOWN if it could not be asked."""
    if account.engine == "sqlite":
        return Finding(account, Verdict.OK, note=SQLITE_NOTE)
    ask = _mysql if account.engine == "mysql" else postgresql_privileges
    limit = db.query_limit(case, db_name) + deadline.GRACE
    try:
        beyond = deadline.call_within(limit, lambda: ask(case, db_name))
    except ObservationError as e:
        return Finding(account, Verdict.UNKNOWN, note=str(e).removeprefix(f"{account}: "))
    if beyond:
        return Finding(account, Verdict.WARN, tuple(beyond))
    return Finding(account, Verdict.OK)


def _mysql(case: CheckCase, db_name: str) -> list[str]:
    """The account's grants, and those of the roles it holds (roles of roles too)."""
    own = grants.read(_lines(db.query(case, db_name, "SHOW GRANTS FOR CURRENT_USER()")))
    beyond, todo, done = list(own.beyond), list(own.roles), set[str]()
    while todo and len(done) < 20:
        role = todo.pop(0)
        if role in done:
            continue
        done.add(role)
        try:
            held = _role_grants(case, db_name, role)
        except ObservationError as e:
            said = str(e).split(": ", 1)[-1]
            beyond.append(f"role {role}, whose grants could not be read ({said})")
            continue
        beyond += [f"{b} (through role {role})" for b in held.beyond if b not in own.beyond]
        todo += held.roles
    return beyond


def _role_grants(case: CheckCase, db_name: str, role: str) -> grants.Grants:
    """A role's grants: MySQL 8 shows them to its holder with USING, MariaDB with FOR (which
    MySQL allows only with SELECT on ``mysql``). The name is as the server quoted it."""
    try:
        sql = f"SHOW GRANTS FOR CURRENT_USER() USING {role}"
        return grants.read(_lines(db.query(case, db_name, sql)))
    except ObservationError:
        return grants.read(_lines(db.query(case, db_name, f"SHOW GRANTS FOR {role}")))


def _lines(rows: db.Rows) -> list[str]:
    return [str(r[0]) for r in rows.rows if r]
