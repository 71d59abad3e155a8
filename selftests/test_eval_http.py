"""http: status, status line, body, JSON paths and latency (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import http
from xunjian.checks.http import HttpObservation
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


HTTP: dict[str, Any] = {"kind": "http", "name": "index-web", "url": "http://127.0.10.2:27878/"}
HEAD = HTTP | {"method": "HEAD", "status_line": "HTTP/1.1 200 OK"}
JSON_UP = HTTP | {"json": [{"path": "$.status", "equals": "UP"}]}
COUNT = HTTP | {"json": [{"path": "$.count", "value": {"crit": "> 10"}}]}
# bad states, strictly above: 500 ms exactly is OK, 2000 ms exactly is WARN
SLOW = HTTP | {"latency": {"warn": "> 500 ms", "crit": "> 2000 ms"}}
SLOW_CRIT_ONLY = HTTP | {"latency": {"crit": "> 2 s"}}  # another unit of the time family


def answer(
    status: int = 200, line: str = "HTTP/1.1 200 OK", body: str = "", ms: float = 12.0
) -> HttpObservation:
    return HttpObservation(status, line, body, ms)


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(HTTP, answer(), OK, "HTTP/1.1 200 OK in 12 ms", id="http-ok"),
        pytest.param(
            HTTP,
            answer(502, "HTTP/1.1 502 Bad Gateway"),
            CRIT,
            "status 502",
            id="http-status-mismatch",
        ),
        pytest.param(
            HTTP | {"status": [200, 301]},
            answer(301, "HTTP/1.1 301 Moved Permanently"),
            OK,
            "301",
            id="http-status-in-list",
        ),
        pytest.param(HEAD, answer(), OK, "HTTP/1.1 200 OK", id="http-status-line"),
        pytest.param(
            HEAD,
            answer(line="HTTP/1.1 200 Okay"),
            CRIT,
            "status line 'HTTP/1.1 200 Okay'",
            id="http-status-line-okay",
        ),
        pytest.param(
            HEAD,
            answer(line="HTTP/1.1 200 OKAY"),
            CRIT,
            "status line 'HTTP/1.1 200 OKAY'",
            id="http-status-line-prefix-only",
        ),
        pytest.param(
            HEAD,
            answer(line="HTTP/1.0 200 OK"),
            CRIT,
            "status line 'HTTP/1.0 200 OK'",
            id="http-status-line-version",
        ),
        pytest.param(
            HTTP | {"body_contains": ["碳酸锂"]},
            answer(body="<title>碳酸锂指数</title>"),
            OK,
            "200",
            id="http-body-contains",
        ),
        pytest.param(
            HTTP | {"body_contains": ["碳酸锂"]},
            answer(body="<title>502</title>"),
            CRIT,
            "body lacks '碳酸锂'",
            id="http-body-lacks",
        ),
        pytest.param(JSON_UP, answer(body='{"status": "UP"}'), OK, "200", id="http-json-equals"),
        pytest.param(
            JSON_UP,
            answer(body='{"status": "DOWN"}'),
            CRIT,
            "$.status is 'DOWN', not 'UP'",
            id="http-json-differs",
        ),
        pytest.param(
            JSON_UP,
            answer(body='{"state": "UP"}'),
            CRIT,
            "$.status is missing",
            id="http-json-missing",
        ),
        pytest.param(
            HTTP | {"json": [{"path": "$.status", "exists": False, "equals": "UP"}]},
            answer(body="{}"),
            OK,
            "200",
            id="http-json-optional-missing",
        ),
        pytest.param(
            HTTP | {"json": [{"path": "$.status", "exists": False, "equals": "UP"}]},
            answer(body='{"status": "DOWN"}'),
            CRIT,
            "$.status is 'DOWN', not 'UP'",
            id="http-json-optional-differs",
        ),
        pytest.param(
            HTTP | {"json": [{"path": "$.count", "equals": 3}]},
            answer(body='{"count": 3}'),
            OK,
            "200",
            id="http-json-number",
        ),
        pytest.param(COUNT, answer(body='{"count": 10}'), OK, "200", id="http-json-value-limit"),
        pytest.param(
            COUNT, answer(body='{"count": 11}'), CRIT, "$.count 11 > 10", id="http-json-value-crit"
        ),
        pytest.param(
            COUNT,
            answer(body='{"count": "11"}'),
            CRIT,
            "$.count is '11', not a number",
            id="http-json-value-text",
        ),
        pytest.param(
            COUNT,
            answer(body='{"count": true}'),
            CRIT,
            "$.count is True, not a number",
            id="http-json-value-bool",
        ),
        pytest.param(
            JSON_UP,
            answer(body="<html>UP</html>"),
            CRIT,
            "the body is not JSON",
            id="http-json-not-json",
        ),
        pytest.param(SLOW, answer(ms=120), OK, "in 120 ms", id="http-latency-ok"),
        pytest.param(SLOW, answer(ms=500), OK, "in 500 ms", id="http-latency-warn-limit-is-ok"),
        pytest.param(
            SLOW, answer(ms=500.4), WARN, "latency 500.4 ms > 500 ms", id="http-latency-just-above"
        ),
        pytest.param(SLOW, answer(ms=800), WARN, "latency 800 ms > 500 ms", id="http-latency-warn"),
        pytest.param(
            SLOW, answer(ms=2000), WARN, "latency 2000 ms > 500 ms", id="http-latency-crit-limit"
        ),
        pytest.param(
            SLOW, answer(ms=2500), CRIT, "latency 2500 ms > 2000 ms", id="http-latency-crit"
        ),
        pytest.param(SLOW_CRIT_ONLY, answer(ms=2000), OK, "in 2000 ms", id="http-latency-2s-limit"),
        pytest.param(
            SLOW_CRIT_ONLY,
            answer(ms=2001),
            CRIT,
            "latency 2.001 s > 2 s",
            id="http-latency-in-seconds",
        ),
        pytest.param(
            SLOW,
            answer(502, "HTTP/1.1 502 Bad Gateway", ms=800),
            CRIT,
            "status 502",
            id="http-crit-beats-warn",
        ),
        pytest.param(
            HTTP,
            HttpObservation(None, "", "", 0.0, "no answer: Connection refused"),
            CRIT,
            "Connection refused",
            id="http-no-answer",
        ),
        pytest.param(
            HTTP,
            HttpObservation(None, "", "", 0.0, "no answer: Connection refused"),
            CRIT,
            "does not answer",
            id="http-no-answer-message",
        ),
    ],
)
def test_http(spec: dict[str, Any], obs: HttpObservation, verdict: Verdict, text: str) -> None:
    assert_result(http.evaluate(make_case(spec), obs), verdict, text)


def test_http_expected_names_the_latency_levels() -> None:
    assert http.expected(make_case(SLOW)).endswith(
        "latency OK unless > 500 ms (WARN) / > 2000 ms (CRIT)"
    )
