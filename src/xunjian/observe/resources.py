"""Host resource facts for the ``hostres`` kind: CPU busy share, memory, a filesystem's use and
the load per core, each a quoted command for the host's batch and a pure parser.

CPU is two samples of ``/proc/stat``'s first line one second apart, taken in the same command,
so the busy share is over that second (not since boot).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.result import ObservationError

CPU_INTERVAL = 1  # seconds between the two /proc/stat samples


def _bad(fact: Fact[Any], section: Section) -> ObservationError:
    return ObservationError(
        f"`{fact.describe()}` printed something unexpected: {section.stdout[:160]!r}"
    )


def cpu_busy(first: str, second: str) -> float:
    """Busy % between two ``cpu ...`` lines of /proc/stat (idle and iowait count as idle)."""
    a = [int(x) for x in first.split()[1:]]
    b = [int(x) for x in second.split()[1:]]
    if len(a) < 4 or len(a) != len(b):
        raise ValueError("not two /proc/stat cpu lines")

    def idle(v: list[int]) -> int:
        return v[3] + (v[4] if len(v) > 4 else 0)

    total = sum(b[:8]) - sum(a[:8])  # guest time is counted in user already
    if total <= 0:
        raise ValueError("no CPU time passed between the samples")
    return 100.0 * (total - (idle(b) - idle(a))) / total


@dataclass(frozen=True)
class CpuBusy(Fact[float]):
    """Busy share of all CPUs, in %, over :data:`CPU_INTERVAL` seconds."""

    def command(self) -> str:
        return f"head -n 1 /proc/stat && sleep {CPU_INTERVAL} && head -n 1 /proc/stat"

    def parse(self, section: Section) -> float:
        if section.rc != 0:
            raise self.failed(section)
        lines = [ln for ln in section.stdout.splitlines() if ln.startswith("cpu ")]
        try:
            return cpu_busy(lines[0], lines[1])
        except (IndexError, ValueError):
            raise _bad(self, section) from None


@dataclass(frozen=True)
class MemoryUse(Fact[float]):
    """Memory in use, in %: 1 - MemAvailable / MemTotal."""

    def command(self) -> str:
        return "cat /proc/meminfo"

    def parse(self, section: Section) -> float:
        if section.rc != 0:
            raise self.failed(section)
        fields = {}
        for line in section.stdout.splitlines():
            key, _, rest = line.partition(":")
            if rest.split():
                fields[key.strip()] = rest.split()[0]
        try:
            total, available = int(fields["MemTotal"]), int(fields["MemAvailable"])
            return 100.0 * (1 - available / total)
        except (KeyError, ValueError, ZeroDivisionError):
            raise _bad(self, section) from None


@dataclass(frozen=True)
class DiskUsage:
    """A filesystem's use as ``df -P`` reports it: its mount point and the used share in %
    (used / (used + available), as df's Capacity column, reserved blocks excluded)."""

    filesystem: str
    mount: str
    used: int  # 1024-byte blocks
    available: int

    @property
    def percent(self) -> float:
        whole = self.used + self.available
        return 100.0 * self.used / whole if whole else 0.0


@dataclass(frozen=True)
class DiskUse(Fact[DiskUsage | None]):
    """The filesystem holding ``path``; None if the path does not exist."""

    path: str

    def command(self) -> str:
        p = shlex.quote(self.path)
        return f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; LC_ALL=C df -P -k -- {p}"

    def describe(self) -> str:
        return f"df -P -- {shlex.quote(self.path)}"

    def parse(self, section: Section) -> DiskUsage | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        lines = section.stdout.splitlines()
        try:
            # Filesystem 1024-blocks Used Available Capacity Mounted-on (the mount may hold spaces)
            parts = lines[1].split(None, 5)
            return DiskUsage(parts[0], parts[5], int(parts[2]), int(parts[3]))
        except (IndexError, ValueError):
            raise _bad(self, section) from None


@dataclass(frozen=True)
class LoadPerCore(Fact[tuple[float, int]]):
    """The 1-minute load average and the number of online CPUs."""

    def command(self) -> str:
        return "cat /proc/loadavg && getconf _NPROCESSORS_ONLN"

    def parse(self, section: Section) -> tuple[float, int]:
        if section.rc != 0:
            raise self.failed(section)
        lines = section.stdout.split("\n")
        try:
            return float(lines[0].split()[0]), int(lines[1].strip())
        except (IndexError, ValueError):
            raise _bad(self, section) from None
