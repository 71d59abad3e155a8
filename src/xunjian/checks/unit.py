"""unit: a systemd service unit is active, enabled and restarts itself (``Restart=always``), and
its restart count is not climbing: ``NRestarts`` compared with the count this check kept in the
last run's history (runbook 003 §4 / §8.6: systemd 确保自动拉起 — a climbing count is a
service that keeps dying). One ``systemctl show`` in the host's batch."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.history.memo import previous
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase
from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 22
PROPERTIES = (
    "LoadState",
    "ActiveState",
    "SubState",
    "UnitFileState",
    "Restart",
    "NRestarts",
    "MainPID",
)


class UnitCheck(CheckBase):
    kind: Literal["unit"]
    unit: str = Field(pattern=r"^[A-Za-z0-9@._:-]+$", description="e.g. datasync or nginx.service")
    active: bool = Field(True, description="ActiveState must be active")
    enabled: bool = Field(True, description="UnitFileState must be enabled (starts at boot)")
    restart: (
        Literal["always", "on-failure", "on-abnormal", "on-abort", "on-watchdog", "no"] | None
    ) = Field("always", description="the Restart= setting it must have; null: not checked")
    restarts: Threshold = Field(
        default_factory=lambda: Threshold.model_validate({"warn": "> 0", "crit": "> 3"}),
        description="limits on NRestarts gained since the last run's (a climbing count)",
    )
    children: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="processes its main process must have (gunicorn -w 2: two workers)",
    )
    systemctl: str = Field("systemctl", description="the systemctl command on the host")

    @model_validator(mode="after")
    def _numbers(self) -> UnitCheck:
        if self.restarts.family != "number":
            raise ValueError('restarts takes plain numbers, e.g. {warn: "> 0", crit: "> 3"}')
        return self

    def default_name(self) -> str:
        return self.name or f"unit-{self.unit.removesuffix('.service')}"


SPEC = UnitCheck


@dataclass(frozen=True)
class UnitShow(Fact[dict[str, str]]):
    """``systemctl show UNIT -p A,B,...``: the unit's properties, Key=Value per line."""

    systemctl: str
    unit: str

    def command(self) -> str:
        argv = [self.systemctl, "show", self.unit, "--no-pager", "-p", ",".join(PROPERTIES)]
        # and Children=N: the main process's children (a master's workers), read in the same go
        return (
            f"out=$({shlex.join(argv)}) || exit $?; printf '%s\\n' \"$out\"; "
            "pid=$(printf '%s\\n' \"$out\" | sed -n 's/^MainPID=//p'); "
            "[ \"${pid:-0}\" -gt 0 ] && printf 'Children=%s\\n' "
            '"$(ps --no-headers -o pid= --ppid "$pid" | wc -l)"; true'
        )

    def describe(self) -> str:
        return f"{self.systemctl} show {self.unit} -p {','.join(PROPERTIES)}"

    def parse(self, section: Section) -> dict[str, str]:
        if section.rc != 0:
            raise self.failed(section)
        found = dict(line.split("=", 1) for line in section.stdout.splitlines() if "=" in line)
        if "ActiveState" not in found:
            raise ObservationError(
                f"`{self.describe()}` printed no ActiveState: {section.stdout[:120]!r}"
            )
        return found


@dataclass(frozen=True)
class UnitObservation:
    properties: dict[str, str]
    previous: dict[str, Any] | None  # the memo of the last run; None: no history yet


def _spec(case: CheckCase) -> UnitCheck:
    return spec_of(case, UnitCheck)


def _fact(case: CheckCase) -> UnitShow:
    spec = _spec(case)
    return UnitShow(spec.systemctl, spec.unit)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"unit {spec.unit}"]
    parts += ["active"] if spec.active else []
    parts += ["enabled"] if spec.enabled else []
    parts += [f"Restart={spec.restart}"] if spec.restart else []
    parts += [f"{spec.children} child processes"] if spec.children is not None else []
    return ", ".join(parts) + f"; restarts since the last run {threshold.describe(spec.restarts)}"


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_fact(case)]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> UnitObservation:
    return UnitObservation(probe_for(case).get(_fact(case)), previous(case))


def _count(props: dict[str, str], key: str) -> int:
    try:
        return int(props.get(key, "0") or 0)
    except ValueError:
        return 0


def evaluate(case: CheckCase, obs: UnitObservation) -> Result:
    spec = _spec(case)
    exp, p = expected(case), obs.properties
    restarts, pid = _count(p, "NRestarts"), _count(p, "MainPID")
    memo = {"NRestarts": restarts, "MainPID": pid}
    actual = (
        f"{p.get('ActiveState')} ({p.get('SubState')}), {p.get('UnitFileState') or 'no unit file'}, "
        f"Restart={p.get('Restart')}, NRestarts={restarts}, MainPID={pid}"
        + (f" ({_count(p, 'Children')} children)" if "Children" in p else "")
    )
    problems = []
    if p.get("LoadState") == "not-found":
        problems.append(f"no unit {spec.unit} on the host")
    elif spec.active and p.get("ActiveState") != "active":
        problems.append(f"{spec.unit} is {p.get('ActiveState')} ({p.get('SubState')}), not active")
    if spec.enabled and p.get("UnitFileState") != "enabled" and not problems:
        problems.append(
            f"{spec.unit} is {p.get('UnitFileState') or 'not installed'}, not enabled: it will not start at boot"
        )
    kids = _count(p, "Children")
    if spec.children is not None and not problems and kids != spec.children:
        problems.append(f"its main process {pid} has {kids} child process(es), not {spec.children}")
    if spec.restart and p.get("Restart") != spec.restart and not problems:
        problems.append(
            f"Restart={p.get('Restart')}, not {spec.restart}: a crash would leave it down"
        )
    if problems:
        return Result(Verdict.CRIT, exp, actual, "; ".join(problems), memo=memo)
    before = obs.previous.get("NRestarts") if obs.previous else None
    if not isinstance(before, int):
        return Result(Verdict.OK, exp, actual, "first run: no restart count to compare", memo=memo)
    gained = (
        restarts - before if restarts >= before else restarts
    )  # a reset count: systemd restarted
    band = threshold.judge(spec.restarts, gained)
    if band.verdict is Verdict.OK:
        return Result(Verdict.OK, exp, f"{actual}; +{gained} since the last run", memo=memo)
    said = f"restarted {gained} time(s) since the last run (NRestarts {before} -> {restarts})"
    return Result(band.verdict, exp, actual, f"{said}: {band.message}", memo=memo)
