"""Each run's own ssh control masters: a fresh control directory per run, closed at its end.

Masters outlive their last command by ControlPersist; kept in one shared directory, a run right
after another would reuse them and not notice that new logins hang (sshd stopped). So the run's
controller makes a directory of its own (:func:`begin`), its xdist workers inherit it through
:data:`ENV` (set before they start), and at the end the controller sends ``ssh -O exit`` to every
master in it and removes it (:func:`end`). A control socket's path must stay under 108 bytes
with ssh's ``%C`` (40) and the 17-character suffix of its temporary name: the directory is kept
short (``/tmp/xunjian-ssh-0/k3x9a1bz``, or ``/tmp/xj-k3x9a1bz`` under a long base).
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

ENV = "XUNJIAN_SSH_RUN_DIR"
LONGEST = 48  # bytes of a control directory: 48 + "/" + 40 + 17 + NUL < 108
_OWNED: list[str] = []  # the run directories this process made, closed by end()


def begin(base: str) -> str:
    """A new run directory under ``base`` (or /tmp if a name there would be too long), which
    this process owns and processes started from now on inherit."""
    os.makedirs(base, mode=0o700, exist_ok=True)
    short = len(base) + len("/") + 8 <= LONGEST
    path = tempfile.mkdtemp(prefix="" if short else "xj-", dir=base if short else "/tmp")
    os.environ[ENV] = path
    if not _OWNED:
        atexit.register(end)  # a process that is not a pytest run (a CLI, a script) too
    _OWNED.append(path)
    return path


def current() -> str | None:
    """The run directory this process was given or made, if it still exists."""
    path = os.environ.get(ENV)
    return path if path and os.path.isdir(path) else None


def sockets(path: str) -> list[str]:
    try:
        entries = list(os.scandir(path))
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            if stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode):
                found.append(entry.path)
        except OSError:
            pass
    return sorted(found)


def close(socket_path: str) -> bool:
    """Ask the master behind a control socket to exit (``ssh -O exit``); True if it did."""
    try:
        done = subprocess.run(
            [
                "ssh",
                "-F",
                "/dev/null",
                "-o",
                f"ControlPath={socket_path}",
                "-O",
                "exit",
                "xunjian-run",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def end() -> int:
    """Close every master of the runs this process began and remove their directories; the
    number of masters closed. Other processes' directories (a worker's inherited one) stay."""
    closed = 0
    for path in _OWNED:
        found = sockets(path)
        try:
            with ThreadPoolExecutor(max_workers=min(32, len(found) or 1)) as pool:
                closed += sum(pool.map(close, found))
        except RuntimeError:  # at interpreter exit (atexit): no new threads, one by one
            closed += sum(close(sock) for sock in found if os.path.exists(sock))
        shutil.rmtree(path, ignore_errors=True)
    if os.environ.get(ENV) in _OWNED:
        del os.environ[ENV]
    _OWNED.clear()
    return closed
