"""CreditPilot stand-in (runbook 001): a Flask app over the lab's CreditPilot SQLite file.

Run as ``python -m xunjian.lab.apps.creditpilot_app --host 127.0.11.1 --db <file> --root <dir>
--logs <dir> --faults <json>`` with CREDITPILOT_SECRET_KEY in the environment. Port 5000 is the
Flask server (§2 health, §3 data endpoints, §7 CORS from ``<root>/cors_config.py`` and login /
RBAC, Prometheus metrics on ``/metrics``); 8000 stands in for the Accounting API (bearer tokens)
and 8080 for the MCP server. Recording a transaction updates its bill and the stored totals
(``balance_summary``, the 净余额 of §4) in one SQLite transaction. Errors go to
``<root>/logs/error.log`` as ``[YYYY-MM-DD HH:MM:SS] [ERROR] ...`` with the stack below, and
to the workflow log (``<logs>/Server_*.log``, §5). Faults are read from the JSON file on every
request (lab/creditpilot.py lists them).
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from xunjian.lab.apps.creditpilot_auth import Auth
from xunjian.lab.apps.creditpilot_worklog import WorkLog

Faults = Callable[[], dict[str, Any]]


def fault_reader(faults: Path) -> Faults:
    def fault() -> dict[str, Any]:
        try:
            loaded = json.loads(faults.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    return fault


def read_env(path: Path) -> dict[str, str]:
    """The app's env file (``KEY=value`` lines), as python-dotenv would load it."""
    if not path.exists():
        return {}
    pairs = (ln.partition("=") for ln in path.read_text().splitlines() if not ln.startswith("#"))
    return {k.strip(): v.strip() for k, sep, v in pairs if sep}


def create_app(db: Path, root: Path, logs: Path, fault: Faults) -> Flask:
    app = Flask("creditpilot")
    app.secret_key = os.environ["CREDITPILOT_SECRET_KEY"]
    auth = Auth(db, app.secret_key, fault)
    origins = frozenset(runpy.run_path(str(root / "cors_config.py"))["ALLOWED_ORIGINS"])
    worklog = WorkLog(logs, "Server", fault)
    worklog.attach(app)
    sentry = bool(read_env(root / ".env").get("SENTRY_DSN"))
    worklog.write("INFO", f"CreditPilot starting; Sentry {'on' if sentry else 'not configured'}")
    error_log = root / "logs" / "error.log"
    error_log.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    metrics = CollectorRegistry()
    served = Counter(
        "creditpilot_requests", "requests answered", ["path", "status"], registry=metrics
    )

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

    @app.before_request
    def slow() -> None:
        time.sleep(float(fault().get("delay", {}).get(request.path, 0)))

    @app.after_request
    def cors(resp: Response) -> Response:
        origin = request.headers.get("Origin", "")
        if origin in origins and not fault().get("cors_broken"):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Credentials"] = "true"
            resp.headers["Vary"] = "Origin"
        served.labels(
            request.path if request.path.startswith("/api/") else "other", str(resp.status_code)
        ).inc()
        return resp

    @app.errorhandler(Exception)
    def crashed(exc: Exception) -> tuple[Response, int] | HTTPException:
        if isinstance(exc, HTTPException):
            return exc  # a 404 or 405 is an answer, not an error
        trace = "".join(traceback.format_exception(exc)).rstrip()
        log("ERROR", f"{request.method} {request.path} {type(exc).__name__}: {exc}\n{trace}")
        worklog.write("ERROR", f"{request.method} {request.path} {type(exc).__name__}: {exc}")
        return jsonify({"status": "error", "error": type(exc).__name__}), 500

    @app.get("/lab/ready")
    def ready() -> Response:
        return jsonify({"ready": True})

    @app.get("/lab/crash")
    def crash() -> Response:
        raise RuntimeError("lab fault: an unhandled error")

    @app.get("/metrics")
    def prometheus() -> Response:
        if fault().get("metrics_off"):
            abort(404)
        return Response(generate_latest(metrics), mimetype=CONTENT_TYPE_LATEST)

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
        totals = rows("SELECT total_charges, total_payments, net_balance FROM balance_summary")
        return jsonify({"customers": customer_count(), "bills": bills, **dict(totals[0])})

    @app.get("/api/bill/ocr-status")
    def ocr_status() -> Response:
        return jsonify({"status": fault().get("ocr_status", "ready")})

    @app.post("/api/auth/login")
    def login() -> tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        user = auth.login(str(body.get("username", "")), str(body.get("password", "")))
        if user is None:
            return jsonify({"error": "invalid username or password"}), 401
        return jsonify({"token": auth.token(user), "role": user["role"]}), 200

    @app.get("/api/auth/me")
    def me() -> tuple[Response, int]:
        if denied := auth.refuse(()):
            return denied
        return jsonify(auth.current(True) or {"username": None, "role": None}), 200

    @app.get("/api/admin/users")
    def users() -> tuple[Response, int]:
        if denied := auth.refuse(("Admin",)):
            return denied
        return jsonify([dict(r) for r in rows("SELECT id, username, role FROM users")]), 200

    @app.post("/api/transactions")
    def record() -> tuple[Response, int]:
        if denied := auth.refuse(("Admin", "Accountant")):
            return denied
        body = request.get_json(silent=True) or {}
        try:
            amount = Decimal(str(body["amount"])).quantize(Decimal("0.01"))
            kind, bill = str(body["type"]), int(body["bill_id"])
        except (KeyError, ValueError, InvalidOperation):
            return jsonify({"error": "give bill_id, type (charge/payment) and amount"}), 400
        if kind not in ("charge", "payment") or amount <= 0:
            return jsonify({"error": "type is charge or payment, amount above 0"}), 400
        record_transaction(db, bill, kind, amount, str(body.get("description", "")))
        return jsonify({"recorded": True}), 201

    return app


