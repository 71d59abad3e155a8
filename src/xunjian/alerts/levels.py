"""Alert levels P0 (wake someone) to P3 (read it tomorrow), and a check's level by default."""

from __future__ import annotations

from typing import get_args

from xunjian.inventory.fields import Level

__all__ = ["LEVELS", "Level", "default_level", "level_of"]
LEVELS: tuple[Level, ...] = get_args(Level)

# The inventory's severities are Allure's (blocker, critical, normal, minor, trivial); the
# words of other trackers (major/high, medium) are read the same way.
_BY_SEVERITY: dict[str, Level] = {
    "blocker": "P0",
    "critical": "P0",
    "major": "P1",
    "high": "P1",
    "normal": "P2",
    "medium": "P2",
    "minor": "P2",
}


def default_level(severity: str) -> Level:
    """The level of a check that names none: blocker and critical are P0, major and high P1,
    normal, medium and minor P2, anything else (trivial, low, an unknown word) P3.

    >>> default_level("critical"), default_level("minor"), default_level("trivial")
    ('P0', 'P2', 'P3')
    """
    return _BY_SEVERITY.get(severity.strip().lower(), "P3")


def level_of(level: str | None, severity: str) -> Level:
    """A check's explicit ``level`` wins; without one, :func:`default_level` of its severity."""
    if level is None:
        return default_level(severity)
    for known in LEVELS:
        if level == known:
            return known
    raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
