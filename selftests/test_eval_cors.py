"""cors: allowed origins echoed with credentials, others refused (pure, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import cors
from xunjian.checks.cors import CorsAnswer
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
A, B, EVIL = (
    "https://creditpilot.digital",
    "http://localhost:3000",
    "https://xunjian-cors-probe.invalid",
)
CHECK: dict[str, Any] = {
    "kind": "cors",
    "name": "customers",
    "url": "http://127.0.11.1:5000/api/customers",
    "origins": [A, B],
}
GOOD = {A: CorsAnswer(200, A, "true"), B: CorsAnswer(200, B, "true"), EVIL: CorsAnswer(200)}


@pytest.mark.parametrize(
    ("change", "verdict", "text"),
    [
        pytest.param({}, OK, "2 of 2 origin(s) echoed", id="all-echoed"),
        pytest.param(
            {B: CorsAnswer(200)}, CRIT, f"{B}: Access-Control-Allow-Origin None", id="missing"
        ),
        pytest.param(
            {B: CorsAnswer(200, A, "true")},
            CRIT,
            f"{B}: Access-Control-Allow-Origin",
            id="wrong-origin",
        ),
        pytest.param({A: CorsAnswer(200, A)}, CRIT, "Allow-Credentials None", id="no-credentials"),
        pytest.param(
            {EVIL: CorsAnswer(200, "*")}, CRIT, "(not listed) is allowed: *", id="wildcard"
        ),
        pytest.param(
            {EVIL: CorsAnswer(200, EVIL, "true")}, CRIT, "(not listed) is allowed", id="echo-any"
        ),
        pytest.param({A: CorsAnswer(None, error="refused")}, CRIT, f"{A}: refused", id="no-answer"),
    ],
)
def test_origins(change: dict[str, CorsAnswer], verdict: Verdict, text: str) -> None:
    assert_result(cors.evaluate(make_case(CHECK), GOOD | change), verdict, text)


def test_credentials_not_asked() -> None:
    case = make_case({**CHECK, "credentials": False})
    assert_result(cors.evaluate(case, GOOD | {A: CorsAnswer(200, A)}), OK, "2 of 2")


def test_on_failure_warn() -> None:
    case = make_case({**CHECK, "on_failure": "WARN"})
    assert_result(cors.evaluate(case, GOOD | {A: CorsAnswer(200)}), WARN, "1 of 2")


def test_parse_headers_takes_the_last_response() -> None:
    text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\naccess-control-allow-origin: x\r\n" + (
        "Access-Control-Allow-Credentials: true\r\n\r\n"
    )
    assert cors.parse_headers(text) == CorsAnswer(200, "x", "true")
    assert cors.parse_headers("", "curl: (7) refused") == CorsAnswer(
        None, error="curl: (7) refused"
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        pytest.param({"origins": []}, "origins", id="no-origins"),
        pytest.param({"on_failure": "INFO"}, "on_failure", id="bad-verdict"),
        pytest.param({"orgins": [A]}, "orgins", id="unknown-key"),
    ],
)
def test_rejects(change: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError) as e:
        make_case({**CHECK, **change})
    assert said in str(e.value)
