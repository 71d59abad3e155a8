"""What a flow's run saw, call by call: the observer (:mod:`xunjian.observe.flow`) fills these
in, the pure judgement (:mod:`xunjian.checks.flowjudge`) reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOT_JSON = object()  # the ``doc`` of an answer whose body is not JSON


@dataclass(frozen=True)
class Reading:
    """One value a proof query read (a row count, a time), or why it could not be read."""

    value: Any = None
    error: str | None = None
    rows: int = 1  # 0: the query returned no row

    def shown(self) -> str:
        if self.error is not None:
            return "?"
        return "no row" if not self.rows else "NULL" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Proof:
    """A call's effect: the proof query before and after it, the source query before it."""

    before: Reading
    after: Reading
    source: Reading | None = None


@dataclass(frozen=True)
class CallRecord:
    """One step of a flow. ``sent`` False: the call was not made, for ``why``; ``blocker`` names
    the step (or ``credentials``) whose failure stopped it, None for a reason of its own."""

    name: str
    sent: bool
    why: str = ""
    blocker: str | None = None
    status: int | None = None  # None when sent: no answer
    error: str = ""
    timed_out: bool = False
    elapsed_ms: float = 0.0
    doc: Any = NOT_JSON  # the parsed answer, for the judgement; never printed as it is
    excerpt: str = ""  # the body as reports may show it: credentials masked, secrets redacted
    captured: tuple[str, ...] = ()
    capture_problems: tuple[str, ...] = ()
    proof: Proof | None = None

    @classmethod
    def not_run(cls, name: str, why: str, blocker: str | None = None) -> CallRecord:
        return cls(name, False, why, blocker)


@dataclass(frozen=True)
class FlowObservation:
    """Every step's record, in order, and why the credentials could not be had (if so)."""

    calls: tuple[CallRecord, ...]
    credentials_error: str | None = None
