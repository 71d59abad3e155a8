"""flow: a step's on_failure (runbook 001 §9: 认证失效, a refused login, is ⚠️ WARNING, while an
Accountant let into an Admin-only endpoint stays CRIT). Pure judgement, accept and reject sides."""

from __future__ import annotations

from typing import Any

import pytest
from cases import make_case
from pydantic import ValidationError

from xunjian.checks import flow
from xunjian.observe.flowrecord import CallRecord, FlowObservation
from xunjian.result import Verdict

BEARER = {"Authorization": "Bearer {{ steps.login.token }}"}
RBAC: dict[str, Any] = {
    "kind": "flow",
    "name": "rbac-accountant",
    "base_url": "http://127.0.11.1:5000",
    "credentials": {
        "username": "${CREDITPILOT_ACCOUNTANT_USERNAME}",
        "password": "${CREDITPILOT_ACCOUNTANT_PASSWORD}",
    },
    "steps": [
        {
            "name": "login",
            "method": "POST",
            "path": "/api/auth/login",
            "body": {
                "username": "{{ credentials.username }}",
                "password": "{{ credentials.password }}",
            },
            "capture": {"token": "$.token"},
            "on_failure": "WARN",
        },
        {
            "name": "me",
            "method": "GET",
            "path": "/api/auth/me",
            "secret_headers": BEARER,
            "expect": {"json": [{"path": "role", "equals": "Accountant"}]},
        },
        {
            "name": "admin-only",
            "method": "GET",
            "path": "/api/admin/users",
            "secret_headers": BEARER,
            "expect": {"status": [403]},
        },
    ],
}


def call(name: str, status: int | None, doc: Any = None, **kw: Any) -> CallRecord:
    return CallRecord(name, True, status=status, doc=doc, elapsed_ms=9, **kw)


LOGGED_IN = call("login", 200, {"token": "x"}, captured=("token",))
ME = call("me", 200, {"role": "Accountant"})
BLOCKED = (
    CallRecord.not_run("me", "login failed", "login"),
    CallRecord.not_run("admin-only", "login failed", "login"),
)


@pytest.mark.parametrize(
    ("calls", "verdict", "text"),
    [
        pytest.param((LOGGED_IN, ME, call("admin-only", 403)), Verdict.OK, "", id="refused-ok"),
        pytest.param(
            (call("login", 401, {"error": "invalid"}), *BLOCKED),
            Verdict.WARN,
            "login: HTTP 401, not 200",
            id="login-refused-warn",
        ),
        pytest.param(
            (call("login", None, error="Connection refused"), *BLOCKED),
            Verdict.CRIT,
            "login failed: Connection refused",
            id="login-unanswered-crit",
        ),
        pytest.param(
            (call("login", None, error="timed out", timed_out=True), *BLOCKED),
            Verdict.UNKNOWN,
            "login failed",
            id="login-timeout-unknown",
        ),
        pytest.param(
            (LOGGED_IN, ME, call("admin-only", 200, [])),
            Verdict.CRIT,
            "admin-only failed: HTTP 200, not 403",
            id="rbac-broken-crit",
        ),
        pytest.param(
            (LOGGED_IN, call("me", 401, {}), call("admin-only", 403)),
            Verdict.CRIT,
            "me failed",
            id="token-not-accepted-crit",
        ),
    ],
)
def test_on_failure(calls: tuple[CallRecord, ...], verdict: Verdict, text: str) -> None:
    result = flow.evaluate(make_case(RBAC), FlowObservation(calls))
    assert result.verdict is verdict, result
    assert text in result.message, result


def test_on_failure_takes_crit_or_warn_only() -> None:
    bad = {**RBAC, "steps": [{**RBAC["steps"][0], "on_failure": "OK"}, *RBAC["steps"][1:]]}
    with pytest.raises(ValidationError, match=r"steps\.0\.on_failure"):
        make_case(bad)
