"""Running one check: gather its host's facts (once per host), observe within a deadline,
evaluate. UNKNOWN is for what could not be observed; an exception from xunjian's own code is
not a verdict: it propagates, and the run ends with exit 3 (see :mod:`xunjian.plugin`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xunjian.checks.registry import module
from xunjian.inventory.case import CheckCase
from xunjian.observe import deadline
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result

_PLAN: dict[str, list[CheckCase]] = {}  # probe key -> the run's selected cases on that machine
_GATHERED: set[str] = set()


def plan(cases: Iterable[CheckCase]) -> None:
    """The run's selected cases: a host's first check gathers the facts of all of them."""
    _PLAN.clear()
    _GATHERED.clear()
    for case in cases:
        _PLAN.setdefault(case.probe_key, []).append(case)


def _facts(case: CheckCase) -> list[Fact[Any]]:
    """The facts a case needs; one whose facts cannot be named (a failed path query) names
    none here and meets the same failure again in its own observation."""
    try:
        return list(module(case.kind).facts(case))
    except ObservationError:
        return []


def gather(case: CheckCase) -> None:
    """Before a machine's first host-side check: every planned fact of it in one round trip."""
    key = case.probe_key
    if key in _GATHERED:
        return
    _GATHERED.add(key)
    facts = [f for c in _PLAN.get(key, [case]) for f in _facts(c)]
    if facts:
        probe_for(case).gather(facts)


def run(case: CheckCase) -> Result:
    """Observe within a deadline, then evaluate; an observation that could not be made (in
    time) is UNKNOWN, never a hang: socket timeouts restart with every byte."""
    kind = module(case.kind)
    try:
        if _facts(case):
            gather(case)
        limit = kind.budget(case) + deadline.GRACE
        observation = deadline.call_within(limit, lambda: kind.observe(case))
    except ObservationError as e:
        return Result.unknown(kind.expected(case), str(e))
    return kind.evaluate(case, observation)
