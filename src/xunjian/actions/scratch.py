"""What the scratch servers of restore drills share: free ports on loopback, a short path for
their sockets, waiting for a server to answer, and stopping it with everything it started.

A scratch server lives in a temporary directory of its own (beside the backups by default, so
a large restore has the backup disk's room), listens on 127.0.0.1 only, on ports nobody else
holds, and is gone, files and all, when the drill ends, whatever its outcome.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Self

from xunjian.actions import ActionError, subproc
from xunjian.actions.clock import Deadline

LOOPBACK = "127.0.0.1"


def free_ports(count: int, address: str = LOOPBACK) -> list[int]:
    """``count`` distinct ports free on ``address`` now (held together while chosen)."""
    with ExitStack() as held:
        socks = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((address, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def workdir(directory: Path) -> Path:
    """A fresh ``.work-*`` folder in a backup directory for one run's scratch files, after
    removing those of runs that died (call it holding the directory's lock: no run is live)."""
    for stale in directory.glob(".work-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=".work-", dir=directory))


def socket_dir() -> Path:
    """A directory with a short path for a server's unix sockets (at most 107 bytes each,
    which a backup directory's path may already exceed); the caller removes it."""
    return Path(
        tempfile.mkdtemp(prefix="xunjian-drill-", dir="/tmp" if Path("/tmp").is_dir() else None)
    )


def wait_ready(
    proc: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    what: str,
    log: Path,
    deadline: Deadline,
    seconds: float,
) -> None:
    """Until ``ready()`` is true; :class:`ActionError` with the server's log if it exits or
    does not answer within ``seconds``."""
    end = time.monotonic() + min(seconds, deadline.left(f"starting {what}"))
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise ActionError(f"{what} exited {proc.returncode} while starting: {tail(log)}")
        try:
            if ready():
                return
        except Exception:  # not answering yet
            pass
        time.sleep(0.1)
    raise ActionError(f"{what} did not answer within {seconds:g} s: {tail(log)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and everything it started: its data is thrown away, so it need not
    shut down cleanly (weed takes seconds to)."""
    subproc.kill(proc)
    proc.wait()


def tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no log)"
    return " | ".join(ln.strip() for ln in text if ln.strip()) or "(empty log)"


# what a server says when a port chosen free was taken before it could bind it (ephemeral
# ports are shared with every outgoing connection of the runner)
PORT_TAKEN = ("Port allocation failed", "Address already in use", "Can't start server: Bind")
START_ATTEMPTS = 3


def start_retrying(start: Callable[[], None], undo: Callable[[], None]) -> None:
    """``start()``; again, with fresh ports, if the server lost a port it was given to another
    process (``undo()`` stops what the failed attempt left). Any other failure is raised."""
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            start()
            return
        except ActionError as e:
            if attempt == START_ATTEMPTS or not any(w in str(e) for w in PORT_TAKEN):
                raise
            undo()


class ScratchServer:
    """The lifecycle both scratch servers share: ``with`` makes its temporary directory and
    socket directory, starts it (:meth:`_start`, a subclass's), and on exit, or on a failed
    start, stops the process and removes only what it made."""

    PREFIX = ".drill-"

    def __init__(self, parent: Path, deadline: Deadline) -> None:
        self.parent = parent
        self.deadline = deadline
        self.root = Path()
        self.sockets = Path()
        self._made: list[Path] = []  # removed on exit: only what this server made
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        if self._proc is not None:
            stop(self._proc)
            self._proc = None

    def __enter__(self) -> Self:
        try:
            self.root = Path(tempfile.mkdtemp(prefix=self.PREFIX, dir=self.parent))
            self._made.append(self.root)
            self.sockets = socket_dir()
            self._made.append(self.sockets)
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()
        for made in self._made:
            shutil.rmtree(made, ignore_errors=True)
        self._made.clear()
