"""Cron expressions read the way the scheduler that runs them reads them (pure).

- ``apscheduler``: APScheduler 3.x ``CronTrigger.from_crontab`` — five fields, and day-of-week
  0 is **Monday** (APScheduler numbers the week from Monday; its names mon..sun are safe).
- ``cron``: the crontab's own reading (croniter, as Vixie cron) — day-of-week 0 is Sunday.

The same ``0 3 * * 0`` fires on Mondays under one and on Sundays under the other: a check must
evaluate with the service's semantics. Times are aware datetimes in the schedule's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Semantics = Literal["apscheduler", "cron"]
_LOOKBACK = (timedelta(minutes=2), timedelta(hours=2), timedelta(days=2), timedelta(days=40),
             timedelta(days=400), timedelta(days=3000))  # fmt: skip
_STEPS = 200


def next_after(
    expr: str, tz: ZoneInfo, semantics: Semantics
) -> Callable[[datetime], datetime | None]:
    """A function giving the first fire time strictly after a moment; ValueError names what is
    wrong with the expression."""
    if semantics == "apscheduler":
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger.from_crontab(expr, timezone=tz)

        def aps(after: datetime) -> datetime | None:
            fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
            return fire.astimezone(tz) if fire is not None else None

        return aps
    from croniter import croniter

    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise ValueError(f"not a valid five-field cron expression: {expr!r}")

    def classic(after: datetime) -> datetime | None:
        nxt = croniter(expr, after.astimezone(tz)).get_next(datetime)
        return nxt.astimezone(tz) if isinstance(nxt, datetime) else None

    return classic


def validate(expr: str, tz: ZoneInfo, semantics: Semantics) -> str | None:
    """None if ``expr`` is valid under ``semantics``, else why not."""
    try:
        nxt = next_after(expr, tz, semantics)
        if nxt(datetime.now(tz)) is None:
            return "it never fires again"
    except (ValueError, KeyError, TypeError) as e:
        return str(e) or type(e).__name__
    return None


def latest_fire(expr: str, tz: ZoneInfo, semantics: Semantics, now: datetime) -> datetime | None:
    """The last fire time at or before ``now`` (None: none within about eight years)."""
    nxt = next_after(expr, tz, semantics)
    for back in _LOOKBACK:
        fire = nxt(now - back - timedelta(seconds=1))
        if fire is None or fire > now:
            continue
        for _ in range(_STEPS):
            after = nxt(fire)
            if after is None or after > now:
                return fire
            fire = after
        # too many fires in this window: step the window forward to just before now
        fire = nxt(now - back / _STEPS)
        while fire is not None and (after := nxt(fire)) is not None and after <= now:
            fire = after
        return fire if fire is not None and fire <= now else None
    return None
