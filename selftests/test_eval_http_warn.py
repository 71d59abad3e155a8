"""http: on_failure WARN (a check the runbook rates a warning) and on_timeout WARN (runbook 001
§9: API超时 of a data endpoint is ⚠️ WARNING), pure evaluation, accept and reject tables."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import http
from xunjian.checks.http import HttpObservation
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT

HTTP: dict[str, Any] = {"kind": "http", "name": "metrics", "url": "http://127.0.11.1:5000/metrics"}
METRICS = HTTP | {"body_contains": ["# TYPE"], "on_failure": "WARN"}
DATA = HTTP | {"json": [{"path": "status", "equals": "ready"}], "on_timeout": "WARN"}
HEALTH = HTTP | {"on_timeout": "CRIT", "latency": {"warn": "> 500 ms"}}

TIMED_OUT = HttpObservation(None, "", "", 5000.0, "no answer within 5 s", True)
REFUSED = HttpObservation(None, "", "", 0.0, "no answer: Connection refused")


def answer(status: int = 200, body: str = "", ms: float = 12.0) -> HttpObservation:
    return HttpObservation(status, f"HTTP/1.1 {status} X", body, ms)


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(METRICS, answer(body="# TYPE x counter"), OK, "200", id="metrics-ok"),
        pytest.param(METRICS, answer(404), WARN, "status 404", id="metrics-404-warn"),
        pytest.param(METRICS, answer(body="ok"), WARN, "body lacks '# TYPE'", id="no-metrics"),
        pytest.param(METRICS, REFUSED, WARN, "does not answer", id="metrics-down-warn"),
        pytest.param(HTTP, answer(404), CRIT, "status 404", id="default-crit"),
        pytest.param(DATA, TIMED_OUT, WARN, "does not answer", id="data-timeout-warn"),
        pytest.param(DATA, REFUSED, CRIT, "Connection refused", id="data-refused-crit"),
        pytest.param(
            DATA, answer(body='{"status": "busy"}'), CRIT, "not 'ready'", id="data-wrong-crit"
        ),
        pytest.param(HEALTH, TIMED_OUT, CRIT, "does not answer", id="health-timeout-crit"),
        pytest.param(HEALTH, answer(ms=900), WARN, "latency", id="health-slow-warn"),
    ],
)
def test_http_warn_levels(
    spec: dict[str, Any], obs: HttpObservation, verdict: Verdict, text: str
) -> None:
    assert_result(http.evaluate(make_case(spec), obs), verdict, text)


@pytest.mark.parametrize(
    ("key", "value"),
    [("on_failure", "UNKNOWN"), ("on_failure", "OK"), ("on_timeout", "OK")],
)
def test_http_levels_rejected(key: str, value: str) -> None:
    with pytest.raises(ValidationError, match=key):
        make_case(HTTP | {key: value})
