"""flow: credentials from the environment or read from sys_user, as the runbook does by hand;
a stored hash is refused with a clear message and never sent (accept and reject tables)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cases import make_case
from test_eval_flow import DBS, FLOW

from xunjian.checks.flowspec import FlowCheck
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import db, flowcreds, hashlike
from xunjian.observe.rows import Rows
from xunjian.result import ObservationError

FROM_SQL = {"db": "ewc", "query": "SELECT username, password FROM sys_user WHERE id = 1"}
BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (BCRYPT, "a bcrypt hash"),
        ("$2b$12$" + "x" * 53, "a bcrypt hash"),
        ("{bcrypt}" + BCRYPT, "a bcrypt hash"),
        (
            "{pbkdf2}5d923b44a6d129f3ddf3e3c8d29412723dcbde72445e8ef6bf3b508fbf17fa4ed4d6b99ca763d8dc",
            "a {pbkdf2}-encoded hash",
        ),
        ("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "an Argon2 hash"),
        ("pbkdf2_sha256$600000$salt$hash=", "a PBKDF2 hash"),
        ("$6$rounds=5000$salt$hash", "a SHA-512-crypt hash"),
        ("e10adc3949ba59abbe56e057f20f883e", "an MD5 hex digest"),
        ("7C4A8D09CA3762AF61E59520943DC26494F8941B", "a SHA-1 hex digest"),
        (
            "8d969eef6ecaf1d5e1d6c0d1e8a5f4f5b4a0e0f1c2d3e4f5a6b7c8d9e0f1a2b3",
            "a SHA-256 hex digest",
        ),
    ],
)
def test_a_stored_hash_is_recognised(value: str, kind: str) -> None:
    assert hashlike.hash_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "Lab-ewc-admin-pass",
        "correct horse battery staple",
        "e10adc3949ba59abbe56e057f20f883",  # 31 hex digits: no digest has that length
        "g10adc3949ba59abbe56e057f20f883e",  # 32 characters, not all hex
        "price$2a$",  # the prefix elsewhere than at the start
        "{noop}plain-password",  # Spring's plain-text marker
    ],
)
def test_a_password_is_not_taken_for_a_hash(value: str) -> None:
    assert hashlike.hash_kind(value) is None


def test_spring_noop_marks_a_plain_password() -> None:
    assert hashlike.plain("{noop}plain-password") == "plain-password"
    assert hashlike.plain("plain-password") == "plain-password"


def from_sql_case(**creds: Any) -> Any:
    check = copy.deepcopy(FLOW) | {"credentials": {"from_sql": FROM_SQL, **creds}}
    case = make_case(check, databases=DBS)
    assert isinstance(case.spec, FlowCheck) and case.spec.credentials is not None
    return case, case.spec.credentials


def rows(
    monkeypatch: pytest.MonkeyPatch, columns: tuple[str, ...], *found: tuple[Any, ...]
) -> None:
    monkeypatch.setattr(db, "query", lambda _c, _d, _s: Rows(columns, found, False))


def test_a_usable_password_from_sys_user_is_read_and_is_a_secret_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows(monkeypatch, ("username", "PASSWORD"), ("ewc_admin", "sys-user-canary-77e1"))
    case, creds = from_sql_case()
    assert flowcreds.credentials(case, creds) == {
        "credentials.username": "ewc_admin",
        "credentials.password": "sys-user-canary-77e1",
    }
    assert SECRETS.redact("sent sys-user-canary-77e1") == "sent ***"


def test_a_username_given_beside_from_sql_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    rows(monkeypatch, ("password",), (b"{noop}bytes-canary-5521",))
    case, creds = from_sql_case(username="ops")
    assert flowcreds.credentials(case, creds) == {
        "credentials.username": "ops",
        "credentials.password": "bytes-canary-5521",
    }


@pytest.mark.parametrize(
    ("columns", "found", "message"),
    [
        pytest.param(
            ("username", "password"),
            (("ewc_audit", BCRYPT),),
            "sys_user.password looks like a bcrypt hash: it cannot log in; give the password in "
            '${VAR} (credentials: {username: ..., password: "${VAR}"})',
            id="bcrypt",
        ),
        pytest.param(
            ("username", "password"),
            (("ewc_audit", "e10adc3949ba59abbe56e057f20f883e"),),
            "sys_user.password looks like an MD5 hex digest: it cannot log in; give the password "
            'in ${VAR} (credentials: {username: ..., password: "${VAR}"})',
            id="md5",
        ),
        pytest.param(
            ("username", "password"),
            (("a", "pw-one-1234"), ("b", "pw-two-1234")),
            "credentials.from_sql: the query gave 2 rows, not one: pick the user "
            "(WHERE username = '...')",
            id="two-rows",
        ),
        pytest.param(
            ("username", "password"),
            (),
            "credentials.from_sql: the query gave 0 rows, not one: pick the user "
            "(WHERE username = '...')",
            id="no-row",
        ),
        pytest.param(
            ("username", "pwd"),
            (("ewc_admin", "pw-one-1234"),),
            "credentials.from_sql: the query gave no password column (username, pwd)",
            id="no-password-column",
        ),
        pytest.param(
            ("password",),
            (("pw-one-1234",),),
            "credentials.from_sql: the query gave no username column (password): select it, "
            "or give credentials.username",
            id="no-username-column",
        ),
        pytest.param(
            ("username", "password"),
            (("ewc_admin", None),),
            "credentials.from_sql: the password is NULL",
            id="null",
        ),
        pytest.param(
            ("username", "password"),
            (("ewc_admin", "abc"),),
            "credentials.from_sql: the password is too short to be kept out of reports (at "
            "least 4 characters)",
            id="too-short",
        ),
    ],
)
def test_credentials_that_cannot_log_in_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
    columns: tuple[str, ...],
    found: tuple[tuple[Any, ...], ...],
    message: str,
) -> None:
    rows(monkeypatch, columns, *found)
    case, creds = from_sql_case()
    with pytest.raises(ObservationError) as err:
        flowcreds.credentials(case, creds)
    assert str(err.value) == message


def test_credentials_from_the_environment_resolve_a_username_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("THQH_API_USERNAME", "env-user-4411")
    monkeypatch.setenv("THQH_API_PASSWORD", "env-pass-canary-8812")
    case = make_case(FLOW, databases=DBS)
    assert isinstance(case.spec, FlowCheck) and case.spec.credentials is not None
    assert flowcreds.credentials(case, case.spec.credentials) == {
        "credentials.username": "env-user-4411",
        "credentials.password": "env-pass-canary-8812",
    }
