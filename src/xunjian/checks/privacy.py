"""privacy: no unmasked personal data in the recent lines of logs (runbook 002 §5.5 数据脱敏:
对用户敏感信息进行脱敏处理): mainland mobile numbers, resident ID numbers with a valid check
digit, e-mail addresses (:mod:`xunjian.checks.pii`).

A finding names the file, the line number and the type, never the value: results, reports and
alerts may not carry the personal data the check is there to keep out of logs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import Field, field_validator

from xunjian.checks import pii
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.observe.logscan import RecentLines, Scanned, split_glob
from xunjian.result import Result

ORDER = 47
Finding = Literal["mobile", "id_number", "email"]
ALL: tuple[Finding, ...] = ("mobile", "id_number", "email")
SHOWN = 10  # findings listed in a result's details


class PrivacyCheck(CheckBase):
    kind: Literal["privacy"]
    name: Ident
    paths: list[str] = Field(
        min_length=1, description="globs of log files, wildcards in the last part only"
    )
    lines: int = Field(2000, ge=1, le=200000, description="the last lines of each file read")
    find: list[Finding] = Field(default_factory=lambda: list(ALL), min_length=1)

    @field_validator("paths")
    @classmethod
    def _globs(cls, paths: list[str]) -> list[str]:
        for glob in paths:
            split_glob(glob)  # its ValueError names the glob and the accepted form
        return paths


SPEC = PrivacyCheck
Observation = tuple[tuple[str, Scanned | None], ...]  # (glob, what it matched)


def _spec(case: CheckCase) -> PrivacyCheck:
    return spec_of(case, PrivacyCheck)


def _facts(spec: PrivacyCheck) -> list[RecentLines]:
    return [RecentLines(glob, spec.lines) for glob in spec.paths]


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return (
        f"no unmasked {', '.join(spec.find)} in the last {spec.lines} lines of "
        f"{', '.join(spec.paths)}"
    )


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return list(_facts(_spec(case)))


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> Observation:
    probe = probe_for(case)
    return tuple((f.glob, probe.get(f)) for f in _facts(_spec(case)))


def evaluate(case: CheckCase, obs: Observation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    kinds = tuple(spec.find)
    findings: list[str] = []
    per_type: Counter[str] = Counter()
    files = lines = 0
    unreadable: list[str] = []
    for _glob, scanned in obs:
        if scanned is None:
            continue
        unreadable += scanned.unreadable
        for f in scanned.files:
            files += 1
            lines += len(f.lines)
            for number, text in f.lines:
                hits = pii.found(text, kinds)
                per_type.update(hits)
                findings += [f"{f.path}:{number}: {kind}" for kind in dict.fromkeys(hits)]
    if files == 0 and not unreadable:
        return Result.crit(exp, "no file matches", "no log file to scan: check the paths")
    actual = f"{lines} line(s) of {files} file(s) scanned"
    if unreadable:
        actual += f"; {len(unreadable)} unreadable"
    if findings:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(per_type.items()))
        more = len(findings) - SHOWN
        details = tuple(findings[:SHOWN]) + ((f"... and {more} more",) if more > 0 else ())
        return Result.crit(exp, actual, f"unmasked personal data: {counts}", details)
    if unreadable:
        return Result.unknown(exp, f"cannot read {', '.join(unreadable[:3])}")
    return Result.ok(exp, actual)
