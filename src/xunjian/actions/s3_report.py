"""What an S3 backup run reports, and whether it proves the mirror: pure, so that the action
(deciding what to keep) and the ``s3_backup`` check (wording its verdict) judge alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from xunjian.actions.rclone import Diff, Transfer

SHOWN = 5  # names listed per kind of difference


@dataclass(frozen=True)
class S3Report:
    action: str  # backup: mirror, diff, drill; verify: diff and drill the mirror as it is
    bucket: str
    source: tuple[int, int] | None = None  # (objects, bytes) in the bucket
    mirror: Transfer | None = None  # this run's incremental transfer
    diff: Diff | None = None  # the bucket against the mirror
    mirrored: tuple[int, int] | None = None  # (objects, bytes) in the mirror
    restore: Transfer | None = None  # the mirror copied into the scratch server
    restore_diff: Diff | None = None  # the mirror against the restored bucket
    seconds: Mapping[str, float] = field(default_factory=dict)
    superseded: tuple[str, ...] = ()  # generations of replaced or deleted objects kept
    deleted: tuple[str, ...] = ()  # generations deleted by retention
    error: str | None = None

    def problems(self) -> list[str]:
        if self.error:
            return [self.error]
        found = _diff_problems(self.diff, "the bucket", "the backup")
        found += _diff_problems(self.restore_diff, "the backup", "the restored copy")
        if self.restore and self.restore.errors:
            found.append(f"the restore drill counted {self.restore.errors} error(s)")
        return found

    @property
    def proven(self) -> bool:
        return not self.problems()


def _names(names: Sequence[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def _diff_problems(diff: Diff | None, first: str, second: str) -> list[str]:
    if diff is None:
        return [f"{first} was not compared with {second}"]
    found = []
    if diff.only_in_first:
        found.append(
            f"{len(diff.only_in_first)} object(s) of {first} missing from {second}: "
            f"{_names(diff.only_in_first)}"
        )
    if diff.differ:
        found.append(
            f"{len(diff.differ)} object(s) differ between {first} and {second} "
            f"(size or content): {_names(diff.differ)}"
        )
    if diff.only_in_second:
        found.append(
            f"{len(diff.only_in_second)} object(s) in {second} that {first} does not "
            f"hold: {_names(diff.only_in_second)}"
        )
    if diff.errors:
        found.append(f"{len(diff.errors)} object(s) could not be compared: {_names(diff.errors)}")
    return found
