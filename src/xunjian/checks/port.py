"""port: listening on the host (inside view, via ss) and reachable from the runner (outside view)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact, Listeners
from xunjian.observe.host import probe_for
from xunjian.observe.sockets import Listener, bound_for
from xunjian.result import Result, Verdict

ORDER = 10


class PortCheck(CheckBase):
    kind: Literal["port"]
    port: int = Field(ge=1, le=65535)
    process: list[str] | None = Field(
        None, min_length=1, description="accepted owner process names (ss comm); default any"
    )
    bind: list[str] | None = Field(
        None, min_length=1, description="accepted bind addresses; default host address or any"
    )
    outside: bool = Field(True, description="also connect from the runner")

    def default_name(self) -> str:
        return self.name or f"port-{self.port}"


SPEC = PortCheck


@dataclass(frozen=True)
class PortObservation:
    listeners: tuple[Listener, ...]
    connect_error: str | None  # None: connected, or outside view not asked for
    connect_timed_out: bool = False
    elsewhere: tuple[Listener, ...] = ()  # the same port bound to other addresses only


def _spec(case: CheckCase) -> PortCheck:
    return spec_of(case, PortCheck)


def _addresses(case: CheckCase) -> set[str]:
    spec = _spec(case)
    return set(spec.bind) if spec.bind else {case.host.address}


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    where = "|".join(sorted(_addresses(case)))
    text = f"LISTEN on {where}:{spec.port} (or a wildcard address)"
    if spec.process:
        text += f" owned by {'|'.join(spec.process)}"
    if spec.outside:
        text += f"; TCP connect from the runner to {case.host.address}:{spec.port} succeeds"
    return text


def budget(case: CheckCase) -> float:
    """The host's facts (normally gathered already), then the connect from the runner."""
    return probe_for(case).limit + (case.timeout if _spec(case).outside else 0)


def facts(case: CheckCase) -> list[Fact[list[Listener]]]:
    return [Listeners()]


def targets(case: CheckCase) -> set[str]:
    return {case.host.address} if _spec(case).outside else set()


def connect(address: str, port: int, timeout: float) -> tuple[str | None, bool]:
    """(error or None, timed out?) for a TCP connect from the runner."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return None, False
    except TimeoutError:
        return f"connect to {address}:{port} timed out after {timeout:g}s", True
    except OSError as e:
        return f"connect to {address}:{port} failed: {e.strerror or e}", False


def observe(case: CheckCase) -> PortObservation:
    spec = _spec(case)
    every = probe_for(case).get(Listeners())
    listeners = tuple(bound_for(every, spec.port, _addresses(case)))
    elsewhere = tuple(lst for lst in every if lst.port == spec.port and lst not in listeners)
    error, timed_out = (None, False)
    if spec.outside:
        error, timed_out = connect(case.host.address, spec.port, case.timeout)
    return PortObservation(listeners, error, timed_out, elsewhere)


def evaluate(case: CheckCase, obs: PortObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    where = "|".join(sorted(_addresses(case)))
    seen = "; ".join(str(lst) for lst in obs.listeners) or (
        f"nothing listens on port {spec.port} at {where}"
        + (
            f" (bound only elsewhere: {', '.join(map(str, obs.elsewhere))})"
            if obs.elsewhere
            else ""
        )
    )
    outside = "" if not spec.outside else f"; outside: {obs.connect_error or 'connect ok'}"
    actual = f"{seen}{outside}"
    if not obs.listeners:
        return Result.crit(exp, actual, f"port {spec.port} is not listening")
    if spec.process:
        owners = set().union(*(lst.names for lst in obs.listeners))
        if not owners:
            return Result(
                Verdict.UNKNOWN, exp, actual, "socket owners are not visible (ss needs root)"
            )
        if not owners & set(spec.process):
            return Result.crit(
                exp, actual, f"port {spec.port} is owned by {', '.join(sorted(owners))}"
            )
    if obs.connect_error:
        verdict = Verdict.UNKNOWN if obs.connect_timed_out else Verdict.CRIT
        return Result(
            verdict, exp, actual, f"port {spec.port} listens but is not reachable from the runner"
        )
    return Result.ok(exp, actual)
