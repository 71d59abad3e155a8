"""env_backup: runbook 001 §6 环境变量备份 (weekly): the service's variables, read like the
``environ`` kind reads them, backed up as ``env_backup_YYYY-MM-DD.json`` (names, presence,
length, keyed hash; never values) in a directory on the runner, and compared with the previous
backup. The writing is the action's (:mod:`xunjian.actions.env_backup`); this module words it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from xunjian.actions import ActionError, CannotStart
from xunjian.actions import env_backup as action
from xunjian.actions.env_backup import EnvBackupReport
from xunjian.checks import env_source
from xunjian.checks.env_source import EnvName, EnvReading, EnvSourceCheck
from xunjian.checks.spec import spec_of
from xunjian.due import today_in_shanghai
from xunjian.inventory.case import CheckCase
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict

ORDER = 85


class EnvBackupCheck(EnvSourceCheck):
    kind: Literal["env_backup"]
    vars: list[EnvName] = Field(min_length=1, description="the names backed up")
    backup_dir: str = Field(
        pattern=r"^/",
        description="absolute directory on the runner (the machine running xunjian) that "
        "keeps the env_backup_YYYY-MM-DD.json files",
    )
    changes: Literal["OK", "WARN", "CRIT"] = Field(
        "WARN", description="the verdict of a variable changed, vanished or appeared since the "
        "previous backup, or of changes that cannot be told (no key)",
    )  # fmt: skip

    @field_validator("vars")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return names


SPEC = EnvBackupCheck


@dataclass(frozen=True)
class EnvBackupObservation:
    reading: EnvReading
    report: EnvBackupReport | None  # None: nothing was read, or the backup failed (error)
    error: str = ""


def _spec(case: CheckCase) -> EnvBackupCheck:
    return spec_of(case, EnvBackupCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return (
        f"{spec.source()}: {', '.join(spec.vars)} backed up (names, presence, length, keyed "
        f"hash) in {spec.backup_dir}/env_backup_YYYY-MM-DD.json; no change since the previous "
        f"backup ({spec.changes} if any)"
    )


def budget(case: CheckCase) -> float:
    return _spec(case).trips * probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    return env_source.facts(spec, tuple(spec.vars))


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> EnvBackupObservation:
    spec = _spec(case)
    reading = env_source.read(case, spec, tuple(spec.vars))
    if reading.vars is None:
        return EnvBackupObservation(reading, None)
    host = f"{case.host_id} {case.host.address}"
    try:
        report = action.run(Path(spec.backup_dir), today_in_shanghai(), host, reading)
    except CannotStart as e:
        raise ObservationError(str(e)) from None
    except ActionError as e:
        return EnvBackupObservation(reading, None, str(e))
    return EnvBackupObservation(reading, report)


def evaluate(case: CheckCase, obs: EnvBackupObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    reading, report = obs.reading, obs.report
    if reading.vars is None:
        return Result.crit(exp, reading.absent, f"nothing backed up: {reading.absent}")
    if report is None:
        return Result.crit(exp, f"no backup written: {obs.error}", obs.error)
    unset = [n for n in spec.vars if not reading.vars[n].present]
    wrote = f"{report.written.name}: {report.variables} variables from {reading.source}"
    wrote += f" ({len(unset)} not set: {', '.join(unset)})" if unset else ""
    level = Verdict(spec.changes)
    details = tuple(
        f"{n}: " + (f"set, {s.length} bytes" if s.present else "not set")
        for n, s in reading.vars.items()
    )
    if report.changes is None:
        first = reading.key_id is not None and report.previous is None
        verdict = Verdict.OK if first else level
        return Result(verdict, exp, f"{wrote}; {report.why}", "" if first else report.why, details)
    against = report.previous.name if report.previous else "the previous backup"
    if report.changes:
        said = f"since {against}: {report.changes.text()}"
        return Result(level, exp, f"{wrote}; {said}", said, details)
    return Result(Verdict.OK, exp, f"{wrote}; no change since {against}", "", details)
