"""flow: the reference syntax ({{ steps.login.token }}, {{ credentials.password }}) and the spec's
load-time rules, each accepting row with its rejecting twin and the message asserted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from cases import make_case
from pydantic import ValidationError
from test_eval_flow import DBS, FLOW

from xunjian.checks.flowrefs import RefError, fill, fill_json, names
from xunjian.inventory.errors import InventoryError, from_validation

SYNTAX = "write {{ steps.STEP.NAME }} or {{ credentials.username }} / {{ credentials.password }}"
AT = "systems.sys.hosts.prod.checks[0]"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Bearer {{ steps.login.token }}", ["steps.login.token"]),
        ("{{steps.login.token}}", ["steps.login.token"]),
        (
            "{{ credentials.username }}:{{ credentials.password }}",
            ["credentials.username", "credentials.password"],
        ),
        ("{{ steps.step-2.access_token }}", ["steps.step-2.access_token"]),
        ("no reference at all", []),
        ("a single { brace } is text", []),
    ],
)
def test_names_accepts(text: str, found: list[str]) -> None:
    assert names(text) == found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ token }}", f"'{{{{ token }}}}' is not a reference: {SYNTAX}"),
        ("{{ steps.login }}", f"'{{{{ steps.login }}}}' is not a reference: {SYNTAX}"),
        (
            "{{ credentials.secret }}",
            f"'{{{{ credentials.secret }}}}' is not a reference: {SYNTAX}",
        ),
        ("{{ steps.a.b.c }}", f"'{{{{ steps.a.b.c }}}}' is not a reference: {SYNTAX}"),
        (
            "Bearer {{ steps.login.token",
            f"unbalanced {{{{ or }}}} in 'Bearer {{{{ steps.login.token': {SYNTAX}",
        ),
        ("steps.login.token }}", f"unbalanced {{{{ or }}}} in 'steps.login.token }}}}': {SYNTAX}"),
        (
            "Bearer ${API_TOKEN}",
            "a ${VAR} environment secret is not expanded here: give it under credentials "
            "(password: ${VAR}) and refer to it as {{ credentials.password }}",
        ),
    ],
)
def test_names_rejects(text: str, message: str) -> None:
    with pytest.raises(RefError) as err:
        names(text)
    assert str(err.value) == message


def test_fill_keeps_a_lone_reference_typed_and_interpolates_text() -> None:
    values = {"steps.a.id": 42, "steps.login.token": "t0k3n"}
    assert fill("{{ steps.a.id }}", values) == 42
    assert fill("Bearer {{steps.login.token}}", values) == "Bearer t0k3n"
    assert fill(" {{ steps.a.id }}", values) == " 42"
    assert fill_json({"id": "{{ steps.a.id }}", "l": ["{{ steps.login.token }}", 1]}, values) == {
        "id": 42,
        "l": ["t0k3n", 1],
    }


def problems(check: dict[str, Any], databases: dict[str, Any] = DBS) -> list[str]:
    try:
        make_case(check, databases=databases)
    except ValidationError as e:
        return from_validation("inv.yml", e).problems
    except InventoryError as e:
        return e.problems
    return []


def changed(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    check = copy.deepcopy(FLOW)
    change(check)
    return check


def test_the_flow_of_the_tables_loads() -> None:
    assert problems(FLOW) == []


def _header(value: str) -> Callable[[dict[str, Any]], object]:
    return lambda c: c["steps"][1]["secret_headers"].update(Authorization=value)


NOT_A_TEMPLATE = (
    "must be one reference after an optional scheme word, e.g. 'Bearer {{ steps.login.token }}': "
    "a credential is never written into an inventory"
)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            _header("Bearer {{ steps.login.tokn }}"),
            f"{AT}: steps[1].secret_headers.Authorization: {{{{ steps.login.tokn }}}} refers to a "
            "capture no earlier step defines (defined before it: steps.login.token)",
            id="unknown-capture",
        ),
        pytest.param(
            _header("Bearer {{ steps.user.token }}"),
            f"{AT}: steps[1].secret_headers.Authorization: {{{{ steps.user.token }}}} refers to a "
            "capture no earlier step defines (defined before it: steps.login.token)",
            id="a-later-step",
        ),
        pytest.param(
            _header("Bearer sk-live-0123456789"),
            f"{AT}.steps[1].secret_headers.Authorization: {NOT_A_TEMPLATE}",
            id="literal-bearer",
        ),
        pytest.param(
            _header("Bearer ${API_TOKEN}"),
            f"{AT}.steps[1].secret_headers.Authorization: {NOT_A_TEMPLATE}",
            id="env-in-a-template",
        ),
        pytest.param(
            lambda c: c["steps"][0].update(body={"username": "x", "password": "hunter2"}),
            f"{AT}.steps[0]: body.password looks like a credential, and a body is sent as "
            "written: refer to it, e.g. {{ credentials.password }}, never write it",
            id="literal-password-in-the-body",
        ),
        pytest.param(
            lambda c: c["steps"][2].update(form={"access_token": "abc123"}),
            f"{AT}.steps[2]: form.access_token looks like a credential, and a body is sent as "
            "written: refer to it, e.g. {{ credentials.password }}, never write it",
            id="literal-token-in-a-form",
        ),
        pytest.param(
            lambda c: c["steps"][0].update(body={"username": "{{ credentials.user }}"}),
            f"{AT}.steps[0]: body.username: '{{{{ credentials.user }}}}' is not a reference: "
            f"{SYNTAX}",
            id="malformed-reference",
        ),
        pytest.param(
            lambda c: c["steps"][1].update(path="/api/x?t={{ steps.login.token }}"),
            f"{AT}.steps[1].path: a value the flow learns is a secret, and a URL is logged and "
            "printed: send it in secret_headers or the body, not in the path",
            id="reference-in-a-url",
        ),
        pytest.param(
            lambda c: c.pop("credentials"),
            f"{AT}: steps[0].body.username: {{{{ credentials.username }}}} needs credentials: the "
            "flow has none",
            id="no-credentials",
        ),
        pytest.param(
            lambda c: c.update(credentials={"username": "admin", "password": "hunter2"}),
            f"{AT}.credentials.password: must be an environment reference such as "
            "${THQH_MYSQL_PASSWORD}; secrets are never written into an inventory",
            id="literal-password",
        ),
        pytest.param(
            lambda c: c.update(credentials={"password": "${P}"}),
            f"{AT}.credentials: username is missing: give it beside password",
            id="no-username",
        ),
        pytest.param(
            lambda c: c["credentials"].update(from_sql={"db": "ewc", "query": "SELECT 1"}),
            f"{AT}.credentials: give exactly one of password (an ${{ENV_VAR}} reference) and "
            "from_sql",
            id="two-passwords",
        ),
        pytest.param(
            lambda c: c["steps"].append(copy.deepcopy(c["steps"][2])),
            f"{AT}: steps[3].name: 'user' is used by an earlier step",
            id="duplicate-step",
        ),
        pytest.param(
            lambda c: c["steps"][1]["proof"].update(query="DELETE FROM wx_customer"),
            f"{AT}.steps[1].proof.query: DELETE is not a read statement: it changes data",
            id="proof-writes",
        ),
        pytest.param(
            lambda c: c["steps"][1].update(method="GET", body={"a": 1}),
            f"{AT}.steps[1]: a GET sends no body: drop body and form, or use POST",
            id="get-with-body",
        ),
        pytest.param(
            lambda c: c.update(base_url="http://127.0.10.3:8081/?a=1"),
            f"{AT}: base_url: scheme, host, port and a path prefix only (no query)",
            id="base-url-query",
        ),
    ],
)
def test_a_flow_that_cannot_be_run_is_refused_at_load(
    change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    assert expected in problems(changed(change))


def test_a_reference_to_an_earlier_capture_and_to_credentials_is_accepted() -> None:
    """The twin of the rows above: captures of any earlier step, credentials, a scheme word."""
    ok = changed(
        lambda c: (
            c["steps"][0]["capture"].update(uid="$.data.uid"),
            c["steps"][2].update(body={"who": "{{ steps.login.uid }}"}),
            c["steps"][2]["secret_headers"].update(**{"X-Token": "{{ steps.login.token }}"}),
        )
    )
    assert problems(ok) == []


def test_a_proof_on_sqlite_is_refused_it_is_read_once_per_run() -> None:
    sqlite = {"ewc": {"engine": "sqlite", "path": "/srv/ewc.db"}}
    assert (
        f"{AT}.steps[1].proof.query: database 'ewc' is sqlite, read once per run through the "
        "host's batch: a flow reads before and after its calls, so it needs mysql or postgresql"
    ) in problems(FLOW, sqlite)
