"""A stand-in of the Feishu open platform (open.feishu.cn) on 127.0.9.1:8090, for runbook 003:
the two calls DataSync's XTF engine makes, answered as Feishu answers them.

- ``POST /open-apis/auth/v3/tenant_access_token/internal`` ``{app_id, app_secret}`` ->
  ``{code: 0, tenant_access_token, expire}``; a wrong secret -> ``code 10014 app secret invalid``.
- ``GET /open-apis/bitable/v1/apps/<app_token>`` (the Bitable's metadata), and
  ``POST /open-apis/bitable/v1/apps/<app_token>/tables/<table_id>/records/batch_create`` with
  ``Authorization: Bearer <token>`` -> ``{code: 0, data: {records: [...]}}``.

Faults (a JSON file read on every request, like the CreditPilot app's): ``{"token":
"invalid"}`` (app secret invalid), ``{"bitable": "forbidden"}`` (91403 Forbidden),
``{"bitable": "rate"}`` (99991400 request trigger frequency limit). Records are kept in memory
and counted at ``GET /lab/records``.

    python -m xunjian.lab.feishu_open --faults PATH     # what the component runs
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
from pathlib import Path
from typing import Any

from xunjian.lab.component import Component
from xunjian.lab.topology import FEISHU_OPEN, FEISHU_OPEN_PORT

APP_ID = "cli_xunjian_lab_datasync"  # not a secret: Feishu shows app ids in its console
SECRET_KEY = "DATASYNC_FEISHU_APP_SECRET"


class FeishuOpen(Component):
    name = "feishu-open"

    def listen(self) -> list[tuple[str, int]]:
        return [(FEISHU_OPEN, FEISHU_OPEN_PORT)]

    def marker(self) -> str:
        return "xunjian.lab.feishu_open"

    @property
    def faults(self) -> Path:
        return self.paths.etc / "feishu-open-faults.json"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "xunjian.lab.feishu_open", "--faults", str(self.faults)]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        return {
            "PYTHONPATH": src + (os.pathsep + old if old else ""),
            SECRET_KEY: self.ctx.secrets[SECRET_KEY],
        }

    def fault(self, **faults: str) -> None:
        """``token="invalid"``, ``bitable="forbidden"`` or ``bitable="rate"``."""
        tmp = self.faults.with_suffix(".new")
        tmp.write_text(json.dumps(faults))
        tmp.replace(self.faults)

    def clear_faults(self) -> None:
        self.faults.unlink(missing_ok=True)


def create_app(faults: Path, app_secret: str) -> Any:
    from flask import Flask, jsonify, request

    app = Flask("feishu_open")
    tokens: set[str] = set()
    records: list[dict[str, Any]] = []
    lock = threading.Lock()

    def fault(key: str) -> str | None:
        try:
            value = json.loads(faults.read_text()).get(key)
        except (OSError, ValueError, AttributeError):
            return None
        return str(value) if value else None

    @app.post("/open-apis/auth/v3/tenant_access_token/internal")
    def token() -> Any:
        body = request.get_json(silent=True) or {}
        if fault("token") or body.get("app_id") != APP_ID or body.get("app_secret") != app_secret:
            return jsonify(code=10014, msg="app secret invalid")
        issued = "t-" + secrets.token_hex(16)
        with lock:
            tokens.add(issued)
        return jsonify(code=0, msg="ok", tenant_access_token=issued, expire=7200)

    @app.post("/open-apis/bitable/v1/apps/<app_token>/tables/<table_id>/records/batch_create")
    def batch_create(app_token: str, table_id: str) -> Any:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in tokens:
            return jsonify(code=99991663, msg="Invalid access token for authorization"), 400
        bad = fault("bitable")
        if bad == "forbidden":
            return jsonify(code=91403, msg="Forbidden"), 403
        if bad == "rate":
            return jsonify(code=99991400, msg="request trigger frequency limit"), 400
        rows = (request.get_json(silent=True) or {}).get("records") or []
        with lock:
            made = [{"record_id": f"rec{len(records) + i}", **r} for i, r in enumerate(rows)]
            records.extend(made)
        return jsonify(code=0, msg="success", data={"records": made})

    @app.get("/open-apis/bitable/v1/apps/<app_token>")
    def app_meta(app_token: str) -> Any:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in tokens:
            return jsonify(code=99991663, msg="Invalid access token for authorization"), 400
        if fault("bitable") == "forbidden":
            return jsonify(code=91403, msg="Forbidden"), 403
        return jsonify(
            code=0, msg="success", data={"app": {"app_token": app_token, "name": "DataSync"}}
        )

    @app.get("/lab/records")
    def count() -> Any:
        return jsonify(records=len(records))

    return app


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--faults", type=Path, required=True)
    args = ap.parse_args(argv)
    app = create_app(args.faults, os.environ[SECRET_KEY])
    app.run(host=FEISHU_OPEN, port=FEISHU_OPEN_PORT, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
