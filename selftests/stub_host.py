"""Stand-ins for a testinfra host behind a real HostProbe: no ssh, no lab.

``LocalHost`` runs each command on this machine with testinfra's quoting, so the batch script
that HostProbe.gather builds really runs through ``sh``; ``Refusing`` is a host whose transport
fails the way an unreachable one does. Both count their calls (one call = one round trip).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from xunjian import checks
from xunjian.inventory.case import CheckCase
from xunjian.observe import host


@dataclass(frozen=True)
class Output:
    """What testinfra's ``host.run`` returns, as far as HostProbe reads it."""

    rc: int
    stdout: str
    stderr: str

    @property
    def stdout_bytes(self) -> bytes:
        return self.stdout.encode()

    @property
    def stderr_bytes(self) -> bytes:
        return self.stderr.encode()


@dataclass
class LocalHost:
    env: Mapping[str, str] | None = None
    commands: list[str] = field(default_factory=list)

    def run(self, command: str, *args: object) -> Output:
        line = command % tuple(shlex.quote(str(a)) for a in args)  # testinfra's own quoting
        self.commands.append(line)
        done = subprocess.run(
            ["sh", "-c", line],
            capture_output=True,
            text=True,
            env=dict(self.env) if self.env is not None else None,
            timeout=60,
            check=False,
        )
        return Output(done.returncode, done.stdout, done.stderr)


@dataclass
class Refusing:
    """A host whose ssh connection is refused (testinfra raises; HostProbe says unreachable)."""

    calls: int = 0

    def run(self, command: str, *args: object) -> Output:
        self.calls += 1
        raise OSError("ssh: connect to host 127.0.10.1 port 22: Connection refused")


def install(
    monkeypatch: pytest.MonkeyPatch, case: CheckCase, stub: LocalHost | Refusing
) -> host.HostProbe:
    """The run's probe for ``case``'s machine, talking to ``stub``; the run plans ``case`` only,
    so its first check gathers afresh."""
    probe = host.HostProbe(case.connection, None, case.default_timeout)
    probe._host = stub  # testinfra is untyped: any object with run() will do
    monkeypatch.setitem(host._PROBES, case.probe_key, probe)
    checks.plan([case])
    return probe
