"""Check kinds, one module each, registered by name and imported lazily (as testinfra does).

Each module offers ``observe(case) -> observation`` (may raise ObservationError) and a pure
``evaluate(case, observation) -> Result``, plus ``expected(case) -> str`` for UNKNOWN results.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from xunjian.inventory import CheckCase
from xunjian.outcome import clean
from xunjian.result import ObservationError, Result

KINDS: dict[str, str] = {
    "port": "xunjian.checks.port",
    "process": "xunjian.checks.process",
    "sql": "xunjian.checks.sql",
    "log": "xunjian.checks.log",
    "http": "xunjian.checks.http",
    "s3": "xunjian.checks.s3",
}


def module(kind: str) -> ModuleType:
    try:
        return importlib.import_module(KINDS[kind])
    except KeyError:
        raise ValueError(f"unknown check kind {kind!r}; known: {', '.join(KINDS)}") from None


def run(case: CheckCase) -> Result:
    """Observe, then evaluate; an observation that could not be made is UNKNOWN, never a crash."""
    mod = module(case.kind)
    try:
        observation = mod.observe(case)
    except ObservationError as e:
        return Result.unknown(mod.expected(case), str(e))
    except Exception as e:  # a library's surprise is a verdict, not a traceback with arguments
        return Result.unknown(mod.expected(case), f"{type(e).__name__}: {clean(str(e))[:200]}")
    result: Result = mod.evaluate(case, observation)
    return result
