"""hostres: a host's resource use, in %, judged by WARN/CRIT bands (runbook 002 §1.2 资源监控:
CPU使用率、内存使用率、磁盘空间; a general kind, any runbook's host may use it).

- ``cpu``: busy share of all CPUs over one second (two /proc/stat samples in the batch);
- ``memory``: 1 - MemAvailable / MemTotal;
- ``disk``: use of the filesystem holding ``path`` (df -P's Capacity: used / (used + available));
- ``load``: the 1-minute load average per online CPU, as a % (1.0 per core is 100 %).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.observe.resources import CpuBusy, DiskUsage, DiskUse, LoadPerCore, MemoryUse
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 15
Resource = Literal["cpu", "memory", "disk", "load"]
LABELS = {
    "cpu": "CPU use",
    "memory": "memory use",
    "disk": "disk use",
    "load": "1-min load per core",
}


class HostResCheck(CheckBase):
    kind: Literal["hostres"]
    name: Ident
    resource: Resource = Field(description="cpu, memory, disk (needs path) or load (per core)")
    path: str | None = Field(
        None, pattern=r"^/", description="disk: a path on the filesystem to judge"
    )
    use: Threshold = Field(description='bands in %, e.g. {warn: "> 70 %", crit: "> 90 %"}')

    @model_validator(mode="after")
    def _valid(self) -> HostResCheck:
        if self.resource == "disk" and self.path is None:
            raise ValueError(
                "resource disk needs path: a path on the filesystem, e.g. /var/lib/mysql"
            )
        if self.resource != "disk" and self.path is not None:
            raise ValueError(f"path is for resource disk, not {self.resource}")
        if self.use.family != "percent":
            raise ValueError('use takes percentages, e.g. {warn: "> 70 %", crit: "> 90 %"}')
        return self


SPEC = HostResCheck

Observation = float | DiskUsage | tuple[float, int] | None


def _spec(case: CheckCase) -> HostResCheck:
    return spec_of(case, HostResCheck)


def _fact(spec: HostResCheck) -> Fact[Any]:
    if spec.resource == "cpu":
        return CpuBusy()
    if spec.resource == "memory":
        return MemoryUse()
    if spec.resource == "load":
        return LoadPerCore()
    assert spec.path is not None  # the validator's
    return DiskUse(spec.path)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    where = f" of {spec.path}'s filesystem" if spec.path else ""
    return f"{LABELS[spec.resource]}{where} {threshold.describe(spec.use)}"


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_fact(_spec(case))]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> Observation:
    value: Observation = probe_for(case).get(_fact(_spec(case)))
    return value


def evaluate(case: CheckCase, obs: Observation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs is None:
        return Result.crit(exp, f"{spec.path} does not exist", f"{spec.path} is missing")
    if isinstance(obs, DiskUsage):
        value = obs.percent
        actual = (
            f"{threshold.fmt(round(value, 1), '%')} of {obs.mount} ({obs.filesystem}): "
            f"{threshold.fmt(obs.used, 'KiB')} used, {threshold.fmt(obs.available, 'KiB')} free"
        )
    elif isinstance(obs, tuple):
        load, cores = obs
        value = 100.0 * load / max(cores, 1)
        actual = f"{threshold.fmt(round(value, 1), '%')} (load {load:g} on {cores} CPU(s))"
    else:
        value = obs
        actual = threshold.fmt(round(value, 1), "%")
    band = threshold.judge(spec.use, round(value, 1), "%")
    if band.verdict is Verdict.OK:
        return Result.ok(exp, actual)
    return Result(band.verdict, exp, actual, f"{LABELS[spec.resource]} {band.message}")
