"""Where a service's environment is read (a running process or an env file on the host) and how
it is reduced to names, presence, lengths and keyed hashes; shared by ``environ`` and
``env_backup``. Values never reach the runner (see :mod:`xunjian.observe.envdigest`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.inventory.secrets import SECRETS, MissingSecret
from xunjian.observe.envdigest import FileEnv, ProcEnv, Seen, key_id, keyed
from xunjian.observe.facts import Fact, Listeners, Processes
from xunjian.observe.host import probe_for
from xunjian.observe.procs import Proc
from xunjian.observe.sockets import Listener, bound_for
from xunjian.result import ObservationError

EnvName = Annotated[
    str,
    Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="an environment variable's name"),
]
HASH_KEY = "XUNJIAN_ENV_HASH_KEY"
LOOPBACK = ("127.0.0.1", "::1")
BATCH_MARK = "@@xj "  # in the command line of xunjian's own batch shell on the host


class EnvSourceCheck(CheckBase):
    """``process:`` a regex on a running process's command line, ``port:`` the process
    listening on a TCP port (on the host's address, a wildcard or loopback), or ``env_file:``."""

    name: Ident
    process: str | None = Field(
        None, description="a regex on the command line of the running service (ps args)"
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="the service is the process listening on this port"
    )
    env_file: str | None = Field(
        None, pattern=r"^/", description="absolute path of the service's env file on the host"
    )
    hash_key_env: EnvName = Field(
        HASH_KEY,
        description="the environment variable (on the runner) holding the key of the keyed "
        "hashes (HMAC-SHA256) that detect changes; without it no change can be detected",
    )

    @model_validator(mode="after")
    def _one_source(self) -> EnvSourceCheck:
        given = [k for k in ("process", "port", "env_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of process (a regex on a command line), port (the process "
                f"listening on it) or env_file; got {', '.join(given) or 'none'}"
            )
        if self.process is not None:
            try:
                re.compile(self.process)
            except re.error as e:
                raise ValueError(f"process: not a regular expression ({e})") from None
        return self

    def source(self) -> str:
        if self.process is not None:
            return f"the process matching {self.process!r}"
        if self.port is not None:
            return f"the process listening on port {self.port}"
        return f"env file {self.env_file}"

    @property
    def trips(self) -> int:
        """Round trips to the host: a process's pid is known only once ps or ss has answered."""
        return 1 if self.env_file is not None else 2


@dataclass(frozen=True)
class EnvReading:
    """What was read: ``vars`` None when there was nothing to read (``absent`` says why)."""

    source: str
    vars: dict[str, Seen] | None
    absent: str = ""
    key_id: str | None = None  # None: no hash key, no keyed hashes
    key_problem: str = ""
    keyed: dict[str, str | None] | None = None

    def snapshot(self) -> dict[str, Any] | None:
        """name -> keyed hash (None: not set), with the key's id under ``@key``; None
        without a key or without variables."""
        if self.keyed is None or self.key_id is None:
            return None
        return {"@key": self.key_id, **self.keyed}


def matching(procs: list[Proc], pattern: str) -> list[Proc]:
    """The processes whose command line matches, lowest pid first; never xunjian's own shell."""
    rx = re.compile(pattern)
    found = [p for p in procs if BATCH_MARK not in p.args and rx.search(p.args)]
    return sorted(found, key=lambda p: p.pid)


def facts(spec: EnvSourceCheck, names: tuple[str, ...]) -> list[Fact[Any]]:
    if spec.env_file is not None:
        return [FileEnv(spec.env_file, names)]
    if spec.port is not None:
        return [Listeners()]
    return [Processes()]  # the pid is known once ps has answered: its environ is a second trip


def listening(case: CheckCase, listeners: list[Listener], port: int) -> list[tuple[str, int]]:
    """(name, pid) of the processes listening on ``port`` for the host (its address, a
    wildcard or loopback), lowest pid first; ObservationError if ss could not say who."""
    mine = bound_for(listeners, port, {case.host.address, *LOOPBACK})
    owners = sorted({o for lst in mine for o in lst.owners}, key=lambda o: o[1])
    if mine and not owners:
        raise ObservationError(f"who listens on port {port} is not visible (ss needs root)")
    return owners


def hash_key(spec: EnvSourceCheck) -> tuple[bytes | None, str]:
    """The key from the runner's environment, remembered for redaction; or why there is none."""
    value = os.environ.get(spec.hash_key_env, "")
    if not value:
        return None, f"{spec.hash_key_env} is not set"
    try:
        SECRETS.remember(value, f"environment variable {spec.hash_key_env}")
    except MissingSecret as e:
        return None, str(e)
    return value.encode(), ""


def read(case: CheckCase, spec: EnvSourceCheck, names: tuple[str, ...]) -> EnvReading:
    """Read ``names`` from the source; ObservationError when the host cannot be asked."""
    probe = probe_for(case)
    if spec.process is not None or spec.port is not None:
        if spec.process is not None:
            found = [(p.comm, p.pid) for p in matching(probe.get(Processes()), spec.process)]
            nothing = f"no process matches {spec.process!r}"
        else:
            found = listening(case, probe.get(Listeners()), int(spec.port or 0))
            nothing = f"nothing listens on port {spec.port}"
        if not found:
            return EnvReading(spec.source(), None, nothing)
        comm, pid = found[0]
        where = f"pid {pid} ({comm})" + (
            f", the lowest of {len(found)} processes" if len(found) > 1 else ""
        )
        seen = probe.get(ProcEnv(pid, names))
        if seen is None:
            return EnvReading(where, None, f"pid {pid} ended before it was read")
    else:
        where = f"env file {spec.env_file}"
        seen = probe.get(FileEnv(str(spec.env_file), names))
        if seen is None:
            return EnvReading(where, None, f"{spec.env_file} does not exist")
    key, problem = hash_key(spec)
    if key is None:
        return EnvReading(where, seen, key_problem=problem)
    return EnvReading(where, seen, "", key_id(key), "", {n: keyed(key, s) for n, s in seen.items()})


@dataclass(frozen=True)
class Changes:
    """Names whose keyed hash differs from a remembered snapshot (never values)."""

    changed: tuple[str, ...] = ()
    vanished: tuple[str, ...] = ()
    appeared: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changed or self.vanished or self.appeared)

    def text(self) -> str:
        parts = [
            f"{what}: {', '.join(names)}"
            for what, names in (
                ("changed", self.changed),
                ("vanished", self.vanished),
                ("appeared", self.appeared),
            )
            if names
        ]
        return "; ".join(parts) or "no change"


def compare(before: dict[str, Any], now: dict[str, Any]) -> Changes:
    """Names in both snapshots (``@key`` aside): a hash that differs, went or came."""
    changed, vanished, appeared = [], [], []
    for name in sorted(set(before) & set(now) - {"@key"}):
        old, new = before[name], now[name]
        if old is not None and new is None:
            vanished.append(name)
        elif old is None and new is not None:
            appeared.append(name)
        elif old != new:
            changed.append(name)
    return Changes(tuple(changed), tuple(vanished), tuple(appeared))
