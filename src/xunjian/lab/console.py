"""The MinIO console stand-in on the wecom host, port 9001 (see ``apps/console.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import requests

from xunjian.lab.component import Component
from xunjian.lab.topology import CONSOLE_PORT, S3_PORT, WECOM


class Console(Component):
    name = "console"

    def listen(self) -> list[tuple[str, int]]:
        return [(WECOM, CONSOLE_PORT)]

    def marker(self) -> str:
        return "xunjian.lab.apps.console"

    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "xunjian.lab.apps.console",
            "--listen",
            f"{WECOM}:{CONSOLE_PORT}",
            "--s3",
            f"http://{WECOM}:{S3_PORT}",
        ]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        return {"PYTHONPATH": src + (os.pathsep + old if old else "")}

    def healthy(self) -> bool:
        return requests.get(f"http://{WECOM}:{CONSOLE_PORT}/", timeout=3).status_code == 200
