"""Keeping the last N proven backups: which to delete, decided from names alone (they sort by
the time they were taken), and only ever after a newer backup has been proven."""

from __future__ import annotations

from collections.abc import Sequence


def surplus(proven: Sequence[str], keep: int) -> list[str]:
    """The proven backups beyond the newest ``keep``, oldest first.

    >>> surplus(["db-20260101T000000Z", "db-20260115T000000Z", "db-20260129T000000Z"], 2)
    ['db-20260101T000000Z']
    """
    if keep < 1:
        raise ValueError(f"keep is {keep}: at least the newest proven backup is kept")
    ordered = sorted(proven)
    return ordered[: max(0, len(ordered) - keep)]


def stale(unproven: Sequence[str], newest_proven: str) -> list[str]:
    """Backups that failed their proof and are older than a proven one: kept until then for
    a look at what went wrong, and of no use after."""
    return sorted(name for name in unproven if name < newest_proven)
