"""accesslog: availability, success and error rates and p95 over a window of an nginx access
log (combined + $request_time) (pure parsing and evaluation, accept and reject tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import accesslog
from xunjian.checks.accesslog import AccessLogObservation
from xunjian.observe.accesslines import Access, parse_line
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
PATH = "/var/log/nginx/mindguard.access.log"
AVAIL: dict[str, Any] = {"kind": "accesslog", "name": "availability", "path": PATH, "window": "1h",
                         "measure": "availability", "value": {"warn": "< 99.5 %", "crit": "< 99 %"}}  # fmt: skip
SUCCESS = {
    **AVAIL,
    "name": "success",
    "measure": "success_rate",
    "value": {"warn": "< 99 %", "crit": "< 98 %"},
}
ERRORS = {
    **AVAIL,
    "name": "errors",
    "measure": "error_rate",
    "value": {"warn": "> 0.5 %", "crit": "> 1 %"},
}
P95 = {**AVAIL, "name": "p95", "measure": "p95", "value": {"warn": "> 500 ms", "crit": "> 1000 ms"}}


def line(status: int = 200, ago: float = 60, rt: str = "0.012") -> str:
    at = (NOW - timedelta(seconds=ago)).strftime("%d/%b/%Y:%H:%M:%S %z")
    return (
        f'127.0.0.1 - - [{at}] "GET /api/checkin?x=\\x22y HTTP/1.1" {status} 512 "-" '
        f'"Mozilla/5.0 (iPhone) \\"quoted\\"" {rt}'
    )


def obs(*lines: str) -> AccessLogObservation:
    return AccessLogObservation(PATH, lines, NOW.timestamp())


def many(n: int, status: int = 200, rt: str = "0.012", ago: float = 60) -> list[str]:
    return [line(status, ago, rt)] * n


def test_parse_a_line() -> None:
    assert parse_line(line(503, 30, "1.250")) == Access(NOW.timestamp() - 30, 503, 1.25)
    plain = line().rsplit(" ", 1)[0]  # plain combined: no request time
    assert parse_line(plain) == Access(NOW.timestamp() - 60, 200, None)
    assert parse_line("GET / 200") is None


@pytest.mark.parametrize(
    ("spec", "lines", "verdict", "text"),
    [
        pytest.param(AVAIL, many(1000), OK, "100 % (1000 of 1000 requests)", id="all-fine"),
        # 4xx is the client's: still available; 5xx is not
        pytest.param(AVAIL, many(990, 200) + many(10, 404), OK, "100 %", id="4xx-is-available"),
        pytest.param(AVAIL, many(993) + many(7, 502), WARN, "availability 99.3 % < 99.5 %", id="avail-warn"),
        pytest.param(AVAIL, many(980) + many(20, 500), CRIT, "availability 98 % < 99 %", id="avail-crit"),
        # an hour ago is outside the window: old failures do not count
        pytest.param(AVAIL, many(100, 500, ago=7200) + many(100), OK, "100 of 100", id="window"),
        pytest.param(AVAIL, many(5), WARN, "too few requests to judge: 5 < min_requests 20", id="too-few"),
        pytest.param(SUCCESS, many(985) + many(15, 404), WARN, "success_rate 98.5 % < 99 %", id="success-warn"),
        pytest.param(ERRORS, many(990) + many(5, 404) + many(5, 500), WARN, "error_rate 1 % > 0.5 %", id="errors-at-crit-limit-is-warn"),
        pytest.param(ERRORS, many(980) + many(20, 404), CRIT, "error_rate 2 % > 1 %", id="errors-crit"),
        pytest.param(P95, many(100, rt="0.100"), OK, "100 ms over 100 requests", id="p95-ok"),
        pytest.param(P95, many(90, rt="0.1") + many(10, rt="0.7"), WARN, "p95 700 ms > 500 ms", id="p95-warn"),
        pytest.param(P95, many(94, rt="0.1") + many(6, rt="1.5"), CRIT, "p95 1500 ms > 1000 ms", id="p95-crit"),
        pytest.param(P95, many(30, rt="-"), CRIT, "no line has $request_time", id="p95-no-times"),
        pytest.param(AVAIL, ["not a log line"] * 30, CRIT, "none of 30 lines", id="wrong-format"),
        pytest.param(AVAIL, [*many(30), "garbage"], OK, "1 line(s) not in the expected format", id="strange-shown"),
    ],
)  # fmt: skip
def test_evaluate(spec: dict[str, Any], lines: list[str], verdict: Verdict, text: str) -> None:
    assert_result(accesslog.evaluate(make_case(spec), obs(*lines)), verdict, text)


def test_missing_log_is_crit() -> None:
    result = accesslog.evaluate(make_case(AVAIL), AccessLogObservation(PATH, None, 0.0))
    assert_result(result, CRIT, "does not exist")


def test_a_tail_that_does_not_reach_back_says_so() -> None:
    result = accesslog.evaluate(make_case({**AVAIL, "lines": 50}), obs(*many(50)))
    assert_result(result, WARN, "the last 50 lines do not reach back 1h: raise lines")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**AVAIL, "value": {"crit": "> 2 s"}}, "measure availability is judged in percent units"),
        ({**P95, "value": {"crit": "> 90 %"}}, "measure p95 is judged in time units"),
        ({**AVAIL, "window": "1 week"}, "window"),
        ({**AVAIL, "measure": "apdex"}, "measure"),
        ({**AVAIL, "min_requests": 0}, "min_requests"),
    ],
)
def test_bad_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_case(spec)
