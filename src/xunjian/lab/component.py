"""A lab component: one supervised process, its config, its addresses and its readiness probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xunjian.lab import process
from xunjian.lab.paths import LabPaths


@dataclass(frozen=True)
class ComponentStatus:
    """What ``Lab.status()`` reports for one component."""

    name: str
    running: bool
    pid: int | None
    addresses: tuple[str, ...]
    detail: str = ""

    def line(self) -> str:
        state = "running" if self.running else "stopped"
        pid = f"pid={self.pid}" if self.pid else "pid=-"
        text = f"{self.name:<46} {state:<8} {pid:<11} {' '.join(self.addresses)}"
        return text + (f"  ({self.detail})" if self.detail else "")


@dataclass
class Context:
    """What every component needs: the lab's paths and its secrets."""

    paths: LabPaths
    secrets: dict[str, str] = field(default_factory=dict)


class LabError(RuntimeError):
    """A component could not be started, or did not become ready in time."""


class Component:
    """Base class: subclasses give ``argv``, ``listen`` and optionally ``prepare``/``healthy``."""

    name = "component"
    ready_timeout = 30.0
    stop_timeout = 10.0

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.paths = ctx.paths

    # -- what subclasses describe -------------------------------------------------------------
    def listen(self) -> list[tuple[str, int]]:
        return []

    def argv(self) -> list[str]:
        raise NotImplementedError

    def marker(self) -> str:
        """A string that must appear in the process command line (guards against pid reuse)."""
        return str(self.paths.root)

    def child_env(self) -> dict[str, str]:
        return {}

    def cwd(self) -> Path | None:
        return None

    def prepare(self) -> None:
        """Write config files and initialise data; must be idempotent."""

    def healthy(self) -> bool:
        return True

    # -- shared behaviour ---------------------------------------------------------------------
    @property
    def pidfile(self) -> Path:
        return self.paths.pidfile(self.name)

    @property
    def logfile(self) -> Path:
        return self.paths.logfile(self.name)

    def pid(self) -> int | None:
        return process.read_pid(self.pidfile, self.marker())

    def ready(self) -> bool:
        return all(process.port_open(a, p) for a, p in self.listen()) and self.healthy()

    def launch(self) -> bool:
        """Start the process unless it already runs; True if it was started now."""
        if self.pid() is not None:
            return False
        busy = [f"{a}:{p}" for a, p in self.listen() if process.port_open(a, p, 0.3)]
        if busy:
            raise LabError(f"{self.name}: {', '.join(busy)} already taken by another process")
        self.prepare()
        process.spawn(self.argv(), self.pidfile, self.logfile, self.child_env(), self.cwd())
        return True

    def wait_ready(self) -> None:
        def check() -> bool:
            if self.pid() is None:
                raise LabError("exited")
            return self.ready()

        try:
            ok = process.wait_until(check, self.ready_timeout)
        except LabError:
            ok = False
        if not ok:
            raise LabError(
                f"{self.name} not ready after {self.ready_timeout:.0f}s "
                f"(pid={self.pid()}); log {self.logfile}:\n{self.log_tail()}"
            )

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def stop(self, crash: bool = False) -> None:
        pid = self.pid()
        if pid is not None:
            process.terminate(pid, self.stop_timeout, crash=crash)
            process.wait_until(
                lambda: not any(process.port_open(a, p, 0.2) for a, p in self.listen()), 5.0
            )
        self.pidfile.unlink(missing_ok=True)

    def status(self) -> ComponentStatus:
        pid = self.pid()
        addrs = tuple(f"{a}:{p}" for a, p in self.listen())
        if pid is None:
            return ComponentStatus(self.name, False, None, addrs)
        down = [f"{a}:{p}" for a, p in self.listen() if not process.port_open(a, p)]
        if down:
            return ComponentStatus(self.name, False, pid, addrs, "not listening: " + " ".join(down))
        if not self.healthy():
            return ComponentStatus(self.name, False, pid, addrs, "unhealthy")
        return ComponentStatus(self.name, True, pid, addrs)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
