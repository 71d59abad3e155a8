"""availability: the share of past runs without a failure of the matched checks, from the run
history (runbook 002 §2.1: 系统可用性 as seen by the checks)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cases import make_case
from pydantic import ValidationError

from xunjian.checks import availability
from xunjian.history import History, memo
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
CHECK = {
    "kind": "availability",
    "name": "api",
    "checks": ["mg-api-*"],
    "window": "7d",
    "value": {"warn": "< 99.5 %", "crit": "< 99 %"},
    "min_runs": 3,
}


def case(**changes: Any) -> Any:
    return make_case(CHECK | changes)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    path = tmp_path / "h.sqlite"
    memo.use(path)
    yield History(path)
    memo.use(None)


def record(db: History, days_ago: float, verdicts: dict[str, Verdict]) -> None:
    at = NOW - timedelta(days=days_ago)
    db.record_run(at, at, ["lab-mindguard.yml"], [(c, v, "") for c, v in verdicts.items()])


def seen(*runs: tuple[Verdict, ...]) -> availability.RunVerdicts:
    return availability.RunVerdicts(
        tuple((i + 1, r) for i, r in enumerate(runs)), frozenset({"mg-api-health"})
    )


@pytest.mark.parametrize(
    ("runs", "verdict", "actual"),
    [
        pytest.param([(OK,)] * 200, OK, "100 % (200 of 200 runs", id="all-up"),
        pytest.param([(WARN, OK)] * 200, OK, "100 %", id="warn-still-serves"),
        pytest.param([(OK,)] * 198 + [(CRIT,)] * 2, WARN, "99 % (198 of 200", id="warn-band"),
        pytest.param([(OK,)] * 197 + [(OK, UNKNOWN)] * 3, CRIT, "98.5 %", id="crit-band"),
        pytest.param([(OK,)] * 2, WARN, "2 run(s)", id="too-few-runs"),
    ],
)
def test_bands(runs: list[tuple[Verdict, ...]], verdict: Verdict, actual: str) -> None:
    result = availability.evaluate(case(), seen(*runs))
    assert result.verdict is verdict, result
    assert actual in result.actual


def test_observe_reads_the_window_of_the_matched_checks(history: History) -> None:
    record(history, 10, {"mg-api-health": CRIT})  # outside the 7-day window
    record(history, 3, {"mg-api-health": OK, "mg-api-latency": WARN, "other": CRIT})
    record(history, 2, {"mg-api-health": CRIT, "other": OK})
    record(history, 1, {"mg-api-health": OK, "other": OK})
    got = availability.observe(case(), now=NOW)
    assert got.checks == {"mg-api-health", "mg-api-latency"}
    assert [v for _, v in got.runs] == [(OK, WARN), (CRIT,), (OK,)]
    result = availability.evaluate(case(), got)
    assert result.verdict is CRIT and "66.6667 % (2 of 3 runs" in result.actual


def test_no_history_file_yet_is_too_few_runs_not_ok(history: History) -> None:
    result = availability.evaluate(case(), availability.observe(case(), now=NOW))
    assert result.verdict is WARN and "too few runs" in result.message


def test_a_run_without_history_cannot_observe() -> None:
    memo.use(None)
    with pytest.raises(ObservationError, match="no history"):
        availability.observe(case())


def test_value_must_be_a_percentage() -> None:
    with pytest.raises(ValidationError, match="percentages"):
        case(value={"crit": "< 0.99"})
