"""privileges: what a service's MySQL/MariaDB account may do, reported in full (runbook 003 §1:
读权限足够, 限制数据库账号...到最小集合); WARN on what no such service needs: any privilege
granted globally (``ON *.*``) and the administrative ones (SUPER, FILE, GRANT OPTION, SHUTDOWN
...) at any scope. Privileges on its own schema (DataSync creates and writes its two tables)
are shown, not judged. Read by :mod:`xunjian.observe.privileges` (``SHOW GRANTS``, roles too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import AnyDatabase, CheckBase, MysqlDatabase
from xunjian.observe import db, privileges
from xunjian.observe.facts import Fact
from xunjian.observe.privileges import Finding
from xunjian.result import Result, Verdict

ORDER = 31
ADMINISTRATIVE = ("SUPER", "FILE", "GRANT OPTION", "SHUTDOWN", "CREATE USER", "RELOAD",
                  "ADMIN OPTION", "PROXY")  # fmt: skip


class PrivilegesCheck(CheckBase):
    kind: Literal["privileges"]
    name: Ident
    db: str = Field(description="a key of the host's databases (mysql): its account is judged")
    administrative: list[str] = Field(
        default_factory=lambda: list(ADMINISTRATIVE),
        description="privileges that are WARN at any scope",
    )
    on: Literal["WARN", "CRIT"] = Field("WARN", description="the verdict of a finding")

    def databases(self) -> list[str]:
        return [self.db]

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        d = databases.get(self.db)
        if d is None or isinstance(d, MysqlDatabase):
            return []
        return [f"db: database {self.db!r} is {d.engine}: privileges reads MySQL/MariaDB grants"]


SPEC = PrivilegesCheck


def _spec(case: CheckCase) -> PrivilegesCheck:
    return spec_of(case, PrivilegesCheck)


def expected(case: CheckCase) -> str:
    return "no global (ON *.*) privilege and none of " + ", ".join(_spec(case).administrative)


def budget(case: CheckCase) -> float:
    return db.query_limit(case, _spec(case).db) * 3


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> Finding:
    spec = _spec(case)
    account = next(a for a, (_, name) in privileges.accounts([case]).items() if name == spec.db)
    return privileges.check(account, case, spec.db)


def too_much(privilege: str, administrative: list[str]) -> bool:
    """``SUPER ON *.*`` or ``INSERT ON *.*`` (global) or ``FILE ...`` (administrative)."""
    head, _, scope = privilege.partition(" ON ")
    names = {p.split("(")[0].strip().upper() for p in head.split(",")}
    global_ = scope.split(" (through")[0].strip() == "*.*"
    return global_ or bool(names & {a.upper() for a in administrative})


def evaluate(case: CheckCase, obs: Finding) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.verdict is Verdict.UNKNOWN:
        return Result.unknown(exp, obs.note)
    shown = "; ".join(obs.privileges) or "read-only"
    actual = f"{obs.account.user}: {shown}"
    found = [p for p in obs.privileges if too_much(p, spec.administrative)]
    if not found:
        return Result.ok(exp, actual)
    verdict = Verdict.CRIT if spec.on == "CRIT" else Verdict.WARN
    return Result(
        verdict, exp, actual, f"more than the service needs: {'; '.join(found)}", tuple(found)
    )
