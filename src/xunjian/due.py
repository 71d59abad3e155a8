"""What is due on a date (pure): daily every day, weekly on Mondays, biweekly on every other
Friday, counted from the inventory's anchor Friday; and "today" as Shanghai sees it."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CADENCES = ("daily", "weekly", "biweekly")  # the inventory's Cadence, in the runbook's order
MONDAY, FRIDAY = 0, 4
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def check_anchor(anchor: date) -> date:
    """The anchor itself, if it is a Friday; otherwise ValueError naming the date and its day."""
    if anchor.weekday() != FRIDAY:
        raise ValueError(
            f"biweekly anchor {anchor.isoformat()} is a {WEEKDAYS[anchor.weekday()]}, not a Friday"
        )
    return anchor


def due_cadences(today: date, anchor: date) -> frozenset[str]:
    """The cadences due on ``today``: ``daily`` always; ``weekly`` on a Monday; ``biweekly`` on
    a Friday an even number of weeks from ``anchor`` (a Friday), before or after it."""
    check_anchor(anchor)
    due = {"daily"}
    if today.weekday() == MONDAY:
        due.add("weekly")
    if today.weekday() == FRIDAY and (today - anchor).days % 14 == 0:
        due.add("biweekly")
    return frozenset(due)


def today_in_shanghai(now: datetime | None = None) -> date:
    """The calendar day in Asia/Shanghai at ``now`` (an aware datetime; default: the clock)."""
    if now is None:
        return datetime.now(SHANGHAI).date()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"{now.isoformat()} has no timezone: give an aware datetime")
    return now.astimezone(SHANGHAI).date()


def parse_today(text: str) -> date:
    """A ``--today`` value, ``YYYY-MM-DD``; ValueError naming the value otherwise."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"--today {text!r}: expected a date as YYYY-MM-DD, e.g. 2025-01-10")
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"--today {text!r}: not a date ({e})") from None
