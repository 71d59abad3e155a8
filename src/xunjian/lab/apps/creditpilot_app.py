"""CreditPilot stand-in (runbook 001): a Flask app over the lab's CreditPilot SQLite file.

Run as ``python -m xunjian.lab.apps.creditpilot_app --host 127.0.11.1 --db <file> --root <dir>
--faults <json>``. Port 5000 is the Flask server (§2 health, §3 data endpoints, §7 CORS);
8000 and 8080 are tiny stand-ins for the Accounting API and the MCP server (the snapshot).
Errors go to ``<root>/logs/error.log`` as ``[YYYY-MM-DD HH:MM:SS] [ERROR] ...`` with the stack
below. Faults are read from the JSON file on every request (``creditpilot.Faults``).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
import time
import traceback
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

# runbook 001 §7: the ten origins the API answers with credentials
ORIGINS = frozenset(
    {
        "https://ynqoo4ipbuar.space.minimax.io",
        "https://iz6ki2qe01mh.space.minimax.io",
        "https://finance-pilot-businessgz.replit.app",
        "https://creditpilot.digital",
        "http://localhost:3000",
        "http://localhost:5000",
        "http://localhost:5678",
        "http://localhost:8000",
        "http://127.0.0.1:3000",
        "http://127.0.0.1:5000",
    }
)


def create_app(db: Path, root: Path, faults: Path) -> Flask:
    app = Flask("creditpilot")
    error_log = root / "logs" / "error.log"
    error_log.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()

    def fault() -> dict[str, Any]:
        try:
            loaded = json.loads(faults.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def log(level: str, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with lock, error_log.open("a", encoding="utf-8") as fh:
            fh.write(f"[{stamp}] [{level}] {text}\n")

    def rows(sql: str) -> list[sqlite3.Row]:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql).fetchall()

    def customer_count() -> int:
        return (
            0
            if fault().get("empty_customers")
            else int(rows("SELECT COUNT(*) FROM customers")[0][0])
        )

    @app.after_request
    def cors(resp: Response) -> Response:
        origin = request.headers.get("Origin", "")
        if origin in ORIGINS and not fault().get("cors_broken"):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Credentials"] = "true"
            resp.headers["Vary"] = "Origin"
        return resp

    @app.errorhandler(Exception)
    def crashed(exc: Exception) -> tuple[Response, int]:
        trace = "".join(traceback.format_exception(exc)).rstrip()
        log("ERROR", f"{request.method} {request.path} {type(exc).__name__}: {exc}\n{trace}")
        return jsonify({"status": "error", "error": type(exc).__name__}), 500

    @app.get("/lab/ready")
    def ready() -> Response:
        return jsonify({"ready": True})

    @app.get("/api/health")
    def health() -> tuple[Response, int]:
        f = fault()
        time.sleep(float(f.get("health_delay", 0)))
        status = int(f.get("health_status", 200))
        if status != 200:
            log("ERROR", f"GET /api/health answered {status}: database unavailable")
            return jsonify({"status": "unhealthy"}), status
        rows("SELECT 1")
        return jsonify({"status": "healthy"}), 200

    @app.get("/api/customers")
    def customers() -> Response:
        if fault().get("empty_customers"):
            return jsonify([])
        return jsonify([dict(r) for r in rows("SELECT id, name, phone FROM customers ORDER BY id")])

    @app.get("/api/dashboard/stats")
    def stats() -> Response:
        return jsonify({"customer_count": customer_count()})

    @app.get("/api/dashboard/summary")
    def summary() -> Response:
        bills = int(rows("SELECT COUNT(*) FROM bills")[0][0])
        return jsonify({"customers": customer_count(), "bills": bills})

    @app.get("/api/bill/ocr-status")
    def ocr_status() -> Response:
        return jsonify({"status": fault().get("ocr_status", "ready")})

    return app


def stand_in(name: str) -> Flask:
    """The Accounting API (FastAPI) or the MCP server: they answer, nothing more."""
    app = Flask(name)

    @app.get("/")
    def index() -> Response:
        return jsonify({"service": name, "status": "ok"})

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--faults", type=Path, required=True)
    args = ap.parse_args()
    servers = [
        make_server(args.host, 8000, stand_in("accounting-api"), threaded=True),
        make_server(args.host, 8080, stand_in("mcp-server"), threaded=True),
    ]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    app = create_app(args.db, args.root, args.faults)
    make_server(args.host, 5000, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
