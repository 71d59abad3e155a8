"""Running one check: gather its host's facts (once per host), observe within a deadline,
evaluate. UNKNOWN is for what could not be observed; an exception from xunjian's own code is
not a verdict: it propagates, and the run ends with exit 3 (see :mod:`xunjian.plugin`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from xunjian.checks.registry import module
from xunjian.inventory.case import CheckCase
from xunjian.observe import deadline
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result

_PLAN: dict[str, list[CheckCase]] = {}  # probe key -> the run's selected cases on that machine
_GATHERED: dict[str, Future[None]] = {}  # probe key -> its gathering, running or done
_LOCK = threading.Lock()
AHEAD = 4  # machines whose facts are gathered in the background while a check runs
_POOL = ThreadPoolExecutor(max_workers=AHEAD, thread_name_prefix="xunjian-ahead")


def plan(cases: Iterable[CheckCase]) -> None:
    """The run's selected cases: a host's first check gathers the facts of all of them."""
    with _LOCK:
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


def _gather_now(case: CheckCase) -> None:
    facts = [f for c in _PLAN.get(case.probe_key, [case]) for f in _facts(c)]
    if facts:
        probe_for(case).gather(facts)


def _start(case: CheckCase, background: bool) -> Future[None]:
    """The machine's gathering: started now (in the background, or here) unless it was."""
    with _LOCK:
        running = _GATHERED.get(case.probe_key)
        if running is not None:
            return running
        if background:
            future = _POOL.submit(_gather_now, case)
        else:
            future = Future()
        _GATHERED[case.probe_key] = future
    if not background:
        try:
            _gather_now(case)
            future.set_result(None)
        except BaseException as e:  # handed to every check of the machine
            future.set_exception(e)
    return future


def gather(case: CheckCase) -> None:
    """Before a machine's first host-side check: every planned fact of it in one round trip
    (or wait for the one the background started). Bounded by the probe's and queries' own
    deadlines."""
    _start(case, background=False).result()


def ahead(upcoming: Iterable[CheckCase]) -> None:
    """Start gathering the next machines' facts in the background, so that their round trips
    overlap the checks running now (at most :data:`AHEAD` machines at a time)."""
    with _LOCK:
        started = sum(not f.done() for f in _GATHERED.values())
    for case in upcoming:
        if started >= AHEAD:
            return
        with _LOCK:
            known = case.probe_key in _GATHERED
        if not known:
            _start(case, background=True)  # a machine without host facts costs nothing
            started += 1


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
    result = kind.evaluate(case, observation)
    shown = getattr(kind, "report", None)  # optional: a kind that shows its own steps
    if shown is not None:
        shown(case, observation)  # in the test's thread, where Allure files its steps
    return result
