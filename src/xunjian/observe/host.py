"""One testinfra connection per host per run, with its socket and process listings cached.

A host that cannot be reached is tried once; every later observation on it raises
:class:`ObservationError` with the same reason, so a dead host costs one connection timeout.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

import paramiko
import testinfra
from testinfra.host import Host as TestinfraHost

from xunjian.inventory import CheckCase
from xunjian.observe.deadline import GRACE, Overrun, call_within
from xunjian.observe.procs import PS_COMMAND, Proc, parse_ps
from xunjian.observe.sockets import Listener, parse_ss
from xunjian.result import ObservationError


# One multiplexed ssh connection per host, shared by every command (and xdist worker) of the run.
# testinfra %-formats the ssh command line, hence %%C for ssh's own %C (a hash of host, port, user).
# A unix socket path must stay under 108 bytes: a long TMPDIR falls back to /tmp.
def control_dir() -> str:
    wanted = os.environ.get("XUNJIAN_SSH_CONTROL_DIR") or os.path.join(
        tempfile.gettempdir(), f"xunjian-ssh-{os.getuid()}"
    )
    return wanted if len(wanted) <= 60 else f"/tmp/xunjian-ssh-{os.getuid()}"


REMOTE_TIMEOUT = 30  # seconds a remote command may run, enforced on the host by timeout(1)


@dataclass(frozen=True)
class CommandOutput:
    """What a remote command left: exit code and both streams, as text."""

    rc: int
    stdout: str
    stderr: str


class HostProbe:
    def __init__(self, connection: str, ssh_config: str | None, timeout: float) -> None:
        self.connection = connection
        self._ssh_config = ssh_config
        self._timeout = max(1, int(timeout))
        self._host: TestinfraHost | None = None
        self._failure: str | None = None
        self._lock = threading.Lock()

    def _kwargs(self) -> dict[str, Any]:
        scheme = self.connection.split("://", 1)[0] if "://" in self.connection else "paramiko"
        kw: dict[str, Any] = {}
        if scheme in ("ssh", "safe-ssh", "paramiko", "ansible") and self._ssh_config:
            kw["ssh_config"] = self._ssh_config
        if scheme in ("ssh", "safe-ssh"):
            directory = control_dir()
            os.makedirs(directory, mode=0o700, exist_ok=True)
            kw["controlpath"] = os.path.join(directory, "%%C")
            kw["timeout"] = self._timeout
            # never wait on a password or host-key prompt; notice a link that died mid-run
            kw["ssh_extra_args"] = (
                "-o BatchMode=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=2"
            )
        if scheme == "paramiko":
            kw["timeout"] = self._timeout
        return kw

    @property
    def host(self) -> TestinfraHost:
        if self._host is None:
            try:
                self._host = testinfra.get_host(self.connection, **self._kwargs())
            except Exception as e:  # a bad spec or backend error is the host's fault, not ours
                self._failure = f"cannot open {self.connection}: {e}"
                raise ObservationError(self._failure) from None
        return self._host

    @property
    def limit(self) -> float:
        """Seconds one command may take: its run on the host, the connection, a grace."""
        return REMOTE_TIMEOUT + self._timeout + GRACE

    def run(self, command: str, *args: object) -> CommandOutput:
        """Run a command (testinfra quoting); unreachable or silent host -> ObservationError.

        The remote command is bounded by timeout(1) on the host; the transport itself (a
        paramiko channel, an ssh link that died) by a deadline here, in a helper thread.
        """
        with self._lock:
            if self._failure:
                raise ObservationError(self._failure)

            def call() -> CommandOutput:
                out = self.host.run("timeout %s " + command, str(REMOTE_TIMEOUT), *map(str, args))
                return CommandOutput(int(out.rc), str(out.stdout), str(out.stderr))

            limit = self.limit
            try:
                return call_within(limit, call)
            except Overrun:
                self._failure = f"host {self.connection} did not answer within {limit:g}s"
                raise ObservationError(self._failure) from None
            except (RuntimeError, OSError, paramiko.SSHException) as err:  # cut off
                self._failure = f"host {self.connection} unreachable: {_reason(err)}"
                raise ObservationError(self._failure) from None

    @functools.cached_property
    def listeners(self) -> list[Listener]:
        out = self.run("ss -Hltnp")
        if out.rc != 0:
            raise ObservationError(
                f"`ss -Hltnp` failed on {self.connection} (rc={out.rc}): {out.stderr.strip()}"
            )
        return parse_ss(out.stdout)

    @functools.cached_property
    def processes(self) -> list[Proc]:
        out = self.run(PS_COMMAND)
        if out.rc != 0:
            raise ObservationError(
                f"`ps` failed on {self.connection} (rc={out.rc}): {out.stderr.strip()}"
            )
        return parse_ps(out.stdout)


def _reason(error: Exception) -> str:
    """ssh failures arrive as RuntimeError(CommandResult); keep only ssh's own words."""
    arg = error.args[0] if error.args else error
    stderr = getattr(arg, "stderr", None)
    text = stderr.strip() if isinstance(stderr, str) and stderr.strip() else str(arg)
    return text.splitlines()[-1] if text else type(error).__name__


_PROBES: dict[str, HostProbe] = {}


def probe_for(case: CheckCase) -> HostProbe:
    """The per-run, per-host probe (xdist groups a host's tests on one worker)."""
    key = case.host_key
    if key not in _PROBES:
        ssh_config = str(case.ssh_config) if case.ssh_config else None
        _PROBES[key] = HostProbe(case.connection, ssh_config, case.default_timeout)
    return _PROBES[key]


def reset() -> None:
    """Forget every probe (end of a session)."""
    _PROBES.clear()
