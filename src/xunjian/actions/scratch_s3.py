"""A throwaway S3 server for restore drills: the lab's own recipe (:mod:`xunjian.lab.s3`,
SeaweedFS ``weed mini``), in a temporary directory, on 127.0.0.1, every one of its ports free,
with a random key pair of its own."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import requests

from xunjian.actions import subproc
from xunjian.actions.clock import Deadline
from xunjian.actions.rclone import Remote
from xunjian.actions.scratch import (
    LOOPBACK,
    ScratchServer,
    free_ports,
    start_retrying,
    wait_ready,
)
from xunjian.lab.s3 import prepare_dirs, weed_argv, write_identity

READY = 60.0
PORTS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "debug.port",
)


class ScratchS3(ScratchServer):
    """``with ScratchS3(parent, deadline, name) as s3:`` an S3 server gone afterwards; its
    ``remote`` is the only kind of remote a drill may write to."""

    PREFIX = ".drill-s3-"

    def __init__(
        self,
        parent: Path,
        deadline: Deadline,
        name: str = "DRILL",
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        super().__init__(parent, deadline)
        self.name = name
        self.access_key = access_key or f"drill{secrets.token_hex(4)}"
        self.secret_key = secret_key or secrets.token_urlsafe(24)

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def remote(self) -> Remote:
        return Remote(
            self.name,
            self.endpoint,
            self.access_key,
            self.secret_key,
            provider="SeaweedFS",
            writable=True,
        )

    def _start(self) -> None:
        start_retrying(self._start_once, self._stop)

    def _start_once(self) -> None:
        prepare_dirs(self.root)
        config = self.root / "s3.json"
        write_identity(config, "drill", self.access_key, self.secret_key)
        ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
        ports |= {"s3.port.iceberg": 0, "s3.port.lance": 0}
        self.port = ports["s3.port"]
        log = self.root / "weed.log"
        with log.open("wb") as out:
            self._proc = subproc.start(
                weed_argv(self.root, LOOPBACK, config, ports, self.sockets),
                subproc.environment(self.root),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_ready(self._proc, self._healthy, "the scratch S3 server", log, self.deadline, READY)

    def _healthy(self) -> bool:
        with requests.Session() as http:
            http.trust_env = False  # no proxy of the runner's between us and 127.0.0.1
            return http.get(f"{self.endpoint}/healthz", timeout=2).status_code == 200
