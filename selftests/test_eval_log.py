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


# runbook 003 §8: XTF's known failures, each with its remedy; §8.5 rate limits counted
XTF: dict[str, Any] = {
    "kind": "log",
    "name": "xtf",
    "path": "/opt/datasync/logs",
    "newest": "xtf_bitable_*.log",
    "lines": 200,
    "known": [
        {"match": ["91403", "forbidden"], "remedy": "将机器人加入目标多维表，并授予相应权限"},
        {"match": ["app secret invalid", "获取访问令牌失败"], "remedy": "检查 FeishuConfig.app_id/app_secret"},
    ],
    "counted": [
        {"name": "rate-limit errors", "match": "被飞书限速|frequency limit", "count": {"warn": "> 0", "crit": "> 2"},
         "remedy": "调整 batch_size、rate_limit_delay"},
    ],
}  # fmt: skip
INFO = "2026-11-25 10:00:00,001 - xtf_bitable - INFO - 任务 1 完成: 导入 20 行"
FORBIDDEN = (
    "2026-11-25 10:01:00,001 - xtf_bitable - ERROR - 写入多维表失败: code=91403 msg=Forbidden"
)
SECRET = "2026-11-25 10:02:00,001 - xtf_bitable - ERROR - 获取访问令牌失败: code=10014 msg=app secret invalid"
RATE = "2026-11-25 10:03:00,001 - xtf_bitable - WARNING - 被飞书限速: code=99991400 msg=request trigger frequency limit"


@pytest.mark.parametrize(
    ("lines", "verdict", "text"),
    [
        ((INFO,), OK, "last line"),
        (
            (INFO, FORBIDDEN, INFO),
            CRIT,
            "91403/forbidden x1: 将机器人加入目标多维表，并授予相应权限",
        ),
        (
            (SECRET,),
            CRIT,
            "app secret invalid/获取访问令牌失败 x1: 检查 FeishuConfig.app_id/app_secret",
        ),
        ((INFO, RATE), WARN, "1 rate-limit errors (1 > 0): 调整 batch_size、rate_limit_delay"),
        ((RATE, RATE, RATE), CRIT, "3 rate-limit errors (3 > 2)"),
        (
            (RATE, FORBIDDEN.replace("91403 msg=Forbidden", "403 msg=FORBIDDEN")),
            CRIT,
            "91403/forbidden x1",
        ),
    ],
)
def test_known_failures_with_their_remedies(
    lines: tuple[str, ...], verdict: Verdict, text: str
) -> None:
    obs = LogObservation("/opt/datasync/logs/xtf_bitable_20261125.log", lines)
    assert_result(log.evaluate(make_case(XTF), obs), verdict, text)


def test_known_and_counted_are_validated() -> None:
    with pytest.raises(ValueError, match="match: not a regular expression"):
        make_case(XTF | {"counted": [{"name": "x", "match": "(", "count": {"warn": "> 0"}}]})
    with pytest.raises(ValueError, match="give success, failure, known or counted"):
        make_case({"kind": "log", "name": "x", "path": "/l"})
