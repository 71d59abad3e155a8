"""One testinfra connection per host per run, and the host's facts gathered in one round trip.

A host that cannot be reached is tried once; every later observation on it raises
:class:`ObservationError` with the same reason, so a dead host costs one connection timeout.
Over ssh the login comes first, alone and bounded (:meth:`HostProbe.run`): a server that
accepts and then stalls (a SIGSTOPped sshd, a tarpit after its banner) costs one timeout too.
Probes are keyed by connection (and ssh config), not by system: a machine that two systems
or two runbooks use is one probe and one connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import paramiko
import testinfra
from testinfra.backend.paramiko import ParamikoBackend
from testinfra.backend.ssh import SshBackend
from testinfra.host import Host as TestinfraHost

from xunjian.inventory.case import CheckCase
from xunjian.observe import batch, masters
from xunjian.observe.batch import Section
from xunjian.observe.deadline import GRACE, Overrun, call_within
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError


# One multiplexed ssh connection per host, shared by every command (and xdist worker) of the run,
# its socket in the run's own directory under the control dir (observe/masters.py). testinfra
# %-formats the ssh command line, hence %%C for ssh's own %C (a hash of host, port, user).
# A unix socket path must stay under 108 bytes: a long TMPDIR falls back to /tmp.
def control_dir() -> str:
    wanted = os.environ.get("XUNJIAN_SSH_CONTROL_DIR") or os.path.join(
        tempfile.gettempdir(), f"xunjian-ssh-{os.getuid()}"
    )
    # 108 bytes: the directory, "/", ssh's %C (40) and the suffix of its temporary name (17)
    return wanted if len(wanted) <= 48 else f"/tmp/xunjian-ssh-{os.getuid()}"


def begin_run() -> str:
    """A fresh control directory for this run (the controller, before xdist starts workers)."""
    return masters.begin(control_dir())


def run_dir() -> str:
    """The run's control directory: given by the controller, else one of this process's own."""
    return masters.current() or begin_run()


def end_run() -> int:
    """Close the masters of the runs this process began (``ssh -O exit``); how many."""
    return masters.end()


REMOTE_TIMEOUT = 60  # seconds one remote command (a host's whole batch) may run, by timeout(1)
T = TypeVar("T")


@dataclass(frozen=True)
class CommandOutput:
    """What a remote command left: exit code and both streams, as text."""

    rc: int
    stdout: str
    stderr: str


class HostProbe:
    """One host's connection and its snapshot of facts, gathered in as few round trips as the
    checks allow: normally one per run (:meth:`gather` with every fact the host's checks need)."""

    def __init__(self, connection: str, ssh_config: str | None, timeout: float) -> None:
        self.connection = connection
        self._ssh_config = ssh_config
        self._timeout = max(1, int(timeout))
        self._host: TestinfraHost | None = None
        self._failure: str | None = None
        self._lock = threading.RLock()
        self._sections: dict[Fact[Any], Section | str] = {}  # a section, or why there is none
        self._logged_in = False
        self.round_trips = 0

    @property
    def endpoint(self) -> str:
        """How messages name the connection: ``ssh root@127.0.10.1:2222``."""
        url = urlsplit(self.connection)
        return f"{url.scheme} {url.netloc}" if url.netloc else self.connection

    def _kwargs(self) -> dict[str, Any]:
        scheme = self.connection.split("://", 1)[0] if "://" in self.connection else "paramiko"
        kw: dict[str, Any] = {}
        if scheme in ("ssh", "safe-ssh", "paramiko", "ansible") and self._ssh_config:
            kw["ssh_config"] = self._ssh_config
        if scheme in ("ssh", "safe-ssh"):
            kw["controlpath"] = os.path.join(run_dir(), "%%C")
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
                # commands and their output are UTF-8: never ask the host (python3 -c ...)
                backend = getattr(self._host, "backend", None)
                if getattr(backend, "_encoding", "") is None:
                    backend._encoding = "utf-8"  # type: ignore[union-attr]
            except Exception as e:  # a bad spec or backend error is the host's fault, not ours
                self._failure = f"cannot open {self.connection}: {e}"
                raise ObservationError(self._failure) from None
        return self._host

    @property
    def limit(self) -> float:
        """Seconds one round trip may take: its run on the host, the connection, a grace."""
        return REMOTE_TIMEOUT + self._timeout + GRACE

    def run(self, command: str, *args: object) -> CommandOutput:
        """Run a command (testinfra quoting); unreachable or silent host -> ObservationError.

        The remote command is bounded by timeout(1) on the host; the transport itself (a
        paramiko channel, an ssh link that died) by a deadline here, in a helper thread.
        """
        with self._lock:
            if self._failure:
                raise ObservationError(self._failure)
            if not self._logged_in:
                self._login()
                self._logged_in = True

            def call() -> CommandOutput:
                out = self.host.run("timeout %s " + command, str(REMOTE_TIMEOUT), *map(str, args))
                # decoded here: testinfra's own decoding asks the host for its locale with a
                # second remote command (python3 -c ...) the first time output is not ASCII
                return CommandOutput(int(out.rc), _text(out.stdout_bytes), _text(out.stderr_bytes))

            limit = self.limit
            self.round_trips += 1
            try:
                return call_within(limit, call)
            except Overrun:
                self._failure = f"host {self.connection} did not answer within {limit:g}s"
                raise ObservationError(self._failure) from None
            except (RuntimeError, OSError, paramiko.SSHException) as err:  # cut off
                self._failure = f"host {self.connection} unreachable: {_reason(err)}"
                raise ObservationError(self._failure) from None

    def _login(self) -> None:
        """Log in alone first, within the connection's timeout and a grace: ssh's own
        ConnectTimeout ends at the banner, so a server that stalls in the key exchange or the
        login would hold the first command far longer. The connection (an ssh master) it opens
        serves the run's commands."""
        backend = getattr(self.host, "backend", None)
        limit = self._timeout + GRACE
        silent = f"{self.endpoint}: no answer within {limit:g} s (login)"
        if isinstance(backend, ParamikoBackend):
            try:
                call_within(limit, lambda: self.host.run("true"))
            except Overrun:
                self._failure = silent
                raise ObservationError(silent) from None
            except (RuntimeError, OSError, paramiko.SSHException) as err:
                self._failure = f"host {self.connection} unreachable: {_reason(err)}"
                raise ObservationError(self._failure) from None
            return
        build = getattr(backend, "_build_ssh_command", None)
        if not isinstance(backend, SshBackend) or build is None:
            return  # local, ansible (or a stand-in): their own limits apply
        command, args = build("true")
        # log in and stop there (-N: no session, -f: return once logged in), leaving the run's
        # master behind: the login costs no session of its own, the batch runs over it
        command, args = [*command[:-1], "-f -N %s"], args[:-1]
        start = time.monotonic()
        proc = subprocess.Popen(
            backend.quote(" ".join(command), *args),
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # ssh and its shell, killed together
        )
        try:
            _, stderr = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self._failure = silent
            raise ObservationError(silent) from None
        if proc.returncode != 255:
            return  # logged in
        said = stderr.decode(errors="replace").strip().splitlines()
        elapsed = time.monotonic() - start
        if said:
            self._failure = f"host {self.connection} unreachable: {said[-1]}{_hint(said[-1])}"
        elif elapsed >= self._timeout:  # ssh's own ServerAlive limit, its message hidden
            self._failure = f"{self.endpoint}: no answer within {elapsed:.0f} s (login)"
        else:
            self._failure = f"host {self.connection} unreachable: {_SILENT_EXIT}"
        raise ObservationError(self._failure)

    def gather(self, facts: Iterable[Fact[Any]]) -> None:
        """Observe every fact not yet known in one remote command; a fact that the host could
        not answer, or the batch did not reach, is remembered with the reason."""
        with self._lock:
            todo = list(dict.fromkeys(f for f in facts if f not in self._sections))
            if not todo:
                return
            token = batch.new_token()
            try:
                out = self.run("sh -c %s", batch.script([f.command() for f in todo], token))
            except ObservationError as e:
                self._sections.update((f, str(e)) for f in todo)
                return
            sections = batch.parse(out.stdout, token, len(todo))
            cut = (
                f"host {self.connection}: the batch stopped before this fact "
                f"(rc={out.rc}{': ' + out.stderr.strip()[:200] if out.stderr.strip() else ''})"
            )
            self._sections.update(
                (f, s if s is not None else cut) for f, s in zip(todo, sections, strict=True)
            )

    def get(self, fact: Fact[T]) -> T:
        """A fact's value from the snapshot (gathered alone if it is not there yet)."""
        with self._lock:
            if fact not in self._sections:
                self.gather([fact])
            section = self._sections[fact]
        if isinstance(section, str):
            raise ObservationError(section)
        return fact.parse(section)


_SILENT_EXIT = "ssh exited 255 and said nothing (its LogLevel may hide why)"


UNKNOWN_HOST_KEY = (
    " (its host key is not in known_hosts, and ssh runs with BatchMode=yes: check the "
    "fingerprint with the host's owner, then add it: ssh-keyscan -p PORT ADDRESS >> "
    "~/.ssh/known_hosts, or the UserKnownHostsFile of your ssh_config; see the README)"
)


def _hint(said: str) -> str:
    """What to do about an ssh failure whose words alone do not say it."""
    return UNKNOWN_HOST_KEY if "Host key verification failed" in said else ""


def _reason(error: Exception) -> str:
    """ssh failures arrive as RuntimeError(CommandResult); keep only ssh's own words, never
    the object's repr."""
    arg = error.args[0] if error.args else error
    stderr = getattr(arg, "stderr", None)
    if isinstance(stderr, str):
        text = stderr.strip()
        last = text.splitlines()[-1] if text else _SILENT_EXIT
        return last + _hint(last)
    text = str(arg).strip()
    return text.splitlines()[-1] if text else type(error).__name__


_PROBES: dict[str, HostProbe] = {}


def probe_for(case: CheckCase) -> HostProbe:
    """The per-run, per-machine probe (xdist groups a machine's tests on one worker)."""
    key = case.probe_key
    if key not in _PROBES:
        ssh_config = str(case.ssh_config) if case.ssh_config else None
        _PROBES[key] = HostProbe(case.connection, ssh_config, case.default_timeout)
    return _PROBES[key]


def reset() -> None:
    """Forget every probe (end of a session)."""
    _PROBES.clear()


def _text(data: bytes) -> str:
    """A command's output as text: UTF-8, the runbooks' logs included; a byte that is not
    UTF-8 shows as U+FFFD rather than failing the check."""
    return data.decode("utf-8", errors="replace")
