"""Redis: one redis-server on the miniapp and wecom addresses, port 6379, no persistence."""

from __future__ import annotations

import socket

from xunjian.lab.component import Component
from xunjian.lab.topology import REDIS_ADDRS


def ping(addr: str, port: int = 6379, timeout: float = 2.0) -> bool:
    with socket.create_connection((addr, port), timeout=timeout) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        return sock.recv(64).startswith(b"+PONG")


class Redis(Component):
    name = "redis"

    def listen(self) -> list[tuple[str, int]]:
        return [(a, 6379) for a in REDIS_ADDRS]

    def argv(self) -> list[str]:
        data = self.paths.data("redis")
        data.mkdir(parents=True, exist_ok=True)
        return [
            "redis-server",
            "--bind",
            *REDIS_ADDRS,
            "--port",
            "6379",
            "--daemonize",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--dir",
            str(data),
            "--logfile",
            "",
            "--maxmemory",
            "32mb",
        ]

    def marker(self) -> str:
        return f"{REDIS_ADDRS[0]}:6379"

    def healthy(self) -> bool:
        return all(ping(a) for a in REDIS_ADDRS)
