"""What is due on a date: a four-week table, the anchor's rules, Shanghai's today, ``--today``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import get_args

import pytest

from xunjian.due import CADENCES, WEEKDAYS, due_cadences, parse_today, today_in_shanghai
from xunjian.inventory.fields import Cadence

ANCHOR = date(2025, 1, 10)  # a Friday: biweekly on 01-10, 01-24, 02-07 ... and 12-27, 12-13 ...
D, DW, DB = {"daily"}, {"daily", "weekly"}, {"daily", "biweekly"}

FOUR_WEEKS = [
    ("2025-01-06", "Monday", DW),
    ("2025-01-07", "Tuesday", D),
    ("2025-01-08", "Wednesday", D),
    ("2025-01-09", "Thursday", D),
    ("2025-01-10", "Friday", DB),  # the anchor itself
    ("2025-01-11", "Saturday", D),
    ("2025-01-12", "Sunday", D),
    ("2025-01-13", "Monday", DW),
    ("2025-01-14", "Tuesday", D),
    ("2025-01-15", "Wednesday", D),
    ("2025-01-16", "Thursday", D),
    ("2025-01-17", "Friday", D),  # odd week
    ("2025-01-18", "Saturday", D),
    ("2025-01-19", "Sunday", D),
    ("2025-01-20", "Monday", DW),
    ("2025-01-21", "Tuesday", D),
    ("2025-01-22", "Wednesday", D),
    ("2025-01-23", "Thursday", D),
    ("2025-01-24", "Friday", DB),
    ("2025-01-25", "Saturday", D),
    ("2025-01-26", "Sunday", D),
    ("2025-01-27", "Monday", DW),
    ("2025-01-28", "Tuesday", D),
    ("2025-01-29", "Wednesday", D),
    ("2025-01-30", "Thursday", D),
    ("2025-01-31", "Friday", D),
    ("2025-02-01", "Saturday", D),
    ("2025-02-02", "Sunday", D),
]


def test_the_table_is_four_consecutive_weeks() -> None:
    days = [date.fromisoformat(d) for d, _, _ in FOUR_WEEKS]
    assert days == [days[0] + timedelta(n) for n in range(28)]


@pytest.mark.parametrize(("day", "weekday", "due"), FOUR_WEEKS)
def test_due_cadences(day: str, weekday: str, due: set[str]) -> None:
    today = date.fromisoformat(day)
    assert WEEKDAYS[today.weekday()] == weekday
    assert due_cadences(today, ANCHOR) == due
    # any anchor an even number of weeks away, before or after, names the same Fridays
    for weeks in (-52, -2, 2, 104):
        assert due_cadences(today, ANCHOR + timedelta(weeks=weeks)) == due
    # and one an odd number of weeks away the other Fridays
    flipped = due ^ {"biweekly"} if weekday == "Friday" else due
    assert due_cadences(today, ANCHOR + timedelta(weeks=-3)) == flipped


@pytest.mark.parametrize(
    ("day", "due"),
    [
        ("2024-12-27", DB),
        ("2024-12-20", D),
        ("2023-01-13", DB),
        ("2023-01-20", D),
    ],  # 104, 103 weeks
)
def test_before_the_anchor(day: str, due: set[str]) -> None:
    assert due_cadences(date.fromisoformat(day), ANCHOR) == due


def test_cadences_are_the_inventorys() -> None:
    assert CADENCES == get_args(Cadence)


@pytest.mark.parametrize(
    ("anchor", "weekday"),
    [
        ("2025-01-06", "Monday"),
        ("2025-01-07", "Tuesday"),
        ("2025-01-08", "Wednesday"),
        ("2025-01-09", "Thursday"),
        ("2025-01-11", "Saturday"),
        ("2025-01-12", "Sunday"),
    ],
)
def test_anchor_must_be_a_friday(anchor: str, weekday: str) -> None:
    with pytest.raises(ValueError) as e:
        due_cadences(date(2025, 1, 10), date.fromisoformat(anchor))
    assert str(e.value) == f"biweekly anchor {anchor} is a {weekday}, not a Friday"


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (datetime(2025, 1, 9, 17, 0, tzinfo=UTC), date(2025, 1, 10)),  # Thursday in UTC: Friday
        (datetime(2025, 1, 9, 15, 59, 59, tzinfo=UTC), date(2025, 1, 9)),
        (datetime(2025, 1, 9, 16, 0, tzinfo=UTC), date(2025, 1, 10)),  # Shanghai's midnight
        (datetime(2025, 1, 10, 8, 0, tzinfo=timezone(timedelta(hours=8))), date(2025, 1, 10)),
        (datetime(2025, 1, 9, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2025, 1, 10)),
    ],
)
def test_today_in_shanghai(now: datetime, today: date) -> None:
    assert today_in_shanghai(now) == today


def test_today_in_shanghai_now() -> None:
    before = today_in_shanghai(datetime.now(UTC))
    assert today_in_shanghai() in (before, before + timedelta(days=1))
    with pytest.raises(ValueError, match="2025-01-09T17:00:00 has no timezone"):
        today_in_shanghai(datetime(2025, 1, 9, 17))


def test_a_utc_thursday_evening_is_a_biweekly_friday() -> None:
    today = today_in_shanghai(datetime(2025, 1, 23, 17, 0, tzinfo=UTC))
    assert due_cadences(today, ANCHOR) == DB


@pytest.mark.parametrize("text", ["2025-01-10", "2024-02-29", "1999-12-31"])
def test_parse_today(text: str) -> None:
    assert parse_today(text).isoformat() == text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "--today '': expected a date as YYYY-MM-DD, e.g. 2025-01-10"),
        ("today", "--today 'today': expected a date as YYYY-MM-DD"),
        ("2025-1-10", "--today '2025-1-10': expected a date as YYYY-MM-DD"),
        ("20250110", "--today '20250110': expected a date as YYYY-MM-DD"),
        ("2025-W02-5", "--today '2025-W02-5': expected a date as YYYY-MM-DD"),
        ("2025-01-10T00:00", "--today '2025-01-10T00:00': expected a date as YYYY-MM-DD"),
        (" 2025-01-10", "--today ' 2025-01-10': expected a date as YYYY-MM-DD"),
        ("２０２５-01-10", "--today '２０２５-01-10': expected a date as YYYY-MM-DD"),
        ("2025-02-30", "--today '2025-02-30': not a date (day is out of range for month)"),
        ("2025-13-01", "--today '2025-13-01': not a date (month must be in 1..12)"),
    ],
)
def test_parse_today_rejects(text: str, said: str) -> None:
    with pytest.raises(ValueError) as e:
        parse_today(text)
    assert str(e.value).startswith(said)
