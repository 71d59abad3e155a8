"""CreditPilot's app server on 127.0.11.1 (runbook 001): the Flask API on 5000 over the lab's
SQLite file, with stand-ins for the Accounting API (8000) and the MCP server (8080); see
``apps/creditpilot_app.py``. Its directory (``/opt/creditpilot`` in production) holds ``db/``,
``logs/error.log``, ``cors_config.py``, ``bank_parser_templates.json`` and ``.env``; the
workflow logs go to ``/tmp/logs`` of the lab host (both under /run/xunjian-lab/root).

Faults for tests are a JSON file the app reads on every request:

>>> cp = CreditPilot(ctx); cp.fault(health_delay=1.2)   # WARN band of runbook 001 §2
>>> cp.fault(health_status=503); cp.fault(empty_customers=True); cp.fault(cors_broken=True)
>>> cp.fault(delay={"/api/bill/ocr-status": 6})   # that path answers after 6 s
>>> cp.fault(metrics_off=True, quiet_logs=True)   # /metrics 404; no request lines logged
>>> cp.fault(open_access=True, token_auth_off=True, rbac_off=True, login_broken=True)   # §7
>>> cp.clear_faults()
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import requests

from xunjian.lab import creditpilot_env, creditpilot_files, seed
from xunjian.lab.component import Component
from xunjian.lab.faults import Faults
from xunjian.lab.topology import CREDITPILOT, CREDITPILOT_PORTS


class CreditPilot(Faults, Component):
    name = "creditpilot"

    @property
    def root(self) -> Path:
        """The app's directory on the host (``logs/error.log`` and ``db/`` are below it)."""
        return self.paths.creditpilot_db.parent.parent

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    @property
    def worklogs(self) -> Path:
        """``/tmp/logs`` of the lab host: the workflow logs Server_*.log, Accounting_API_*.log."""
        return self.paths.fs / "tmp" / "logs"

    @property
    def config_files(self) -> tuple[Path, ...]:
        return (
            self.root / "cors_config.py",
            self.root / "bank_parser_templates.json",
            self.root / ".env",
        )

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
            "--logs",
            str(self.worklogs),
            "--faults",
            str(self.faults),
        ]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        return {
            "PYTHONPATH": src + (os.pathsep + old if old else ""),
            "CREDITPILOT_SECRET_KEY": self.ctx.secrets["CREDITPILOT_SECRET_KEY"],
            **creditpilot_env.variables(self.ctx.secrets),  # runbook 001 §6
        }

    def prepare(self) -> None:
        """Seed again a database from an older seed (or without users), or missing files."""
        if self._version() != seed.creditpilot_version() or not all(
            f.exists() for f in self.config_files
        ):
            seed.seed_creditpilot(self.paths)
        self.error_log.parent.mkdir(parents=True, exist_ok=True)
        self.error_log.touch()
        self.worklogs.mkdir(parents=True, exist_ok=True)

    def restore_files(self) -> None:
        """The configuration files as seeded (after a test removed or truncated one)."""
        creditpilot_files.write(self.root, self.ctx.secrets)

    def _version(self) -> int | None:
        db = self.paths.creditpilot_db
        if not db.exists():
            return None
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def healthy(self) -> bool:
        url = f"http://{CREDITPILOT}:{CREDITPILOT_PORTS[0]}/lab/ready"
        return requests.get(url, timeout=3).status_code == 200
