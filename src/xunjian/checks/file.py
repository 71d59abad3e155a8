"""file: a file exists on the host, with a plausible size, and is fresh (backups, artifacts,
configuration snapshots). One ``stat`` in the host's batch; with ``newest``, the newest file
of a directory whose name matches a glob (the latest of a series of dated backups)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Age, Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact, FileStat, Stat
from xunjian.observe.host import probe_for
from xunjian.observe.newest import Newest, NewestStat
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 45
TYPES = {"file": "regular file", "directory": "directory"}


class FileCheck(CheckBase):
    kind: Literal["file"]
    name: Ident
    path: str = Field(pattern=r"^/", description="absolute path on the host")
    type: Literal["file", "directory"] = "file"
    size: Threshold | None = Field(None, description='e.g. {crit: "< 1 KiB", warn: "< 1 MiB"}')
    max_age: Age | None = None
    newest: str | None = Field(
        None,
        pattern=r"^[^/]+$",
        description="path is a directory: judge its newest file whose name matches this glob, "
        "e.g. thqh_enterprise_wechat-*.sql.gz",
    )

    @model_validator(mode="after")
    def _size_unit(self) -> FileCheck:
        if self.size is not None and self.size.family != "size":
            raise ValueError("size needs a size unit (B, KiB, MiB, GiB, KB, MB, GB), e.g. < 1 KiB")
        if self.newest is not None and self.type != "file":
            raise ValueError(f"newest picks a file (type: file), not a {self.type}")
        return self


SPEC = FileCheck


def _spec(case: CheckCase) -> FileCheck:
    return spec_of(case, FileCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"{spec.path} is a {TYPES[spec.type]}"]
    if spec.newest:
        parts = [f"the newest {spec.newest} in {spec.path} is a {TYPES[spec.type]}"]
    if spec.size:
        parts.append(f"size {threshold.describe(spec.size)}")
    if spec.max_age:
        parts.append(f"age {threshold.describe(spec.max_age)}")
    return "; ".join(parts)


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def _fact(spec: FileCheck) -> Fact[FileStat | None]:
    return Newest(spec.path, spec.newest) if spec.newest else Stat(spec.path)


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_fact(_spec(case))]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> FileStat | None:
    return probe_for(case).get(_fact(_spec(case)))


def evaluate(case: CheckCase, stat: FileStat | None) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if stat is None and spec.newest:
        return Result.crit(exp, f"no file matching {spec.newest} in {spec.path}", "no file matches")
    if stat is None:
        return Result.crit(exp, f"{spec.path} does not exist", "the file is missing")
    actual = f"{stat.kind}, {threshold.fmt(stat.size, 'B')}, modified {stat.age} s ago"
    if isinstance(stat, NewestStat):
        actual = f"{stat.name}: {actual} (newest of {stat.matches})"
    if stat.kind.replace("regular empty file", "regular file") != TYPES[spec.type]:
        return Result.crit(exp, actual, f"{spec.path} is a {stat.kind}")
    bands = []
    if spec.size:
        bands.append(("size", threshold.judge(spec.size, stat.size, "B")))
    if spec.max_age:
        bands.append(("age", threshold.judge(spec.max_age, stat.age, "s")))
    for verdict in (Verdict.CRIT, Verdict.WARN):
        hit = [f"{what} {band.message}" for what, band in bands if band.verdict is verdict]
        if hit:
            return Result(verdict, exp, actual, "; ".join(hit))
    return Result.ok(exp, actual)
