"""port: listening on the host (inside view, via ss), reachable from the runner (outside view),
and, where the protocol is known, answering in it (a hung server still completes TCP handshakes).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase
from xunjian.observe import endpoints
from xunjian.observe.answer import NAMES, Answer, AnswerName, Heard, Protocol, chosen, host_port
from xunjian.observe.ask import ask
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
    answer: AnswerName | None = Field(
        None,
        description="ask the service to answer from the runner ("
        + ", ".join(NAMES)
        + "); default: by process when every name is a known server (redis-server: redis, "
        "mysqld/mariadbd: mysql, postgres: postgresql, sshd: ssh, nginx/httpd/apache2/minio/"
        "weed: http), else none",
    )

    def default_name(self) -> str:
        return self.name or f"port-{self.port}"

    @model_validator(mode="after")
    def _answer_from_runner(self) -> PortCheck:
        if self.answer not in (None, "none") and not self.outside:
            raise ValueError(
                f"answer: {self.answer} needs outside: true (the service is asked from the runner)"
            )
        return self


SPEC = PortCheck


@dataclass(frozen=True)
class PortObservation:
    listeners: tuple[Listener, ...]
    connect_error: str | None  # None: connected, or outside view not asked for
    connect_timed_out: bool = False
    elsewhere: tuple[Listener, ...] = ()  # the same port bound to other addresses only
    answer: Answer | None = None  # None: not asked (no protocol, or no connection)


def _spec(case: CheckCase) -> PortCheck:
    return spec_of(case, PortCheck)


def protocol(case: CheckCase) -> Protocol | None:
    """The protocol the service is asked in, if any (never without the outside view)."""
    spec = _spec(case)
    return chosen(spec.answer, spec.process) if spec.outside else None


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
    if ask_in := protocol(case):
        text += f"; answers {ask_in.name} {ask_in.asks} within {case.timeout:g} s"
    return text


def budget(case: CheckCase) -> float:
    """The host's facts (normally gathered already), then the connect from the runner."""
    return probe_for(case).limit + (case.timeout if _spec(case).outside else 0)


def facts(case: CheckCase) -> list[Fact[list[Listener]]]:
    return [Listeners()]


def targets(case: CheckCase) -> set[str]:
    return {case.host.address} if _spec(case).outside else set()


def _open(address: str, port: int, timeout: float) -> tuple[socket.socket | None, str | None]:
    """A TCP connection from the runner, or why there is none."""
    try:
        return socket.create_connection((address, port), timeout=timeout), None
    except TimeoutError:
        return None, f"connect to {address}:{port} timed out after {timeout:g}s"
    except OSError as e:
        return None, f"connect to {address}:{port} failed: {e.strerror or e}"


def connect(address: str, port: int, timeout: float) -> tuple[str | None, bool]:
    """(error or None, timed out?) for a TCP connect from the runner."""
    sock, error = _open(address, port, timeout)
    if sock is not None:
        sock.close()
    return error, error is not None and "timed out" in error


def _outside(case: CheckCase) -> tuple[str | None, bool, Answer | None]:
    """Connect from the runner and, for a known protocol, ask; connect and answer share the
    check's timeout. A connect that timed out, or a service that did not answer, is
    remembered for the run (:mod:`xunjian.observe.endpoints`): its other checks fail fast."""
    spec = _spec(case)
    address, timeout = case.host.address, case.timeout
    ask_in = protocol(case)
    start = time.monotonic()
    sock, error = _open(address, spec.port, timeout)
    if sock is None:
        timed_out = error is not None and "timed out" in error
        if timed_out:
            said = f"{host_port(address, spec.port)}: no answer within {timeout:g} s (connect)"
            endpoints.remember(address, spec.port, said)
        return error, timed_out, None
    with sock:
        if ask_in is None:
            return None, False, None
        left = max(0.0, timeout - (time.monotonic() - start))
        heard = ask(sock, ask_in, left, host_port(address, spec.port))
    heard = Answer(heard.protocol, heard.asks, heard.heard, heard.text, heard.got, timeout)
    if heard.heard is Heard.SILENT:
        said = f"{ask_in.name} {host_port(address, spec.port)}: no answer within {timeout:g} s"
        endpoints.remember(address, spec.port, f"{said} ({ask_in.asks})")
    return None, False, heard


def observe(case: CheckCase) -> PortObservation:
    spec = _spec(case)
    every = probe_for(case).get(Listeners())
    listeners = tuple(bound_for(every, spec.port, _addresses(case)))
    elsewhere = tuple(lst for lst in every if lst.port == spec.port and lst not in listeners)
    error, timed_out, heard = (None, False, None)
    if spec.outside:
        error, timed_out, heard = _outside(case)
    return PortObservation(listeners, error, timed_out, elsewhere, heard)


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
    answer = f"; {obs.answer.describe()}" if obs.answer else ""
    actual = f"{seen}{outside}{answer}"
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
    if obs.answer and not obs.answer.answered:
        return Result.crit(exp, actual, _unanswered(spec.port, obs.answer))
    return Result.ok(exp, actual)


def _unanswered(port: int, answer: Answer) -> str:
    if answer.heard is Heard.OTHER:
        return f"port {port} answers, but not as {answer.protocol} ({answer.describe()})"
    return f"port {port} listens but does not answer ({answer.describe()})"
