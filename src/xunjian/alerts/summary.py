"""What one run has to say: the input of the digest, independent of pytest and the inventory."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from xunjian.alerts.levels import LEVELS, Level

VerdictName = Literal["OK", "WARN", "CRIT", "UNKNOWN"]
VERDICTS: tuple[VerdictName, ...] = get_args(VerdictName)
PROBLEMS: tuple[VerdictName, ...] = ("CRIT", "UNKNOWN", "WARN")  # in the order a digest lists


@dataclass(frozen=True)
class AlertItem:
    """One check's result as an alert sees it. ``system`` is the display name ("thqh 天启"),
    ``step`` the runbook step id and ``title`` its title; ``history`` an optional phrase such
    as "failing since 2026-11-20 (3 runs)"."""

    check_id: str
    system: str
    host: str
    step: str
    title: str
    verdict: VerdictName
    level: Level
    expected: str = ""
    actual: str = ""
    remedy: str = ""
    history: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(
                f"{self.check_id}: verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}"
            )
        if self.level not in LEVELS:
            raise ValueError(
                f"{self.check_id}: level {self.level!r} is not one of {', '.join(LEVELS)}"
            )


@dataclass(frozen=True)
class RunSummary:
    """Every check of a run (OK ones too, for the counts), the checks that failed last run and
    pass now (``recovered``), where the report is and when the run started."""

    items: tuple[AlertItem, ...]
    started: datetime
    recovered: tuple[AlertItem, ...] = ()
    report_url: str = ""
    inventories: tuple[str, ...] = ()

    def problems(self) -> list[AlertItem]:
        """The items that are not OK: CRIT, then UNKNOWN, then WARN; within a verdict, by system
        and step, each in the order it first appears."""
        systems: dict[str, int] = {}
        steps: dict[tuple[str, str], int] = {}
        for i in self.items:
            systems.setdefault(i.system, len(systems))
            steps.setdefault((i.system, i.step), len(steps))
        return sorted(
            (i for i in self.items if i.verdict != "OK"),
            key=lambda i: (PROBLEMS.index(i.verdict), systems[i.system], steps[i.system, i.step]),
        )

    def counts(self) -> Counter[str]:
        """Items per verdict."""
        return Counter(i.verdict for i in self.items)

    def only(self, levels: frozenset[Level]) -> RunSummary:
        """The same run restricted to the items (and recovered items) of ``levels``."""
        return RunSummary(
            items=tuple(i for i in self.items if i.level in levels),
            started=self.started,
            recovered=tuple(i for i in self.recovered if i.level in levels),
            report_url=self.report_url,
            inventories=self.inventories,
        )
