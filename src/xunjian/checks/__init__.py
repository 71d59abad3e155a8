"""Check kinds, one module each, registered by name.

Each module offers ``observe(case) -> observation`` (may raise ObservationError), a pure
``evaluate(case, observation) -> Result``, ``expected(case) -> str`` for UNKNOWN results and
``budget(case) -> float``, the seconds its own time limits allow ``observe``.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from xunjian.checks import http, log, port, process, s3, sql
from xunjian.inventory import CheckCase
from xunjian.observe import deadline
from xunjian.outcome import clean
from xunjian.result import ObservationError, Result

Obs = TypeVar("Obs")


class CheckKind(Protocol[Obs]):
    """What a check kind's module offers (mypy checks each module in KINDS against it)."""

    def expected(self, case: CheckCase) -> str: ...
    def budget(self, case: CheckCase) -> float: ...
    def observe(self, case: CheckCase) -> Obs: ...
    def evaluate(self, case: CheckCase, observation: Obs, /) -> Result: ...


KINDS: dict[str, CheckKind[Any]] = {
    "port": port,
    "process": process,
    "sql": sql,
    "log": log,
    "http": http,
    "s3": s3,
}


def module(kind: str) -> CheckKind[Any]:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown check kind {kind!r}; known: {', '.join(KINDS)}") from None


def run(case: CheckCase) -> Result:
    """Observe within a deadline, then evaluate; an observation that could not be made (in
    time) is UNKNOWN, never a crash or a hang: socket timeouts restart with every byte."""
    mod = module(case.kind)
    try:
        limit = mod.budget(case) + deadline.GRACE
        observation = deadline.call_within(limit, lambda: mod.observe(case))
    except ObservationError as e:
        return Result.unknown(mod.expected(case), str(e))
    except Exception as e:  # a library's surprise is a verdict, not a traceback with arguments
        return Result.unknown(mod.expected(case), f"{type(e).__name__}: {clean(str(e))[:200]}")
    return mod.evaluate(case, observation)
