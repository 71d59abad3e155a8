"""schedule: cron semantics (APScheduler 3 vs croniter), last success within the interval plus
grace, 0 rows WARN, disabled tasks quiet (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cases import assert_result, make_case
from test_eval_sql import DBS

from xunjian.checks import crons, schedule
from xunjian.checks.schedule import ScheduleObservation
from xunjian.observe.rows import Rows
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
BJ = ZoneInfo("Asia/Shanghai")
SPEC: dict[str, Any] = {"kind": "schedule", "name": "tasks", "db": "thqh", "query": "SELECT 1",
                        "semantics": "apscheduler", "grace": "10 min", "disabled_quiet": "1 d"}  # fmt: skip
COLUMNS = (
    "id",
    "name",
    "cron",
    "enabled",
    "since",
    "last_success",
    "rows_imported",
    "last_scheduled",
)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=BJ)  # a Wednesday, 09:30 Beijing time


def row(cron: str, enabled: int = 1, last: str | None = "2026-11-25 03:00:01", rows: int | None = 4,
        scheduled: str | None = None, since: str = "2026-01-01 00:00:00") -> tuple[Any, ...]:  # fmt: skip
    at = datetime.fromisoformat(last) if last else None
    return (1, "daily-report", cron, enabled, datetime.fromisoformat(since), at, rows,
            datetime.fromisoformat(scheduled) if scheduled else None)  # fmt: skip


def judge(*rows: tuple[Any, ...], semantics: str = "apscheduler") -> Any:
    case = make_case(SPEC | {"semantics": semantics}, databases=DBS)
    return schedule.evaluate(case, ScheduleObservation(Rows(COLUMNS, tuple(rows), False), NOW))


@pytest.mark.parametrize(
    ("task", "verdict", "text"),
    [
        (row("0 3 * * *"), OK, "all on schedule"),
        (
            row("0 3 * * *", last="2026-11-24 03:00:02"),
            CRIT,
            "last success 2026-11-24 03:00:02, but it was due at 2026-11-25 03:00:00",
        ),
        (row("0 3 * * *", last=None), CRIT, "last success never"),
        (row("0 3 * * *", rows=0), WARN, "imported 0 rows"),
        (
            row("*/5 * * * *", last="2026-11-25 09:20:00"),
            OK,
            "all on schedule",
        ),  # 09:20 is due (09:30 - 10 min)
        (row("*/5 * * * *", last="2026-11-25 09:15:00"), CRIT, "due at 2026-11-25 09:20:00"),
        (
            row("0 3 * * *", last=None, since="2026-11-25 05:00:00"),
            OK,
            "all on schedule",
        ),  # created after 03:00
        (row("61 3 * * *"), CRIT, "is invalid"),
        (row("0 3 * *"), CRIT, "is invalid"),
        (
            row("30 2 * * 0", enabled=0, last=None, scheduled="2026-11-10 02:30:00"),
            OK,
            "all on schedule",
        ),
        (
            row("30 2 * * 0", enabled=0, scheduled="2026-11-25 02:30:00"),
            CRIT,
            "is disabled but its schedule ran it at 2026-11-25 02:30:00",
        ),
        (row("99 * * * *", enabled=0), WARN, "(disabled): cron '99 * * * *' is invalid"),
    ],
)
def test_schedule(task: tuple[Any, ...], verdict: Verdict, text: str) -> None:
    assert_result(judge(task), verdict, text)


def test_day_of_week_0_is_monday_for_apscheduler_and_sunday_for_cron() -> None:
    """APScheduler 3's from_crontab: 0 = Monday (2026-11-23); croniter: 0 = Sunday (11-22)."""
    aps = crons.latest_fire("0 3 * * 0", BJ, "apscheduler", NOW)
    cron = crons.latest_fire("0 3 * * 0", BJ, "cron", NOW)
    assert aps == datetime(2026, 11, 23, 3, 0, tzinfo=BJ)
    assert cron == datetime(2026, 11, 22, 3, 0, tzinfo=BJ)
    # a weekly run made on Monday (APScheduler's reading) is on time only under its semantics
    task = row("0 3 * * 0", last="2026-11-23 03:00:01")
    assert judge(task).verdict is OK
    late = row("0 3 * * 0", last="2026-11-22 03:00:01")
    assert_result(judge(late), CRIT, "due at 2026-11-23 03:00:00")
    assert judge(late, semantics="cron").verdict is OK


def test_fire_times_are_beijing_time() -> None:
    utc_now = datetime(2026, 11, 24, 19, 30, tzinfo=ZoneInfo("UTC"))  # 03:30 Beijing, the 25th
    assert crons.latest_fire("0 3 * * *", BJ, "apscheduler", utc_now) == datetime(
        2026, 11, 25, 3, 0, tzinfo=BJ
    )


def test_every_minute_and_yearly_expressions() -> None:
    assert crons.latest_fire("* * * * *", BJ, "apscheduler", NOW) == NOW
    assert crons.latest_fire("0 0 1 1 *", BJ, "cron", NOW) == datetime(2026, 1, 1, tzinfo=BJ)


def test_a_query_without_the_columns_is_crit() -> None:
    case = make_case(SPEC, databases=DBS)
    result = schedule.evaluate(case, ScheduleObservation(Rows(("id", "cron"), (), False), NOW))
    assert_result(result, CRIT, "the query returns no enabled column")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
        ({"semantics": "quartz"}, "semantics"),
        ({"grace": "soon"}, "grace"),
    ],
)
def test_bad_spec_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_case(SPEC | change, databases=DBS)
