"""log: the path rule of runbook row 1.3 and the success/failure markers (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import log
from xunjian.checks.log import LogObservation
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


STORED = "/usr/local/Thqh/rsyncData/incr_csv/"


@pytest.mark.parametrize(
    ("stored", "parent", "relative", "path"),
    [
        pytest.param(
            STORED,
            1,
            "rsync_log/rsync_data.log",
            "/usr/local/Thqh/rsyncData/rsync_log/rsync_data.log",
            id="trailing-slash",
        ),
        pytest.param(
            STORED.rstrip("/"),
            1,
            "rsync_log/rsync_data.log",
            "/usr/local/Thqh/rsyncData/rsync_log/rsync_data.log",
            id="no-trailing-slash",
        ),
        pytest.param(
            STORED,
            2,
            "rsync_log/rsync_data.log",
            "/usr/local/Thqh/rsync_log/rsync_data.log",
            id="parent-2",
        ),
        pytest.param(STORED, 0, "x.log", "/usr/local/Thqh/rsyncData/incr_csv/x.log", id="parent-0"),
        pytest.param(
            "/usr//local/./Thqh/rsyncData/incr_csv",
            1,
            "a/b/c.log",
            "/usr/local/Thqh/rsyncData/a/b/c.log",
            id="unnormalised-nested-relative",
        ),
        pytest.param("/data/", 5, "x.log", "/x.log", id="stops-at-root"),
    ],
)
def test_derive_path(stored: str, parent: int, relative: str, path: str) -> None:
    assert log.derive_path(stored, parent, relative) == path


@pytest.mark.parametrize("stored", ["usr/local/Thqh/rsyncData/incr_csv/", "./incr_csv", ""])
def test_derive_path_rejects_relative_stored_path(stored: str) -> None:
    with pytest.raises(ValueError, match="is not absolute"):
        log.derive_path(stored, 1, "rsync_log/rsync_data.log")


LOG: dict[str, Any] = {
    "kind": "log",
    "step": "1.3",
    "name": "rsync-log",
    "path": "/var/log/rsync_data.log",
    "lines": 40,
    "success": "传输成功",
    "failure": ["传输失败"],
}
LOG_PATH = "/var/log/rsync_data.log"
GOOD = ("2024-05-01 02:00:01 开始传输", "2024-05-01 02:03:10 传输成功")
FAILED = "2024-05-02 02:03:10 传输失败: rsync error code 12"


def tail(*lines: str) -> LogObservation:
    return LogObservation(LOG_PATH, lines)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(tail(*GOOD), OK, "last line: 2024-05-01 02:03:10 传输成功", id="log-success"),
        pytest.param(
            tail("2024-05-01 传输成功", "rsync: total size is 0  speedup is 0.00"),
            OK,
            "speedup",
            id="log-success-not-last",
        ),
        pytest.param(LogObservation(LOG_PATH, None), CRIT, "does not exist", id="log-missing"),
        pytest.param(tail(*GOOD, FAILED), CRIT, "传输失败: rsync error code 12", id="log-failure"),
        pytest.param(tail(FAILED, *GOOD), CRIT, "1 failure line(s)", id="log-failure-then-ok"),
        pytest.param(tail("2024-05-02 开始传输"), CRIT, "no '传输成功'", id="log-no-success"),
        pytest.param(tail(), CRIT, "(empty file)", id="log-empty"),
        pytest.param(tail(), CRIT, "the log is empty", id="log-empty-message"),
        pytest.param(tail("", "  "), CRIT, "(2 blank line(s))", id="log-blank-lines"),
    ],
)
def test_log(obs: LogObservation, verdict: Verdict, text: str) -> None:
    assert_result(log.evaluate(make_case(LOG), obs), verdict, text)


FAILURE_ONLY = LOG | {"success": None}


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(tail(*GOOD), OK, "last line: 2024-05-01 02:03:10 传输成功", id="quiet-log"),
        pytest.param(tail(GOOD[0], FAILED), CRIT, "传输失败: rsync error code 12", id="failure"),
        pytest.param(tail(), CRIT, "(empty file)", id="empty"),
        pytest.param(tail(), CRIT, "nothing was logged to judge", id="empty-message"),
        pytest.param(tail("", "\t"), CRIT, "(2 blank line(s))", id="blank-lines"),
    ],
)
def test_log_failure_only(obs: LogObservation, verdict: Verdict, text: str) -> None:
    """Without a success marker, an empty tail must not pass: nothing was observed."""
    assert_result(log.evaluate(make_case(FAILURE_ONLY), obs), verdict, text)


def test_log_failure_lines_in_details() -> None:
    result = log.evaluate(make_case(LOG), tail(GOOD[0], FAILED, GOOD[1]))
    assert result.details == (FAILED,)
    assert LOG_PATH in result.expected


def test_log_without_success_marker_accepts_any_tail_with_lines() -> None:
    case = make_case(FAILURE_ONLY)
    assert log.evaluate(case, tail("something")).verdict is OK
    assert log.evaluate(case, tail("something", FAILED)).verdict is CRIT
