"""The MySQL backup action: dump, prove by a restore drill, keep the last N proven dumps.

In the backup directory, per database: ``DB-STAMP.sql.gz.partial`` while dumping,
``DB-STAMP.sql.gz.unproven`` from the end of the dump until the drill proves it (and after, if
it does not), ``DB-STAMP.sql.gz`` once proven, each with ``DB-STAMP.manifest.json`` (sha256,
source figures, times, the proof). A daily ``file`` check with ``newest: DB-*.sql.gz`` sees
only proven dumps. ``verify`` proves the newest proven dump again, writing nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pymysql

from xunjian.actions import ActionError, CannotStart, lock, manifest, mysql_proof, retention
from xunjian.actions.clock import Deadline, Stopwatch, stamp
from xunjian.actions.mysql_dump import argv, dump
from xunjian.actions.mysql_figures import Figures, take
from xunjian.actions.mysql_report import MysqlReport
from xunjian.actions.mysql_restore import restore
from xunjian.actions.mysql_source import Server, Source
from xunjian.actions.mysql_translate import needed
from xunjian.actions.progress import Progress, size
from xunjian.actions.scratch import workdir
from xunjian.actions.scratch_mariadb import ScratchMariaDB

PROVEN, UNPROVEN, PARTIAL = ".sql.gz", ".sql.gz.unproven", ".sql.gz.partial"


def _names(directory: Path, database: str, suffix: str) -> list[str]:
    """Backup names (``DB-STAMP``) of one state, oldest first."""
    found = directory.glob(f"{database}-*{suffix}")
    return sorted(p.name.removesuffix(suffix) for p in found if p.name.endswith(suffix))


def _forget(directory: Path, name: str, suffix: str) -> None:
    (directory / f"{name}{suffix}").unlink(missing_ok=True)
    (directory / f"{name}.manifest.json").unlink(missing_ok=True)


def _new_name(directory: Path, database: str) -> str:
    """``DB-STAMP``, or ``DB-STAMP-2`` ... for a second run within the same second."""
    base = name = f"{database}-{stamp()}"
    n = 1
    while any(directory.glob(f"{name}.*")):
        n += 1
        name = f"{base}-{n}"
    return name


def _dump(
    source: Source,
    directory: Path,
    work: Path,
    deadline: Deadline,
    progress: Progress,
    watch: Stopwatch,
) -> tuple[str, dict[str, Any]]:
    """A new dump, left ``.unproven`` with its manifest: (its name, the manifest)."""
    name = _new_name(directory, source.database)
    partial = directory / f"{name}{PARTIAL}"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with watch.phase("dump"):
            done = dump(source, partial, work, deadline, progress)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    data = {
        "format": "xunjian mysql backup 1",
        "database": source.database,
        "file": f"{name}{PROVEN}",
        "started": started,
        "bytes": done.bytes,
        "sha256": done.sha256,
        "raw_bytes": done.raw_bytes,
        "server": done.server.version,
        "tool": " ".join([done.tool, *argv(done.tool, Path("OPTIONS"), source.database)[2:]]),
        "snapshot": done.pause,
        "seconds": {"dump": watch.seconds["dump"], "figures": done.figures_seconds},
        "figures": done.figures.to_json(),
    }
    manifest.write(directory / f"{name}.manifest.json", data)
    os.replace(partial, directory / f"{name}{UNPROVEN}")
    return name, data


def _prove(
    report: MysqlReport,
    path: Path,
    data: dict[str, Any],
    work: Path,
    deadline: Deadline,
    progress: Progress,
    watch: Stopwatch,
) -> MysqlReport:
    """Read the file back, restore it into a scratch MariaDB, count it there."""
    try:
        recorded = (int(data["bytes"]), str(data["sha256"]))
        source = Figures.from_json(data["figures"])
        source_server = Server(str(data["server"]))
    except (KeyError, TypeError, ValueError) as e:
        raise ActionError(f"manifest of {path.name} is malformed: {e}") from None
    with watch.phase("read back"):
        found = manifest.sha256_file(path, lambda n: progress.show(f"read back {size(n)}"))
    report = replace(
        report, recorded=recorded, found=found, source=source, source_server=source_server.major
    )
    if mysql_proof.file_problems(path.name, recorded, found):  # a damaged file: no drill
        return report
    with watch.phase("drill"), ScratchMariaDB(work, deadline) as scratch:
        scratch_server = scratch.server()
        translate = needed(source_server, scratch_server)
        with watch.phase("restore"):
            restored = restore(path, scratch, translate, deadline, progress)
        report = replace(
            report,
            restore_error=restored.error,
            complete=restored.complete,
            raw_bytes=restored.raw_bytes,
            scratch_server=scratch_server.major,
            translated=restored.translated,
        )
        if restored.error is None:
            with watch.phase("count"):
                conn = scratch.connect()
                try:
                    report = replace(report, restored=take(conn, str(data["database"])))
                finally:
                    conn.close()
    return report


def run(
    source: Source, directory: Path, keep: int, action: str, deadline: Deadline, progress: Progress
) -> MysqlReport:
    """Back up (or verify) ``source`` in ``directory`` under its lock; a report, whatever
    happened after the start (:class:`CannotStart` before it)."""
    watch = Stopwatch()
    report = MysqlReport(action, source.database)
    figures: dict[str, float] = {}  # the source's figures: read alongside the dump
    with lock.held(directory):
        for name in _names(directory, source.database, PARTIAL):  # left by a run that died
            _forget(directory, name, PARTIAL)
        work = workdir(directory)
        try:
            if action == "backup":
                name, data = _dump(source, directory, work, deadline, progress, watch)
                figures["figures"] = float(data["seconds"]["figures"])
                path = directory / f"{name}{UNPROVEN}"
            else:
                proven = _names(directory, source.database, PROVEN)
                if not proven:
                    raise ActionError(f"no proven backup of {source.database} in {directory}")
                name, path = proven[-1], directory / f"{proven[-1]}{PROVEN}"
                data = manifest.read(directory / f"{name}.manifest.json")
            report = replace(report, name=path.name, pause=str(data.get("snapshot", "")))
            report = _prove(report, path, data, work, deadline, progress, watch)
            if action == "backup" and report.proven:
                report = _keep(report, directory, name, data, keep, watch)
        except CannotStart:
            raise
        except ActionError as e:
            report = replace(report, error=str(e))
        except pymysql.MySQLError as e:  # a session lost mid-way, on the source or the drill's
            report = replace(report, error=f"MySQL said: {e.args[-1] if e.args else e!r}")
        except OSError as e:  # the backup disk full or gone
            report = replace(report, error=f"{e.filename or directory}: {e.strerror or e}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return replace(report, seconds=watch.seconds | figures)


def _keep(
    report: MysqlReport,
    directory: Path,
    name: str,
    data: dict[str, Any],
    keep: int,
    watch: Stopwatch,
) -> MysqlReport:
    """Proven: the dump takes its final name, its manifest the proof; then, and only then,
    the oldest proven dumps beyond ``keep`` and older failed ones go."""
    os.replace(directory / f"{name}{UNPROVEN}", directory / f"{name}{PROVEN}")
    data["proof"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scratch": report.scratch_server,
        "rows": report.restored.rows if report.restored else 0,
        "seconds": dict(watch.seconds),
    }
    manifest.write(directory / f"{name}.manifest.json", data)
    proven = _names(directory, report.database, PROVEN)
    deleted = retention.surplus(proven, keep)
    for old in deleted:
        _forget(directory, old, PROVEN)
    for failed in retention.stale(_names(directory, report.database, UNPROVEN), name):
        _forget(directory, failed, UNPROVEN)
    kept = tuple(n for n in proven if n not in deleted)
    return replace(report, name=f"{name}{PROVEN}", kept=kept, deleted=tuple(deleted))
