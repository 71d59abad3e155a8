"""file: a file exists on the host, with a plausible size, and is fresh (backups, artifacts,
configuration snapshots). One ``stat`` in the host's batch; with ``newest``, the newest file
of a directory whose name matches a glob (the latest of a series of dated backups).

With ``not_readable_by`` (runbook 002 §5.5 访问控制: 严格限制日志访问权限) the path, and with
``recursive: true`` everything below a directory, must not be readable by ``others`` (and/or
``group``): a finding names each path and its mode. A directory counts as readable when its
``r`` bit is set (its names can be listed); symlinks are not judged (their own bits mean nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Age, Ident
from xunjian.inventory.model import CheckBase, Model
from xunjian.observe.facts import Fact, FileStat, Stat
from xunjian.observe.host import probe_for
from xunjian.observe.modes import Entry, Modes
from xunjian.observe.newest import Newest, NewestStat
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 45
TYPES = {"file": "regular file", "directory": "directory"}
Who = Literal["group", "others"]
READ_BIT = {"group": 0o040, "others": 0o004}
SHOWN = 10


class Before(Model):
    """runbook 004 §1.2: the judged path predates a reference file (the backup taken just before
    the ``git pull`` that stamped ``.git/FETCH_HEAD``) by a lead within limits."""

    path: str = Field(pattern=r"^/", description="the reference file on the host")
    lead: Age = Field(
        description='limits on how long before it, e.g. {warn: "> 1 h", crit: "> 1 d"}'
    )


def _listed(value: object) -> object:
    """``not_readable_by: others`` is short for ``[others]``."""
    return [value] if isinstance(value, str) else value


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

    not_readable_by: Annotated[list[Who], BeforeValidator(_listed)] | None = Field(
        None, description="others and/or group: the path must not be readable by them"
    )
    recursive: bool = Field(
        False, description="with not_readable_by on a directory: everything below it too"
    )
    before: Before | None = Field(
        None, description="the path's mtime precedes this reference's mtime, by a lead in limits"
    )

    @model_validator(mode="after")
    def _size_unit(self) -> FileCheck:
        if self.size is not None and self.size.family != "size":
            raise ValueError("size needs a size unit (B, KiB, MiB, GiB, KB, MB, GB), e.g. < 1 KiB")
        if self.recursive and (self.not_readable_by is None or self.type != "directory"):
            raise ValueError("recursive is for not_readable_by on a directory (type: directory)")
        if self.not_readable_by is not None and self.newest is not None:
            raise ValueError("not_readable_by judges path itself: not with newest")
        if self.not_readable_by == []:
            raise ValueError("not_readable_by: give others, group or both")
        return self


SPEC = FileCheck


@dataclass(frozen=True)
class FileObservation:
    """The stat and, with not_readable_by, the modes of the path (and below it)."""

    stat: FileStat | None
    modes: tuple[Entry, ...] | None
    reference: FileStat | None = None  # the stat of before.path (runbook 004)


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
    if spec.before:
        parts.append(f"before {spec.before.path} by {threshold.describe(spec.before.lead)}")
    if spec.not_readable_by:
        below = " or anything below it" if spec.recursive else ""
        parts.append(f"not{below} readable by {' or '.join(spec.not_readable_by)}")
    return "; ".join(parts)


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def _fact(spec: FileCheck) -> Fact[FileStat | None]:
    if spec.newest:
        return Newest(spec.path, spec.newest, "d" if spec.type == "directory" else "f")
    return Stat(spec.path)


def _modes(spec: FileCheck) -> Modes | None:
    return Modes(spec.path, spec.recursive) if spec.not_readable_by else None


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    modes = _modes(spec)
    ref = [Stat(spec.before.path)] if spec.before else []
    return [_fact(spec), *([modes] if modes else []), *ref]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> FileStat | FileObservation | None:
    spec = _spec(case)
    probe = probe_for(case)
    stat = probe.get(_fact(spec))
    modes = _modes(spec)
    ref = probe.get(Stat(spec.before.path)) if spec.before else None
    if modes or spec.before:
        return FileObservation(stat, probe.get(modes) if modes else None, ref)
    return stat


def readable(spec: FileCheck, entries: tuple[Entry, ...]) -> list[str]:
    """``path mode 0644 (readable by others)`` for each entry that breaks not_readable_by."""
    found = []
    for e in entries:
        who = [w for w in spec.not_readable_by or () if e.mode & READ_BIT[w] and e.type != "l"]
        if who:
            found.append(f"{e.path} mode {e.mode:04o} (readable by {' and '.join(who)})")
    return found


def evaluate(case: CheckCase, obs: FileStat | FileObservation | None) -> Result:
    spec = _spec(case)
    exp = expected(case)
    stat = obs.stat if isinstance(obs, FileObservation) else obs
    entries = obs.modes if isinstance(obs, FileObservation) else None
    if stat is None and spec.newest:
        what = "file" if spec.type == "file" else spec.type
        return Result.crit(
            exp, f"no {what} matching {spec.newest} in {spec.path}", f"no {what} matches"
        )
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
    if spec.before:
        ref = obs.reference if isinstance(obs, FileObservation) else None
        if ref is None:
            return Result.crit(exp, actual, f"{spec.before.path} does not exist")
        lead = ref.mtime - stat.mtime
        actual += f"; {threshold.fmt(lead, 's')} before {spec.before.path}"
        if lead < 0:
            return Result.crit(exp, actual, f"modified after {spec.before.path}, not before it")
        bands.append(("lead", threshold.judge(spec.before.lead, lead, "s")))
    open_to = readable(spec, entries or ())
    if spec.not_readable_by:
        if entries is None:  # stat saw it, find did not: it went in between
            return Result.unknown(exp, f"the modes of {spec.path} were not observed")
        actual += f"; {len(entries)} path(s) checked for read access"
    for verdict in (Verdict.CRIT, Verdict.WARN):
        hit = [f"{what} {band.message}" for what, band in bands if band.verdict is verdict]
        if verdict is Verdict.CRIT and open_to:
            hit.insert(
                0, f"{len(open_to)} path(s) readable by {' or '.join(spec.not_readable_by or ())}"
            )
        if hit:
            details = tuple(open_to[:SHOWN]) + (
                (f"... and {len(open_to) - SHOWN} more",) if len(open_to) > SHOWN else ()
            )
            return Result(
                verdict, exp, actual, "; ".join(hit), details if verdict is Verdict.CRIT else ()
            )
    return Result.ok(exp, actual)
