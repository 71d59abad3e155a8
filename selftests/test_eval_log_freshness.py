"""log: decide: newest (the newest marker line decides) and max_age (the file's age by the
host's clock), pure evaluation, accept and reject tables."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import log
from xunjian.checks.log import LogObservation
from xunjian.observe.facts import FileStat
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN
PATH = "/usr/local/Thqh/rsyncData/rsync_log/rsync_data.log"
BASE: dict[str, Any] = {
    "kind": "log",
    "name": "rsync-log",
    "path": PATH,
    "success": "传输成功",
    "failure": ["传输失败", "rsync error:"],
}
NEWEST = BASE | {"decide": "newest"}
DAY = 86400


def lines(*text: str) -> tuple[str, ...]:
    return tuple(text)


def stat(age: int) -> FileStat:
    return FileStat("regular file", 2048, 1_700_000_000 - age, 1_700_000_000)


@pytest.mark.parametrize(
    ("spec", "seen", "verdict", "text"),
    [
        pytest.param(
            NEWEST,
            lines("传输失败 a", "传输成功 b"),
            OK,
            "传输成功 b",
            id="newest-success-after-failure",
        ),
        pytest.param(
            BASE, lines("传输失败 a", "传输成功 b"), CRIT, "传输失败 a", id="any-failure-in-tail"
        ),
        pytest.param(
            NEWEST,
            lines("传输成功 a", "rsync error: code 23"),
            CRIT,
            "the newest marker is a failure",
            id="newest-is-rsync-error",
        ),
        pytest.param(
            BASE,
            lines("传输成功 a", "rsync error: code 23"),
            CRIT,
            "rsync error",
            id="any-rsync-error",
        ),
        pytest.param(
            NEWEST,
            lines("传输成功 a", "sending incremental file list"),
            OK,
            "sending incremental",
            id="mid-transfer-after-success",
        ),
        pytest.param(NEWEST, lines("nothing marked"), CRIT, "no '传输成功'", id="no-marker"),
        pytest.param(
            NEWEST | {"success": None}, lines("fine", "传输失败"), CRIT, "newest", id="failure-only"
        ),
        pytest.param(NEWEST | {"success": None}, lines("fine"), OK, "fine", id="failure-only-ok"),
    ],
)
def test_newest_marker(
    spec: dict[str, Any], seen: tuple[str, ...], verdict: Verdict, text: str
) -> None:
    case = make_case(spec)
    assert_result(log.evaluate(case, LogObservation(PATH, seen)), verdict, text)


@pytest.mark.parametrize(
    ("max_age", "age", "verdict", "text"),
    [
        pytest.param("36h", 3600, OK, "last line", id="fresh"),
        pytest.param("36h", 36 * 3600, OK, "last line", id="exactly-36h-is-not-above"),
        pytest.param("36h", 36 * 3600 + 1, CRIT, "last written 36.0 h ago", id="just-past"),
        pytest.param("36h", 7 * DAY, CRIT, "last written 7.0 d ago", id="week-old-with-success"),
        pytest.param(
            {"warn": "> 26 h", "crit": "> 2 d"}, 30 * 3600, WARN, "30.0 h", id="warn-band"
        ),
        pytest.param({"warn": "> 26 h", "crit": "> 2 d"}, 3 * DAY, CRIT, "3.0 d", id="crit-band"),
    ],
)
def test_max_age(max_age: Any, age: int, verdict: Verdict, text: str) -> None:
    case = make_case(BASE | {"max_age": max_age})
    obs = LogObservation(PATH, lines("传输成功 ok"), stat(age))
    assert_result(log.evaluate(case, obs), verdict, text)


def test_a_failure_outweighs_a_stale_file() -> None:
    case = make_case(BASE | {"max_age": "36h"})
    obs = LogObservation(PATH, lines("传输失败 x"), stat(7 * DAY))
    assert_result(log.evaluate(case, obs), CRIT, "传输失败")


def test_an_unobserved_age_is_unknown_not_ok() -> None:
    case = make_case(BASE | {"max_age": "36h"})
    assert_result(log.evaluate(case, LogObservation(PATH, lines("传输成功"))), UNKNOWN, "age")


def test_max_age_needs_a_time_unit() -> None:
    with pytest.raises(Exception, match="an age needs a time unit"):
        make_case(BASE | {"max_age": {"crit": "> 5 MiB"}})


def test_expected_text_names_the_rule_and_the_age() -> None:
    assert log.expected(make_case(NEWEST | {"max_age": "36h"})) == (
        "the last 40 lines end (newest of '传输成功' / '传输失败' / 'rsync error:') in '传输成功'; "
        "file age CRIT if > 36 h"
    )
