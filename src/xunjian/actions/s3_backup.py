"""The S3 backup action: mirror a bucket into the backup directory, diff it, prove it by a
restore drill into a scratch S3 server, keep the last N generations of what changed.

In the backup directory: ``current/`` (the mirror: only what changed is transferred),
``superseded/STAMP/`` (what a run would have deleted or overwritten in the mirror: a deletion
on the source never silently erases an older backup) and ``proven.json`` (written when a run's
drill proves the mirror: a daily ``file`` check watches its age). ``verify`` diffs and drills
the mirror as it is, transferring nothing into it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from xunjian.actions import ActionError, CannotStart, lock, manifest, retention
from xunjian.actions.clock import Deadline, Stopwatch, stamp
from xunjian.actions.progress import Progress, size
from xunjian.actions.rclone import Rclone, Remote
from xunjian.actions.s3_report import S3Report
from xunjian.actions.scratch import workdir
from xunjian.actions.scratch_s3 import ScratchS3

CURRENT, SUPERSEDED, PROVEN = "current", "superseded", "proven.json"


def _local_size(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _drill(
    report: S3Report,
    mirror: Path,
    work: Path,
    deadline: Deadline,
    progress: Progress,
    watch: Stopwatch,
) -> S3Report:
    """The mirror copied into a scratch S3 server, then diffed against it."""
    with watch.phase("drill"), ScratchS3(work, deadline) as scratch:
        drill = Rclone([scratch.remote], work, deadline)
        target = scratch.remote.path(report.bucket)
        drill.mkdir(target)
        with watch.phase("restore"):
            copied = drill.copy(mirror, target, progress)
        with watch.phase("restore diff"):
            diff = drill.check(str(mirror), target, work, "restore diff", progress)
    progress.done(f"restored {copied.objects} objects ({size(copied.bytes)}) and compared them")
    return replace(report, restore=copied, restore_diff=diff)


def _keep(report: S3Report, directory: Path, keep: int, run: str) -> S3Report:
    """Proven: ``proven.json`` says so; then, and only then, superseded generations beyond
    ``keep`` go."""
    generations = sorted(p.name for p in (directory / SUPERSEDED).glob("*") if p.is_dir())
    deleted = retention.surplus(generations, keep) if generations else []
    for old in deleted:
        shutil.rmtree(directory / SUPERSEDED / old)
    objects, total = report.mirrored or (0, 0)
    manifest.write(
        directory / PROVEN,
        {
            "format": "xunjian s3 backup 1",
            "bucket": report.bucket,
            "run": run,
            "proven": datetime.now(UTC).isoformat(timespec="seconds"),
            "objects": objects,
            "bytes": total,
            "seconds": dict(report.seconds),
        },
    )
    kept = tuple(g for g in generations if g not in deleted)
    return replace(report, superseded=kept, deleted=tuple(deleted))


def run(
    source: Remote,
    bucket: str,
    directory: Path,
    keep: int,
    action: str,
    deadline: Deadline,
    progress: Progress,
) -> S3Report:
    """Back up (or verify) ``bucket`` of ``source`` in ``directory`` under its lock."""
    if source.writable:
        raise ValueError(f"{source}: the source of a backup is never writable")
    watch = Stopwatch()
    report = S3Report(action, bucket)
    with lock.held(directory):
        work = workdir(directory)
        mirror, run_stamp = directory / CURRENT, stamp()
        try:
            tool = Rclone([source], work, deadline)
            try:
                report = replace(report, source=tool.size(source.path(bucket)))
            except ActionError as e:
                raise CannotStart(f"bucket {bucket} at {source.endpoint}: {e}") from None
            if action == "backup":
                mirror.mkdir(exist_ok=True)  # an empty bucket mirrors to an empty directory
                with watch.phase("mirror"):
                    moved = directory / SUPERSEDED / run_stamp
                    report = replace(
                        report, mirror=tool.sync(source.path(bucket), mirror, moved, progress)
                    )
            elif not mirror.is_dir():
                raise ActionError(f"no mirror of {bucket} in {directory} to verify")
            with watch.phase("diff"):
                diff = tool.check(source.path(bucket), str(mirror), work, "diff", progress)
            report = replace(report, diff=diff, mirrored=_local_size(mirror))
            report = _drill(report, mirror, work, deadline, progress, watch)
            report = replace(report, seconds=dict(watch.seconds))
            if action == "backup" and report.proven:
                report = _keep(report, directory, keep, run_stamp)
        except CannotStart:
            raise
        except ActionError as e:
            report = replace(report, error=str(e))
        except OSError as e:  # the backup disk full or gone
            report = replace(report, error=f"{e.filename or directory}: {e.strerror or e}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return replace(report, seconds=dict(watch.seconds))
