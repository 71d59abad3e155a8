"""promql: parsing Prometheus answers and judging each series (pure tables, accept and reject),
and one query against a stand-in HTTP server answering as Prometheus's API does."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import promql
from xunjian.checks.promql import Series
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN

# runbook 002 §2.1: API response < 500 ms, WARN > 500 ms, CRIT > 1000 ms (Prometheus: seconds)
LATENCY: dict[str, Any] = {
    "kind": "promql",
    "name": "api-p95",
    "url": "http://127.0.12.1:9090",
    "query": "histogram_quantile(0.95, sum by (le) (rate(api_seconds_bucket[5m])))",
    "value": {"warn": "> 500 ms", "crit": "> 1000 ms"},
    "unit": "s",
}
# runbook 002 §2.2: availability target 99.9 %, WARN < 99.5 %, CRIT < 99 % (a 0-1 ratio)
AVAILABILITY: dict[str, Any] = {
    "kind": "promql",
    "name": "availability",
    "url": "http://127.0.12.1:9090",
    "query": "sum(rate(http_ok[1h])) / sum(rate(http_all[1h]))",
    "value": {"warn": "< 99.5 %", "crit": "< 99 %"},
    "unit": "ratio",
}


def one(value: float, **labels: str) -> list[Series]:
    return [Series(tuple(sorted(labels.items())), value)]


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(LATENCY, one(0.42), OK, "{}: 0.42 s OK", id="fast"),
        pytest.param(LATENCY, one(0.5), OK, "0.5 s OK", id="500ms-is-not-above-500ms"),
        pytest.param(LATENCY, one(0.612), WARN, "612 ms > 500 ms", id="warn-band"),
        pytest.param(LATENCY, one(1.2), CRIT, "1200 ms > 1000 ms", id="crit"),
        pytest.param(AVAILABILITY, one(0.9995), OK, "99.95 % OK", id="available"),
        pytest.param(AVAILABILITY, one(0.993), WARN, "99.3 % < 99.5 %", id="availability-warn"),
        pytest.param(AVAILABILITY, one(0.98), CRIT, "98 % < 99 %", id="availability-crit"),
        pytest.param(
            LATENCY,
            one(0.2, route="/a") + one(1.5, route="/b") + one(0.7, route="/c"),
            CRIT,
            "{route=/b} 1500 ms > 1000 ms",
            id="worst-series-decides",
        ),
        pytest.param(LATENCY, [], UNKNOWN, "no series", id="empty-is-unknown"),
        pytest.param(LATENCY, one(float("nan")), UNKNOWN, "no series has a number", id="nan-only"),
        pytest.param(
            LATENCY,
            one(float("nan"), route="/idle") + one(0.3, route="/a"),
            OK,
            "{route=/idle}: nan (cannot be judged)",
            id="nan-beside-a-number",
        ),
        pytest.param(
            {**LATENCY, "empty": "OK"}, [], OK, "no series", id="empty-may-be-ok-for-event-counts"
        ),
    ],
)
def test_evaluate(spec: dict[str, Any], obs: list[Series], verdict: Verdict, text: str) -> None:
    assert_result(promql.evaluate(make_case(spec), obs), verdict, text)


def test_expected_says_query_and_limits() -> None:
    said = promql.expected(make_case(LATENCY))
    assert "histogram_quantile" in said and "OK unless > 500 ms (WARN) / > 1000 ms (CRIT)" in said


@pytest.mark.parametrize(
    ("answer", "series"),
    [
        (
            {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"route": "/a"}, "value": [1700000000.1, "0.25"]}]}},
            [Series((("route", "/a"),), 0.25)],
        ),
        ({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "3"]}},
         [Series((), 3.0)]),
        ({"status": "success", "data": {"resultType": "vector", "result": []}}, []),
    ],
)  # fmt: skip
def test_parse_accepts(answer: Any, series: list[Series]) -> None:
    assert promql.parse(answer) == series


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"status": "error", "errorType": "bad_data", "error": "parse error at char 5"},
         "Prometheus answered an error: parse error at char 5"),
        ({"status": "success", "data": {"resultType": "matrix", "result": []}},
         "expected an instant vector or a scalar, got resultType 'matrix'"),
        ("not json at all", "Prometheus answered an error"),
    ],
)  # fmt: skip
def test_parse_rejects(answer: Any, said: str) -> None:
    with pytest.raises(ValueError, match="^" + said.replace("(", r"\(").replace(")", r"\)")):
        promql.parse(answer)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"unit": "furlongs"}, 'unknown unit "furlongs"'),
        ({"unit": "%"}, "cannot be judged against"),  # seconds limits, a percent figure
        ({"value": {}}, "give warn, crit or both"),
        ({"query": ""}, "at least 1 character"),
    ],
)
def test_spec_rejects(change: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        make_case({**LATENCY, **change})


class FakePrometheus(http.server.BaseHTTPRequestHandler):
    answer: Any = None

    def do_GET(self) -> None:
        body = json.dumps(self.answer).encode()
        self.send_response(200 if self.answer.get("status") == "success" else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def prometheus() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakePrometheus)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_observe_reads_the_api(prometheus: str) -> None:
    FakePrometheus.answer = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "up", "job": "api"}, "value": [1, "0.9"]}]}}  # fmt: skip
    case = make_case({**LATENCY, "url": prometheus})
    assert promql.observe(case) == [Series((("__name__", "up"), ("job", "api")), 0.9)]
    assert promql.targets(case) == {"127.0.0.1"}


def test_observe_error_is_unknown_with_the_reason(prometheus: str) -> None:
    FakePrometheus.answer = {"status": "error", "error": "query timed out in expression evaluation"}
    with pytest.raises(ObservationError, match="query timed out"):
        promql.observe(make_case({**LATENCY, "url": prometheus}))


def test_nothing_listening_is_unknown(closed_port: int) -> None:
    with pytest.raises(ObservationError, match="no answer"):
        promql.observe(make_case({**LATENCY, "url": f"http://127.0.0.1:{closed_port}"}))


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
