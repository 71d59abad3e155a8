"""CreditPilot's app server on 127.0.11.1 (runbook 001): the Flask API on 5000 over the lab's
SQLite file, with stand-ins for the Accounting API (8000) and the MCP server (8080); see
``apps/creditpilot_app.py``.

Faults for tests are a JSON file the app reads on every request:

>>> cp = CreditPilot(ctx); cp.fault(health_delay=1.2)   # WARN band of runbook 001 §2
>>> cp.fault(health_status=503); cp.fault(empty_customers=True); cp.fault(cors_broken=True)
>>> cp.clear_faults()
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import requests

from xunjian.lab.component import Component
from xunjian.lab.topology import CREDITPILOT, CREDITPILOT_PORTS


class CreditPilot(Component):
    name = "creditpilot"

    @property
    def root(self) -> Path:
        """The app's directory on the host (``logs/error.log`` and ``db/`` are below it)."""
        return self.paths.creditpilot_db.parent.parent

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    @property
    def faults(self) -> Path:
        return self.paths.etc / "creditpilot-faults.json"

    def listen(self) -> list[tuple[str, int]]:
        return [(CREDITPILOT, port) for port in CREDITPILOT_PORTS]

    def marker(self) -> str:
        return "xunjian.lab.apps.creditpilot_app"

    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "xunjian.lab.apps.creditpilot_app",
            "--host",
            CREDITPILOT,
            "--db",
            str(self.paths.creditpilot_db),
            "--root",
            str(self.root),
            "--faults",
            str(self.faults),
        ]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        return {"PYTHONPATH": src + (os.pathsep + old if old else "")}

    def prepare(self) -> None:
        self.error_log.parent.mkdir(parents=True, exist_ok=True)
        self.error_log.touch()

    def healthy(self) -> bool:
        url = f"http://{CREDITPILOT}:{CREDITPILOT_PORTS[0]}/lab/ready"
        return requests.get(url, timeout=3).status_code == 200

    def fault(self, **faults: object) -> None:
        """Switch faults on (health_delay, health_status, empty_customers, cors_broken,
        ocr_status); they add to those already on."""
        on = self._faults() | faults
        tmp = self.faults.with_suffix(".new")
        tmp.write_text(json.dumps(on))
        tmp.replace(self.faults)

    def clear_faults(self) -> None:
        self.faults.unlink(missing_ok=True)

    def _faults(self) -> dict[str, object]:
        try:
            loaded = json.loads(self.faults.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}
