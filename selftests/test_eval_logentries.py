"""logentries: entries with continuation lines, counted in a window (pure, accept and reject tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import logentries
from xunjian.checks.logentries import LogEntriesObservation
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
NOW = datetime(2026, 11, 25, 12, 0, 0)
CHECK: dict[str, Any] = {
    "kind": "logentries",
    "name": "errors-24h",
    "path": "/opt/creditpilot/logs/error.log",
    "match": r"\[ERROR\]",
    "count": {"warn": "> 0", "crit": "> 2"},
}
TRACE = ("Traceback (most recent call last):", '  File "app.py", line 10, in health')
OLD = "[2026-11-23 09:00:00] [ERROR] GET /api/customers OperationalError: locked"
RECENT = "[2026-11-25 10:00:00] [ERROR] GET /api/health answered 503"
INFO = "[2026-11-25 10:30:00] [INFO] GET /api/health 200"


def obs(*lines: str, now: datetime = NOW) -> LogEntriesObservation:
    return LogEntriesObservation(CHECK["path"], tuple(lines), now)


def test_continuation_lines_belong_to_the_entry_above() -> None:
    found = logentries.entries(
        (
            "partial trace line cut by tail",
            RECENT,
            "Traceback (most recent call last):",
            "  ValueError: x",
            INFO,
        ),
        logentries.LogEntriesCheck.model_fields["start"].default,
        "%Y-%m-%d %H:%M:%S",
    )
    assert [len(e.lines) for e in found] == [3, 1]
    assert found[0].at == datetime(2026, 11, 25, 10, 0, 0)


@pytest.mark.parametrize(
    ("lines", "verdict", "text"),
    [
        pytest.param((INFO,), OK, "0 of 1 entries", id="no-errors"),
        pytest.param((OLD, *TRACE, INFO), OK, "0 of 2 entries", id="old-error-outside-24h"),
        pytest.param((OLD, RECENT, *TRACE, INFO), WARN, "1 entries matching", id="one-is-warn"),
        pytest.param((RECENT, *TRACE) * 3, CRIT, "3 entries matching", id="three-is-crit"),
        pytest.param(
            (RECENT, "[ERROR] on a continuation line", INFO), WARN, "1 of 2", id="trace-not-counted"
        ),
    ],
)
def test_counts_in_the_window(lines: tuple[str, ...], verdict: Verdict, text: str) -> None:
    assert_result(logentries.evaluate(make_case(CHECK), obs(*lines)), verdict, text)


def test_a_missing_file_is_crit() -> None:
    missing = LogEntriesObservation(CHECK["path"], None, NOW)
    assert_result(logentries.evaluate(make_case(CHECK), missing), CRIT, "does not exist")


def test_a_tail_that_does_not_reach_back_is_warn() -> None:
    case = make_case({**CHECK, "lines": 2})
    assert_result(logentries.evaluate(case, obs(INFO, INFO)), WARN, "do not reach back 24h")


def test_the_window_is_read_from_the_spec() -> None:
    case = make_case({**CHECK, "window": "90 min"})
    assert_result(logentries.evaluate(case, obs(RECENT, INFO)), OK, "0 of 2")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        pytest.param({"match": "[ERROR"}, "match: not a regular expression", id="bad-regex"),
        pytest.param({"start": r"^\[\d+"}, "start needs a group", id="no-group"),
        pytest.param({"count": {"crit": "> 1 h"}}, "count takes plain numbers", id="time-unit"),
        pytest.param({"window": "yesterday"}, "window", id="bad-window"),
        pytest.param({"path": "logs/error.log"}, "path", id="relative-path"),
        pytest.param({"treshold": 1}, "treshold", id="unknown-key"),
    ],
)
def test_rejects(change: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError) as e:
        make_case({**CHECK, **change})
    assert said in str(e.value)
