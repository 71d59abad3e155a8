"""Listening sockets as ``ss -Hltnp`` prints them, parsed into plain records (pure).

Not testinfra's ``host.socket``: it runs one ``ss`` per question and does not say which process
owns a socket; one parsed ``ss -ltnp`` per host answers every port and process check of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OWNER = re.compile(r'\("([^"]+)",pid=(\d+)')
WILDCARDS = frozenset({"0.0.0.0", "*", "::", "[::]"})


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    owners: tuple[tuple[str, int], ...]  # (process name, pid)

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.owners}

    @property
    def pids(self) -> set[int]:
        return {pid for _, pid in self.owners}

    def __str__(self) -> str:
        who = ",".join(sorted(f"{n}[{p}]" for n, p in self.owners)) or "owner not visible"
        return f"{self.address}:{self.port} ({who})"


def split_address(local: str) -> tuple[str, int]:
    """``127.0.0.1:80`` / ``[::1]:80`` / ``*:22`` / ``127.0.0.53%lo:53`` -> (address, port)."""
    addr, _, port = local.rpartition(":")
    addr = addr.split("%", 1)[0]
    if addr.startswith("[") and addr.endswith("]") and addr != "[::]":
        addr = addr[1:-1]
    return addr, int(port)


def parse_ss(output: str) -> list[Listener]:
    listeners = []
    for line in output.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5 or parts[0] != "LISTEN":
            continue
        address, port = split_address(parts[3])
        owners = tuple((n, int(p)) for n, p in _OWNER.findall(parts[5] if len(parts) > 5 else ""))
        listeners.append(Listener(address, port, owners))
    return listeners


def bound_for(listeners: list[Listener], port: int, addresses: set[str]) -> list[Listener]:
    """Listeners on ``port`` that serve one of ``addresses`` (a wildcard bind serves them all)."""
    return [
        lst
        for lst in listeners
        if lst.port == port and (lst.address in addresses or lst.address in WILDCARDS)
    ]
