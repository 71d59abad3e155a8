"""s3_backup: runbook 000 part 3, ``mc mirror`` / ``mc diff``: an incremental mirror of a MinIO
bucket into a backup directory on the runner, a diff by name, size and content that must be
empty, and a restore drill into a scratch S3 server followed by the same diff. The work is the
action's (:mod:`xunjian.actions.s3_backup`, rclone); this module words it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from xunjian.actions.progress import size
from xunjian.actions.s3_report import S3Report
from xunjian.checks.backup_spec import GRACE, BackupCheck
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import SecretRef, Url
from xunjian.inventory.secrets import SECRETS
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError, Result, Verdict

ORDER = 90


class S3BackupCheck(BackupCheck):
    kind: Literal["s3_backup"]
    endpoint: Url
    access_key: str
    secret_key: SecretRef
    bucket: str = Field(min_length=3, max_length=63)
    provider: Literal["Minio", "SeaweedFS", "Ceph", "Other"] = Field(
        "Minio", description="the S3 server, as rclone names it"
    )


SPEC = S3BackupCheck


def _spec(case: CheckCase) -> S3BackupCheck:
    return spec_of(case, S3BackupCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    drill = "restores into a scratch S3 server with the same diff empty"
    if spec.action == "verify":
        return (
            f"the mirror of {spec.bucket} in {spec.backup_dir} still equals the bucket and {drill}"
        )
    return (
        f"{spec.bucket} mirrored into {spec.backup_dir}/current (only what changed), its diff "
        f"by name, size and content empty, and the mirror {drill}; the last {spec.keep} "
        "generations of replaced or deleted objects kept"
    )


def budget(case: CheckCase) -> float:
    return _spec(case).time_limit + GRACE


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return {urlsplit(_spec(case).endpoint).hostname or ""}


def observe(case: CheckCase) -> S3Report:
    from xunjian.actions import CannotStart, clock, s3_backup  # the lab's recipes: on use
    from xunjian.actions.progress import Progress
    from xunjian.actions.rclone import Remote

    spec = _spec(case)
    source = Remote(
        "SRC",
        spec.endpoint.rstrip("/"),
        spec.access_key,
        SECRETS.resolve(spec.secret_key),
        spec.provider,
    )
    try:
        return s3_backup.run(
            source,
            spec.bucket,
            Path(spec.backup_dir),
            spec.keep,
            spec.action,
            clock.Deadline(spec.time_limit, f"{spec.kind} {case.id}"),
            Progress(f"{case.id} {spec.action}"),
        )
    except CannotStart as e:
        raise ObservationError(str(e)) from None


def evaluate(case: CheckCase, report: S3Report) -> Result:
    exp = expected(case)
    details = _details(report)
    problems = report.problems()
    objects, total = report.mirrored or (0, 0)
    if problems:
        return Result.crit(
            exp, f"mirror of {report.bucket}: not proven", "; ".join(problems), details
        )
    moved = report.mirror
    sent = f"{moved.objects} transferred ({size(moved.bytes)}), " if moved else ""
    actual = (
        f"{report.bucket}: {objects} objects, {size(total)} in the mirror; {sent}"
        f"diff empty; restored into a scratch S3 server with the diff empty"
    )
    return Result(Verdict.OK, exp, actual, "", details)


def _details(report: S3Report) -> tuple[str, ...]:
    source, mirrored = report.source or (0, 0), report.mirrored or (0, 0)
    moved, restored = report.mirror, report.restore
    figures = {
        "objects": source[0],
        "bytes": source[1],
        "mirror_objects": mirrored[0],
        "mirror_bytes": mirrored[1],
        "transferred_objects": moved.objects if moved else 0,
        "transferred_bytes": moved.bytes if moved else 0,
        "superseded_objects": moved.superseded if moved else 0,
        "restored_objects": restored.objects if restored else 0,
        "restored_bytes": restored.bytes if restored else 0,
        **{f"{k.replace(' ', '_')}_s": v for k, v in report.seconds.items()},
    }
    lines = ["figures: " + " ".join(f"{k}={v}" for k, v in figures.items())]
    for label, diff in (("diff", report.diff), ("restore diff", report.restore_diff)):
        if diff is not None:
            lines.append(
                f"{label}: {diff.same} equal, {len(diff.only_in_first)} missing, "
                f"{len(diff.differ)} differing, {len(diff.only_in_second)} extra, "
                f"{len(diff.errors)} unreadable"
            )
    if report.superseded:
        lines.append(f"superseded generations kept: {', '.join(report.superseded)}")
    if report.deleted:
        lines.append(f"superseded generations deleted: {', '.join(report.deleted)}")
    return tuple(lines)
