"""Which checks a run takes beyond -m and --system/--host: ``--due`` (what is due today)."""

from __future__ import annotations

from pathlib import Path

from xunjian.due import due_cadences, parse_today, today_in_shanghai
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.settings import Settings


def due_cases(
    cases: list[CheckCase], settings: dict[Path, Settings], today: str | None, path: Path
) -> list[CheckCase]:
    """The cases whose cadence is due on ``today`` (``--today``; default: today in Shanghai),
    by the biweekly anchor of each case's own inventory."""
    try:
        day = parse_today(today) if today else today_in_shanghai()
    except ValueError as e:
        raise InventoryError("--today", [str(e)]) from None
    out: list[CheckCase] = []
    for case in cases:
        schedule = settings[case.inventory].schedule if case.inventory in settings else None
        if case.cadence == "biweekly" and schedule is None:
            raise InventoryError(
                case.inventory,
                [
                    "schedule.biweekly_anchor: --due needs it for the biweekly checks "
                    f"(e.g. {case.id}): a Friday on which they are due"
                ],
            )
        if schedule is None:
            due = frozenset({"daily", "weekly"} if day.weekday() == 0 else {"daily"})
        else:
            due = due_cadences(day, schedule.biweekly_anchor)
        if case.cadence in due:
            out.append(case)
    return out
