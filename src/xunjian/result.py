"""The outcome of one check: a verdict with what was expected and what was seen."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.Enum):
    """Nagios-style verdicts. CRIT and UNKNOWN fail a test; WARN passes unless --fail-on-warn."""

    OK = "OK"
    WARN = "WARN"
    CRIT = "CRIT"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(v.value for v in cls)

    @property
    def fails(self) -> bool:
        return self in (Verdict.CRIT, Verdict.UNKNOWN)


@dataclass(frozen=True)
class Result:
    """What a pure ``evaluate`` returns: verdict, expected, actual and a one-line message."""

    verdict: Verdict
    expected: str
    actual: str
    message: str = ""
    details: tuple[str, ...] = field(default_factory=tuple)
    # kept in the run history for this check's next run (xunjian.history.memo); never a secret
    memo: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def ok(cls, expected: str, actual: str, message: str = "") -> Result:
        return cls(Verdict.OK, expected, actual, message)

    @classmethod
    def crit(
        cls, expected: str, actual: str, message: str = "", details: tuple[str, ...] = ()
    ) -> Result:
        return cls(Verdict.CRIT, expected, actual, message, details)

    @classmethod
    def warn(
        cls, expected: str, actual: str, message: str = "", details: tuple[str, ...] = ()
    ) -> Result:
        return cls(Verdict.WARN, expected, actual, message, details)

    @classmethod
    def unknown(cls, expected: str, reason: str) -> Result:
        return cls(Verdict.UNKNOWN, expected, f"could not observe: {reason}", reason)


class ObservationError(Exception):
    """Raised by an observer that could not look at its subject (host unreachable, login refused)."""
