"""availability: the share of recent runs in which a service's checks all held, read from the
run history (runbook 002 §2.1: 系统可用性, "as seen by the checks", beside the access log's
view). A run counts as available when none of the matched checks failed (CRIT or UNKNOWN);
WARN still serves.

    - {step: "2.1", kind: availability, name: api-seen-by-checks, window: 7d,
       checks: ["mindguard-api-*"], value: {warn: "< 99.5 %", crit: "< 99 %"}, min_runs: 5}

``checks`` are globs on check ids (the test ids' inner part). The history is the run's
(``--history``, else the first inventory's ``history.path``); this run is not in it yet. Fewer
than ``min_runs`` runs in the window is WARN "too few runs to judge": never a silent OK.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.duration import Duration, seconds
from xunjian.checks.spec import spec_of
from xunjian.history import memo
from xunjian.history.store import HistoryError
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, NonEmpty
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 95


class AvailabilityCheck(CheckBase):
    kind: Literal["availability"]
    name: Ident
    checks: list[NonEmpty] = Field(min_length=1, description="globs on check ids, e.g. 'api-*'")
    window: Duration = "7d"
    value: Threshold = Field(description='limits on the share, e.g. {crit: "< 99 %"}')
    min_runs: int = Field(5, ge=1, description="fewer runs in the window: WARN, not judged")

    @model_validator(mode="after")
    def _percent(self) -> AvailabilityCheck:
        if self.value.family != "percent":
            raise ValueError('value takes percentages, e.g. {warn: "< 99.5 %", crit: "< 99 %"}')
        return self


SPEC = AvailabilityCheck


@dataclass(frozen=True)
class RunVerdicts:
    """Per past run in the window: the verdicts of the matched checks, oldest run first."""

    runs: tuple[tuple[int, tuple[Verdict, ...]], ...]
    checks: frozenset[str]  # the check ids matched


def _spec(case: CheckCase) -> AvailabilityCheck:
    return spec_of(case, AvailabilityCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return (
        f"runs of {', '.join(spec.checks)} in the last {spec.window} without a failure: "
        + threshold.describe(spec.value)
    )


def budget(case: CheckCase) -> float:
    return case.timeout


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase, now: datetime | None = None) -> RunVerdicts:
    spec = _spec(case)
    history = memo.current()
    if history is None:
        raise ObservationError("this run keeps no history (no history file)")
    since = (now or datetime.now(UTC)) - timedelta(seconds=seconds(spec.window))
    try:
        rows = history.results_since(since)
    except HistoryError as e:
        raise ObservationError(str(e)) from None
    matched = {  # never itself: its own verdicts would feed back into the share
        c
        for _, c, _ in rows
        if c != case.id and any(fnmatch.fnmatchcase(c, g) for g in spec.checks)
    }
    runs: dict[int, list[Verdict]] = {}
    for run_id, check_id, verdict in rows:
        if check_id in matched:
            runs.setdefault(run_id, []).append(verdict)
    return RunVerdicts(tuple((r, tuple(v)) for r, v in sorted(runs.items())), frozenset(matched))


def evaluate(case: CheckCase, seen: RunVerdicts) -> Result:
    spec = _spec(case)
    exp = expected(case)
    n = len(seen.runs)
    if n < spec.min_runs:
        return Result.warn(
            exp,
            f"{n} run(s) of {len(seen.checks)} matching check(s) in the last {spec.window}",
            f"too few runs to judge (fewer than {spec.min_runs})",
        )
    up = sum(1 for _, verdicts in seen.runs if not any(v.fails for v in verdicts))
    share = Decimal(100 * up) / Decimal(n)
    actual = f"{threshold.fmt(share, '%')} ({up} of {n} runs, {len(seen.checks)} checks)"
    band = threshold.judge(spec.value, share, "%")
    failed = [str(r) for r, verdicts in seen.runs if any(v.fails for v in verdicts)]
    details = (f"runs with a failure: {', '.join(failed[-12:])}",) if failed else ()
    if band.verdict is Verdict.OK:
        return Result.ok(exp, actual)
    return Result(band.verdict, exp, actual, f"availability {band.message}", details)
