"""mysql_backup: runbook 000 part 3, 转储 SQL: a consistent dump of a MySQL/MariaDB database
into a backup directory on the runner, proven by a restore into a scratch MariaDB whose every
table has the row count and checksum of the source's snapshot; the last ``keep`` proven dumps
kept. The work is the action's (:mod:`xunjian.actions.mysql_backup`); this module words it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from xunjian.actions.mysql_report import MysqlReport
from xunjian.actions.progress import size
from xunjian.checks.backup_spec import GRACE, BackupCheck
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import AnyDatabase, MysqlDatabase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError, Result, Verdict

ORDER = 80


class MysqlBackupCheck(BackupCheck):
    kind: Literal["mysql_backup"]
    db: str = Field(description="a key of the host's databases (engine mysql): what is dumped")

    def databases(self) -> list[str]:
        return [self.db]

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        db = databases.get(self.db)
        if db is None or isinstance(db, MysqlDatabase):
            return []
        return [f"db: database {self.db!r} is {db.engine}: mysql_backup dumps MySQL or MariaDB"]


SPEC = MysqlBackupCheck


def _spec(case: CheckCase) -> MysqlBackupCheck:
    return spec_of(case, MysqlBackupCheck)


def _database(case: CheckCase) -> MysqlDatabase:
    db = case.host.databases[_spec(case).db]
    if not isinstance(db, MysqlDatabase):
        raise TypeError(f"{case.id}: database {_spec(case).db!r} is {db.engine}, not mysql")
    return db


def expected(case: CheckCase) -> str:
    spec, name = _spec(case), _database(case).database
    proof = "restores into a scratch MariaDB with every table's rows and checksum"
    if spec.action == "verify":
        return f"the newest proven dump of {name} in {spec.backup_dir} still {proof} as dumped"
    return (
        f"a consistent dump of {name} in {spec.backup_dir} that {proof} equal to the source's "
        f"snapshot; the last {spec.keep} proven dumps kept"
    )


def budget(case: CheckCase) -> float:
    return _spec(case).time_limit + GRACE


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return set()  # the database's address is the guard's to check, for every kind alike


def observe(case: CheckCase) -> MysqlReport:
    from xunjian.actions import CannotStart, clock, mysql_backup  # the lab's recipes: on use
    from xunjian.actions.mysql_source import Source
    from xunjian.actions.progress import Progress

    spec, db = _spec(case), _database(case)
    source = Source(
        db.host or case.host.address,
        db.port,
        db.user,
        SECRETS.resolve(db.password),
        db.database,
        case.timeout,
    )
    try:
        return mysql_backup.run(
            source,
            Path(spec.backup_dir),
            spec.keep,
            spec.action,
            clock.Deadline(spec.time_limit, f"{spec.kind} {case.id}"),
            Progress(f"{case.id} {spec.action}"),
        )
    except CannotStart as e:
        raise ObservationError(str(e)) from None


def evaluate(case: CheckCase, report: MysqlReport) -> Result:
    exp = expected(case)
    details = _details(report)
    problems = report.problems()
    if problems:
        actual = f"{report.name or 'no dump'}: not proven"
        return Result.crit(exp, actual, "; ".join(problems), details)
    src = report.source
    tables, rows = (len(src.tables), src.rows) if src else (0, 0)
    actual = (
        f"{report.name}: {tables} tables, {rows} rows, {(report.found or (0, ''))[0]} bytes; "
        f"restored into a scratch {report.scratch_server} with equal figures"
    )
    return Result(Verdict.OK, exp, actual, "", details)


def _details(report: MysqlReport) -> tuple[str, ...]:
    src, got = report.source, report.restored
    file_bytes = (report.found or report.recorded or (0, ""))[0]
    figures = {
        "tables": len(src.tables) if src else 0,
        "rows": src.rows if src else 0,
        "restored_rows": got.rows if got else 0,
        "bytes": file_bytes,
        "sql_bytes": report.raw_bytes,
        **{f"{k.replace(' ', '_')}_s": v for k, v in report.seconds.items()},
    }
    lines = ["figures: " + " ".join(f"{k}={v}" for k, v in figures.items())]
    lines.append(f"file: {report.name} ({size(file_bytes)}, {size(report.raw_bytes)} of SQL)")
    if report.pause:
        lines.append(f"snapshot: {report.pause}")
    if report.scratch_server:
        lines.append(f"drill: source {report.source_server}, scratch {report.scratch_server}")
    if report.translated:
        lines.append(report.translated)
    for table, fig in sorted(src.tables.items()) if src else ():
        again = got.tables.get(table) if got else None
        seen = f"{again.rows} rows, {again.checksum[:12]}" if again else "not restored"
        lines.append(f"table {table}: {fig.rows} rows, {fig.checksum[:12]} -> {seen}")
    for kind, names in src.objects.items() if src else ():
        if names:
            lines.append(f"{kind}: {', '.join(names)}")
    if report.kept:
        lines.append(f"kept: {', '.join(report.kept)}")
    if report.deleted:
        lines.append(
            f"deleted (older than the {len(report.kept)} kept): {', '.join(report.deleted)}"
        )
    return tuple(lines)
