"""privileges: a service account's grants reported in full; WARN on global and administrative
privileges (runbook 003 §1), its own schema's privileges shown, not judged (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from test_eval_sql import DBS

from xunjian.checks import privileges
from xunjian.observe.privileges import Account, Finding
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN
SPEC: dict[str, Any] = {"kind": "privileges", "name": "acct", "db": "thqh"}
ACCOUNT = Account("mysql", "127.0.13.1", 3306, "datasync", "datasync")


@pytest.mark.parametrize(
    ("found", "verdict", "text"),
    [
        ((), OK, "datasync: read-only"),
        (("ALL PRIVILEGES ON `datasync`.*",), OK, "ALL PRIVILEGES ON `datasync`.*"),
        (
            ("ALL PRIVILEGES ON `datasync`.*", "FILE ON *.*"),
            WARN,
            "more than the service needs: FILE ON *.*",
        ),
        (("INSERT ON *.*",), WARN, "INSERT ON *.*"),
        (("GRANT OPTION ON `datasync`.*",), WARN, "GRANT OPTION ON `datasync`.*"),
        (
            ("SUPER, SHUTDOWN ON *.* (through role admin)",),
            WARN,
            "SUPER, SHUTDOWN ON *.* (through role admin)",
        ),
    ],
)
def test_privileges(found: tuple[str, ...], verdict: Verdict, text: str) -> None:
    obs = Finding(ACCOUNT, WARN if found else OK, found)
    assert_result(privileges.evaluate(make_case(SPEC, databases=DBS), obs), verdict, text)


def test_an_account_that_could_not_be_asked_is_unknown() -> None:
    obs = Finding(ACCOUNT, UNKNOWN, note="Access denied")
    assert privileges.evaluate(make_case(SPEC, databases=DBS), obs).verdict is UNKNOWN


def test_crit_when_asked() -> None:
    obs = Finding(ACCOUNT, WARN, ("SUPER ON *.*",))
    assert privileges.evaluate(make_case(SPEC | {"on": "CRIT"}, databases=DBS), obs).verdict is CRIT
