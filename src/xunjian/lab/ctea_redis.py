"""The CTEA platform's own Redis (runbook 004) on 127.0.14.1:6379: stopping it breaks only
``/api/health/redis`` of the CTEA app, not runbook 000's services on the shared lab Redis."""

from __future__ import annotations

from xunjian.lab.component import Component
from xunjian.lab.redis import ping
from xunjian.lab.topology import CTEA, CTEA_REDIS_PORT


class CteaRedis(Component):
    name = "ctea-redis"

    def listen(self) -> list[tuple[str, int]]:
        return [(CTEA, CTEA_REDIS_PORT)]

    def argv(self) -> list[str]:
        data = self.paths.data(self.name)
        data.mkdir(parents=True, exist_ok=True)
        return [
            "redis-server",
            "--bind", CTEA,
            "--port", str(CTEA_REDIS_PORT),
            "--daemonize", "no",
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            "--dir", str(data),
            "--logfile", "",
            "--maxmemory", "16mb",
        ]  # fmt: skip

    def marker(self) -> str:
        return f"{CTEA}:{CTEA_REDIS_PORT}"

    def healthy(self) -> bool:
        return ping(CTEA, CTEA_REDIS_PORT)
