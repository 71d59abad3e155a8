"""Start detached processes, track them by pidfile, stop them, and wait for readiness."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

# Children started by this Python process, kept so that stopped ones are reaped (no zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def spawn(
    argv: list[str],
    pidfile: Path,
    logfile: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in its own session, output to ``logfile``; write and return its pid."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=full_env,
            start_new_session=True,
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(f"{proc.pid}\n")
    return proc.pid


def _reap(pid: int) -> None:
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    if state not in ("Z", "X"):
        return True
    # A killed multi-threaded process (a JVM) shows its leader as a zombie while the other
    # threads still exit and its sockets are still open: it is dead only when they are gone.
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def read_pid(pidfile: Path, marker: str) -> int | None:
    """The live pid recorded in ``pidfile`` whose command line contains ``marker``, else None."""
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if alive(pid) and marker in cmdline(pid):
        return pid
    return None


def parent(pid: int) -> int:
    """The parent pid of ``pid`` (0 if it cannot be read)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def descendants(pid: int) -> list[int]:
    """All processes below ``pid`` (children, grandchildren...) found through /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` is alive; return those still alive at the timeout."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p)]
    return left


def terminate(pid: int, timeout: float, crash: bool = False) -> None:
    """Stop ``pid`` and everything below it: SIGTERM, then SIGKILL after ``timeout``.

    With ``crash`` the whole tree gets SIGKILL at once, as if the process had died.
    """
    tree = [pid, *descendants(pid)]
    if crash:
        _signal(tree, signal.SIGKILL)
        wait_gone(tree, 5.0)
        return
    _signal([pid], signal.SIGTERM)
    _signal(wait_gone([pid], timeout), signal.SIGKILL)
    rest = [p for p in tree[1:] if alive(p)]  # e.g. sshd sessions, orphaned workers
    _signal(rest, signal.SIGTERM)
    left = wait_gone(rest, 2.0)
    _signal(left, signal.SIGKILL)
    wait_gone([pid, *left], 5.0)


def port_open(addr: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((addr, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except Exception:  # a failing probe means "not ready yet"
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def run(
    argv: list[str],
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a short command, raising with its output if it fails."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        input=input_text,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {result.returncode}: {result.stderr.strip()[-800:]}")
    return result