def record_transaction(db: Path, bill: int, kind: str, amount: Decimal, text: str) -> None:
    """The transaction, its bill's totals and the stored totals, in one SQLite transaction."""
    column = "total_charges" if kind == "charge" else "total_payments"
    signed = amount if kind == "charge" else -amount
    with closing(sqlite3.connect(db)) as conn, conn:
        (customer,) = conn.execute("SELECT customer_id FROM bills WHERE id = ?", (bill,)).fetchone()
        conn.execute(
            "INSERT INTO transactions (bill_id, customer_id, transaction_date, description,"
            " transaction_type, amount) VALUES (?, ?, date('now'), ?, ?, ?)",
            (bill, customer, text or kind, kind, float(amount)),
        )
        conn.execute(
            f"UPDATE bills SET {column} = round({column} + ?, 2),"
            " closing_balance = round(closing_balance + ?, 2) WHERE id = ?",
            (float(amount), float(signed), bill),
        )
        conn.execute(
            f"UPDATE balance_summary SET {column} = round({column} + ?, 2),"
            " net_balance = round(net_balance + ?, 2), updated_at = datetime('now')",
            (float(amount), float(signed)),
        )


def accounting_api(db: Path, secret: str, logs: Path, fault: Faults) -> Flask:
    """The Accounting API (FastAPI in production): its ledger needs a bearer token."""
    app = Flask("accounting-api")
    auth = Auth(db, secret, fault)
    worklog = WorkLog(logs, "Accounting_API", fault)
    worklog.attach(app)
    worklog.write("INFO", "Accounting API starting")

    @app.errorhandler(Exception)
    def crashed(exc: Exception) -> tuple[Response, int] | HTTPException:
        if isinstance(exc, HTTPException):
            return exc
        worklog.write("ERROR", f"{request.method} {request.path} {type(exc).__name__}: {exc}")
        return jsonify({"detail": type(exc).__name__}), 500

    @app.get("/")
    def index() -> Response:
        return jsonify({"service": "accounting-api", "status": "ok"})

    @app.get("/lab/crash")
    def crash() -> Response:
        raise RuntimeError("lab fault: an unhandled error")

    @app.get("/api/ledger")
    def ledger() -> tuple[Response, int]:
        if denied := auth.refuse(("Admin", "Accountant"), False, "token_auth_off"):
            return denied
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT net_balance FROM balance_summary").fetchone()
        return jsonify({"net_balance": row[0]}), 200

    return app


def mcp_server() -> Flask:
    """The MCP server: it answers, nothing more."""
    app = Flask("mcp-server")

    @app.get("/")
    def index() -> Response:
        return jsonify({"service": "mcp-server", "status": "ok"})

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--logs", type=Path, required=True)
    ap.add_argument("--faults", type=Path, required=True)
    args = ap.parse_args()
    fault = fault_reader(args.faults)
    secret = os.environ["CREDITPILOT_SECRET_KEY"]
    servers = [
        make_server(args.host, 8000, accounting_api(args.db, secret, args.logs, fault), True),
        make_server(args.host, 8080, mcp_server(), threaded=True),
    ]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    app = create_app(args.db, args.root, args.logs, fault)
    make_server(args.host, 5000, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
