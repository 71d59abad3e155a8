"""process: a process (java by default) runs the jar of the runbook's jar table, on its port."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact, Listeners, Processes
from xunjian.observe.host import probe_for
from xunjian.observe.procs import Proc
from xunjian.observe.sockets import Listener
from xunjian.result import Result, Verdict

ORDER = 20
_VERSION_SUFFIX = re.compile(r"-\d+(?:\.\d+)*(?:-[A-Za-z]+)?$")


class ProcessCheck(CheckBase):
    kind: Literal["process"]
    jar: str = Field(description="the jar path from the runbook's jar table; matched by file name")
    binary: str = "java"
    port: int | None = Field(None, ge=1, le=65535)

    def default_name(self) -> str:
        if self.name:
            return self.name
        stem = PurePosixPath(self.jar).name.removesuffix(".jar")
        return f"jar-{_VERSION_SUFFIX.sub('', stem)}"


SPEC = ProcessCheck


@dataclass(frozen=True)
class ProcessObservation:
    matches: tuple[Proc, ...]
    listeners: tuple[Listener, ...]  # sockets on the expected port, any address


def _spec(case: CheckCase) -> ProcessCheck:
    return spec_of(case, ProcessCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    text = f"a {spec.binary} process whose command line names {PurePosixPath(spec.jar).name}"
    return text + (f", listening on port {spec.port}" if spec.port else "")


def budget(case: CheckCase) -> float:
    """The host's facts: ``ps`` and ``ss`` (normally gathered already, in one round trip)."""
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [Processes(), Listeners()] if _spec(case).port else [Processes()]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> ProcessObservation:
    spec = _spec(case)
    probe = probe_for(case)
    jar = PurePosixPath(spec.jar).name
    procs = probe.get(Processes())
    matches = tuple(p for p in procs if p.comm == spec.binary and p.names_file(jar))
    listeners: tuple[Listener, ...] = ()
    if spec.port:
        listeners = tuple(lst for lst in probe.get(Listeners()) if lst.port == spec.port)
    return ProcessObservation(matches, listeners)


def evaluate(case: CheckCase, obs: ProcessObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    jar = PurePosixPath(spec.jar).name
    if not obs.matches:
        return Result.crit(exp, f"no {spec.binary} process runs {jar}", f"{jar} is not running")
    running = "; ".join(f"pid {p.pid}: {p.comm} {p.file_arg(jar) or jar}" for p in obs.matches)
    if spec.port is None:
        return Result.ok(exp, running)
    pids = {p.pid for p in obs.matches}
    mine = [lst for lst in obs.listeners if lst.pids & pids]
    if not mine and obs.listeners and not any(lst.owners for lst in obs.listeners):
        seen = "; ".join(str(lst) for lst in obs.listeners)
        return Result(
            Verdict.UNKNOWN,
            exp,
            f"{running}; port {spec.port}: {seen}",
            "socket owners are not visible (ss needs root)",
        )
    if not mine:
        others = "; ".join(str(lst) for lst in obs.listeners) or "nothing"
        return Result.crit(
            exp,
            f"{running}; port {spec.port}: {others}",
            f"{jar} runs but does not listen on {spec.port}",
        )
    return Result.ok(
        exp, f"{running}; listening on " + ", ".join(f"{lst.address}:{lst.port}" for lst in mine)
    )
