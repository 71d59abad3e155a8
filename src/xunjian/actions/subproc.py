"""Running an action's tools (mariadb-dump, mariadb, rclone, weed): a clean environment, a
process group of their own, killed whole when the action's time limit runs out.

The environment is built, not inherited: a variable of the runner's (``AWS_CA_BUNDLE``,
``AWS_PROFILE``, ``MYSQL_HOST``, a ``~/.my.cnf`` through ``HOME``) must not change what a tool
reads or where it writes. Secrets reach a tool through its environment or a file of mode 600,
never its command line, which every user of the machine can read.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from xunjian.actions import ActionError, CannotStart
from xunjian.actions.clock import Deadline

_KEPT = ("PATH", "LANG", "LC_ALL", "TZ")


def environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """PATH and the locale of the runner, ``home`` as HOME and TMPDIR, and ``extra``."""
    env = {k: os.environ[k] for k in _KEPT if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    return env | {"HOME": str(home), "TMPDIR": str(home)} | dict(extra or {})


def tool(*names: str) -> str:
    """The first of ``names`` on PATH; :class:`CannotStart` names them all if none is."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise CannotStart(f"{' or '.join(names)} is not installed on the runner (not on PATH)")


def start(
    argv: Sequence[str],
    env: Mapping[str, str],
    stdin: int | IO[bytes] | None = None,
    stdout: int | IO[bytes] | None = None,
    stderr: int | IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(argv),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )
    except OSError as e:
        raise CannotStart(f"cannot start {argv[0]}: {e.strerror or e}") from None


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Watchdog:
    """Kills a process when the deadline passes: for waits that cannot time out themselves
    (a blocking read of a pipe)."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: Deadline, stage: str) -> None:
        self.fired = False
        self._proc = proc
        self._timer = threading.Timer(deadline.left(stage), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        kill(self._proc)

    def cancel(self) -> None:
        self._timer.cancel()


def run(
    argv: Sequence[str], env: Mapping[str, str], deadline: Deadline, stage: str
) -> subprocess.CompletedProcess[bytes]:
    """Run to the end (or to the deadline, then kill and raise); the caller judges the exit."""
    proc = start(
        argv, env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=deadline.left(stage))
    except subprocess.TimeoutExpired:
        kill(proc)
        proc.communicate()
        deadline.left(stage)  # raises TimeLimit: the deadline has passed
        raise ActionError(f"{stage}: {argv[0]} did not finish in time") from None
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def said(stderr: bytes, limit: int = 600) -> str:
    """A tool's last words, on one line, for a message."""
    text = " ".join(stderr.decode(errors="replace").split())
    return text[-limit:] or "no message"
