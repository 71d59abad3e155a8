"""Facts about a host, pyinfra-style: a quoted shell ``command()`` and a pure ``parse()``.

A fact is a frozen value (equal facts are gathered once) and knows nothing of connections: the
host probe batches every fact a host's checks need into one remote command
(:mod:`xunjian.observe.batch`) and hands each section back to its fact's ``parse``. A fact
whose command failed raises :class:`ObservationError` from ``parse`` with the host's own words.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Generic, TypeVar

from xunjian.observe.batch import TIMEOUT_RC, Section
from xunjian.observe.procs import PS_COMMAND, Proc, parse_ps
from xunjian.observe.sockets import Listener, parse_ss
from xunjian.result import ObservationError

T = TypeVar("T")


class Fact(Generic[T]):
    """Base class; subclasses are frozen dataclasses."""

    def command(self) -> str:
        raise NotImplementedError

    def parse(self, section: Section) -> T:
        raise NotImplementedError

    def describe(self) -> str:
        """How a message names this fact: the command line, which holds no secret."""
        return self.command()

    def failed(self, section: Section) -> ObservationError:
        text = section.stderr if section.stderr.strip() else section.stdout
        said = "; ".join(ln.strip() for ln in text.splitlines() if ln.strip())
        if section.rc == TIMEOUT_RC:
            said = said or "timed out on the host"
        return ObservationError(
            f"`{self.describe()}` failed (rc={section.rc}): {said[:300] or 'no output'}"
        )


@dataclass(frozen=True)
class Listeners(Fact[list[Listener]]):
    """Listening TCP sockets with their owners (``ss -Hltnp``; owners need root)."""

    def command(self) -> str:
        return "ss -Hltnp"

    def parse(self, section: Section) -> list[Listener]:
        if section.rc != 0:
            raise self.failed(section)
        return parse_ss(section.stdout)


@dataclass(frozen=True)
class Processes(Fact[list[Proc]]):
    """The process table with full command lines."""

    def command(self) -> str:
        return PS_COMMAND

    def parse(self, section: Section) -> list[Proc]:
        if section.rc != 0:
            raise self.failed(section)
        return parse_ps(section.stdout)


MISSING_RC = 44  # the file facts' exit code for a path that does not exist (no output)


@dataclass(frozen=True)
class Tail(Fact[tuple[str, ...] | None]):
    """The last ``lines`` lines of a file; None if the file does not exist."""

    path: str
    lines: int

    def command(self) -> str:
        p = shlex.quote(self.path)
        return (
            f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; "
            f"LC_ALL=C exec tail -n {int(self.lines)} -- {p}"
        )

    def describe(self) -> str:
        return f"tail -n {self.lines} -- {shlex.quote(self.path)}"

    def parse(self, section: Section) -> tuple[str, ...] | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        return tuple(section.stdout.splitlines())


@dataclass(frozen=True)
class FileStat:
    """A file's type, size and modification time, with the host's clock at the same moment."""

    kind: str  # stat's %F: "regular file", "directory", ...
    size: int
    mtime: int  # seconds since the epoch, host clock
    now: int  # the host's clock when it was read

    @property
    def age(self) -> int:
        """Seconds since the last modification, by the host's own clock (no skew)."""
        return self.now - self.mtime


@dataclass(frozen=True)
class Stat(Fact[FileStat | None]):
    """A file's stat (following symlinks); None if it does not exist."""

    path: str

    def command(self) -> str:
        p = shlex.quote(self.path)
        return (
            f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; "
            f"LC_ALL=C stat -L -c '%s %Y %F' -- {p} && date +%s"
        )

    def describe(self) -> str:
        return f"stat -- {shlex.quote(self.path)}"

    def parse(self, section: Section) -> FileStat | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        lines = section.stdout.splitlines()
        try:
            size, mtime, kind = lines[0].split(" ", 2)
            # GNU stat says "regular empty file" for size 0: still a regular file
            kind = "regular file" if kind == "regular empty file" else kind
            return FileStat(kind, int(size), int(mtime), int(lines[1]))
        except (IndexError, ValueError):
            raise ObservationError(
                f"`{self.describe()}` printed something unexpected: {section.stdout[:120]!r}"
            ) from None


@dataclass(frozen=True)
class UnitState(Fact[str]):
    """``systemctl is-active UNIT``'s state: active, inactive, failed, activating, unknown ...

    Exit 0 (active) and 3 (not running, LSB) are answers; any other exit (1: no systemd or bus,
    127: no systemctl, 124: timed out) says nothing about the unit.
    """

    unit: str

    def command(self) -> str:
        return f"systemctl is-active -- {shlex.quote(self.unit)}"

    def parse(self, section: Section) -> str:
        state = section.stdout.strip()
        if section.rc in (0, 3) and state and len(state.split()) == 1:
            return state
        raise self.failed(section)
