"""MindGuard's API stand-in (runbook 002): a Flask app under gunicorn on 127.0.12.1:8000,
behind the lab's second nginx (127.0.12.1:80, the access log), over the ``mindguard`` MariaDB
database, exporting with prometheus-client at ``/metrics`` what the runbook measures:

- ``mindguard_http_request_duration_seconds`` (API响应时间; the health probe and the
  long-lived ``/api/chat/stream`` are not request/response and are left out),
  ``mindguard_http_requests_total``;
- ``mindguard_function_duration_seconds`` and ``mindguard_function_invocations_total``
  (云函数执行时间, 云函数错误率: ``/fn/<name>``, the cloud functions);
- ``mindguard_db_query_duration_seconds`` (数据库查询时间, every query the API makes);
- ``mindguard_ai_requests_total{outcome}`` (AI服务成功率, the Dify workflow of a risk check);
- ``mindguard_concurrent_requests`` (并发请求数, requests in flight).

Faults are a JSON file read at most twice a second (``lab/mindguard.py``): ``latency_ms``
(every API call but the health probe),
``health_down``, ``fn_delay_ms``, ``db_sleep_ms``, ``status_5xx_every``, ``status_4xx_every``,
``fn_error_every``, ``ai_fail_every`` (every Nth call fails), ``leak_pii`` (the app log
writes phone numbers unmasked) and ``housekeeping_off`` (no clean-up of expired logs).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pymysql
from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from xunjian.lab import mindguard_data as data

API_SECONDS = Histogram(
    "mindguard_http_request_duration_seconds", "API response time", ["route"],
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0),
)  # fmt: skip
API_REQUESTS = Counter("mindguard_http_requests", "API requests answered", ["route", "status"])
FN_SECONDS = Histogram(
    "mindguard_function_duration_seconds", "cloud function execution time", ["function"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5),
)  # fmt: skip
FN_CALLS = Counter(
    "mindguard_function_invocations", "cloud function calls", ["function", "outcome"]
)
DB_SECONDS = Histogram(
    "mindguard_db_query_duration_seconds", "database query time",
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0),
)  # fmt: skip
AI_CALLS = Counter("mindguard_ai_requests", "AI (Dify workflow) calls", ["outcome"])
# every label set exported from the start, at 0: a rate over a window counts the first failure
# too (a counter that appears at 1 loses it), the Prometheus client's own advice
FUNCTIONS = ("daily-summary", "mood-trend")
for _fn in FUNCTIONS:
    for _outcome in ("ok", "error"):
        FN_CALLS.labels(_fn, _outcome)
for _outcome in ("success", "failure"):
    AI_CALLS.labels(_outcome)
# not request/response: the health probe and the long-lived AI chat stream
UNTIMED = frozenset({"/api/health", "/api/chat/stream"})
IN_FLIGHT = Gauge("mindguard_concurrent_requests", "API requests in flight")


class Faults:
    """The fault file, re-read when it changes (a test's fault holds from its next request)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._on: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            try:
                st = self.path.stat()
                stamp: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
            except OSError:
                stamp = None
            if stamp != self._stamp:
                try:
                    loaded = json.loads(self.path.read_text())
                    self._on = loaded if isinstance(loaded, dict) else {}
                except (OSError, ValueError):
                    self._on = {}
                self._stamp = stamp
            return self._on.get(key, default)


class Every:
    """Is this the Nth call? (a fault that fails every Nth call, deterministically)."""

    def __init__(self) -> None:
        self._n = itertools.count(1)
        self._lock = threading.Lock()

    def hit(self, every: Any) -> bool:
        with self._lock:
            n = next(self._n)
        return isinstance(every, int) and every > 0 and n % every == 0


def create_app(fs: Path | None = None, faults: Path | None = None) -> Flask:
    fs = fs or Path(os.environ["MINDGUARD_FS"])
    fault = Faults(faults or Path(os.environ["MINDGUARD_FAULTS"]))
    app = Flask("mindguard")
    log_lock = threading.Lock()
    every_5xx, every_4xx, every_fn, every_ai = Every(), Every(), Every(), Every()

    def connect() -> pymysql.connections.Connection[Any]:
        return pymysql.connect(
            host=data.ADDRESS, port=3306, user=data.APP_USER,
            password=os.environ["MINDGUARD_DB_PASSWORD"], database=data.DB, autocommit=True,
            connect_timeout=5, read_timeout=30, charset="utf8mb4",
            ssl_disabled=True,  # pymysql 1.2 builds a TLS context per connect: loopback needs none
        )  # fmt: skip

    def sql(statement: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """One query, timed into the DB histogram (with the ``db_sleep_ms`` fault: a slow one)."""
        slow = fault.get("db_sleep_ms", 0)
        conn = g.get("db") or connect()
        g.db = conn
        start = time.perf_counter()
        with conn.cursor() as cur:
            if slow:
                cur.execute("DO SLEEP(%s)", (slow / 1000,))
            cur.execute(statement, args)
            rows = [tuple(r) for r in cur.fetchall()]
        DB_SECONDS.observe(time.perf_counter() - start)
        return rows

    def log(text: str, user: int | None = None) -> None:
        """The app log (mode 600); a user is shown by a masked phone unless ``leak_pii``."""
        who = ""
        if user is not None:
            who = f" user={data.phone(user) if fault.get('leak_pii') else data.masked(user)}"
        line = f"{datetime.now():%Y-%m-%d %H:%M:%S} INFO {text}{who}\n"
        with log_lock:
            data.write_private(data.log_dir(fs) / "app.log", line)

    def class_log(name: str, text: str) -> None:
        cls = next(c for c in data.LOG_CLASSES if c.name == name)
        with log_lock:
            data.write_private(
                data.class_file(fs, cls, date.today()), f"{datetime.now():%H:%M:%S} {text}\n"
            )

    def user() -> int:
        try:
            return max(1, int(request.headers.get("X-User", "1")))
        except ValueError:
            return 1

    @app.before_request
    def begin() -> Response | None:
        g.start = time.perf_counter()
        if request.path == "/metrics":
            return None
        IN_FLIGHT.inc()
        g.counted = True
        if request.path.startswith("/api/"):
            if every_5xx.hit(fault.get("status_5xx_every")):
                class_log("incident", f"503 on {request.path}")
                return Response('{"error": "unavailable"}', 503, mimetype="application/json")
            if every_4xx.hit(fault.get("status_4xx_every")):
                return Response('{"error": "token expired"}', 401, mimetype="application/json")
            delay = fault.get("latency_ms", 0)
            if delay and request.path != "/api/health":
                time.sleep(delay / 1000)
        return None

    @app.after_request
    def finish(resp: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "other"
        if request.path.startswith("/api/") and route not in UNTIMED:
            API_SECONDS.labels(route).observe(time.perf_counter() - g.start)
            API_REQUESTS.labels(route, str(resp.status_code)).inc()
        return resp

    @app.teardown_request
    def end(_: BaseException | None) -> None:
        if g.pop("counted", False):
            IN_FLIGHT.dec()
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/api/health")
    def health() -> Response:
        if fault.get("health_down"):  # the API answers, but says it is not serving
            return Response('{"status": "down"}', 503, mimetype="application/json")
        sql("SELECT 1")
        return jsonify(status="ok")

    @app.post("/api/checkin")
    def checkin() -> Response:
        u = user()
        sql("INSERT INTO checkins (user_id, mood, status, created_at) VALUES (%s, %s, 'ok', NOW())",
            (u, int((request.get_json(silent=True) or {}).get("mood", 3))))  # fmt: skip
        sql("UPDATE users SET last_active_at = NOW() WHERE id = %s", (u,))
        log("checkin ok", u)
        class_log("behaviour", f"user {u} checkin")
        return jsonify(ok=True)

    @app.post("/api/tasks/complete")
    def task() -> Response:
        u = user()
        sql("INSERT INTO tasks (user_id, title, due_at, completed_at) "
            "VALUES (%s, 'daily-breathing', NOW(), NOW())", (u,))  # fmt: skip
        class_log("behaviour", f"user {u} task done")
        return jsonify(ok=True)

    @app.post("/api/sos")
    def sos() -> Response:
        u = user()
        sql("INSERT INTO sos_events (user_id, created_at, responded_at) "
            "VALUES (%s, NOW(), NOW() + INTERVAL 9 SECOND)", (u,))  # fmt: skip
        log("sos raised, counsellor paged", u)
        class_log("system", f"sos for user {u} routed")
        return jsonify(ok=True)

    @app.post("/api/risk")
    def risk() -> Response:
        """A risk check: the AI workflow (Dify stand-in) classifies; a counsellor confirms."""
        u = user()
        failed = every_ai.hit(fault.get("ai_fail_every"))
        AI_CALLS.labels("failure" if failed else "success").inc()
        if failed:
            return jsonify(ok=False, error="ai workflow timed out")
        level = ("low", "medium", "high")[u % 3]
        sql("INSERT INTO risk_assessments (user_id, predicted, confirmed, created_at) "
            "VALUES (%s, %s, %s, NOW())", (u, level, level))  # fmt: skip
        return jsonify(ok=True, level=level)

    @app.post("/api/client-report")
    def client_report() -> Response:
        r = request.get_json(silent=True) or {}
        sql("INSERT INTO client_reports (user_id, created_at, start_ms, page_load_ms, crashed, "
            "js_error, api_calls, api_errors) VALUES (%s, NOW(), %s, %s, %s, %s, %s, %s)",
            (user(), int(r.get("start_ms", 1500)), int(r.get("page_load_ms", 800)),
             int(bool(r.get("crashed"))), int(bool(r.get("js_error"))),
             int(r.get("api_calls", 20)), int(r.get("api_errors", 0))))  # fmt: skip
        return jsonify(ok=True)

    @app.get("/api/profile/<int:target>")
    def profile(target: int) -> Response:
        """Sensitive data: a counsellor reads their own client (allowed, audited); anyone
        else's read is denied and flagged (越权操作), a read of many is flagged too."""
        u = user()
        own = target == u or request.headers.get("X-Role") == "counsellor"
        flag = None if own else "privilege_violation"
        if request.args.get("bulk"):
            flag = "sensitive_abnormal"
        sql("INSERT INTO audit_events (created_at, actor, action, resource, outcome, flag) "
            "VALUES (NOW(), %s, 'read', %s, %s, %s)",
            (f"user-{u}", f"profile/{target}", "allowed" if own and not flag else "denied", flag))  # fmt: skip
        class_log("audit", f"user-{u} read profile/{target} flag={flag}")
        if flag:
            return Response('{"error": "forbidden"}', 403, mimetype="application/json")
        return jsonify(id=target, phone=data.masked(target))

    @app.post("/api/login")
    def login() -> Response:
        """Failed logins from one client in a burst are flagged 异常访问 (the 5th and on)."""
        if request.get_json(silent=True, force=True) == {"ok": True}:
            return jsonify(ok=True)
        sql("INSERT INTO audit_events (created_at, actor, action, resource, outcome, flag) "
            "VALUES (NOW(), %s, 'login', 'session', 'denied', 'abnormal_access')",
            (request.headers.get("X-Real-IP", "unknown"),))  # fmt: skip
        return Response('{"error": "bad credentials"}', 403, mimetype="application/json")

    @app.get("/api/chat/stream")
    def chat() -> Response:
        """An AI chat answer streamed over a long-lived request (held ``hold`` seconds)."""
        time.sleep(min(float(request.args.get("hold", "1")), 30.0))
        return jsonify(ok=True)

    @app.post("/fn/<name>")
    def function(name: str) -> Response:
        """A cloud function invocation (timer or trigger)."""
        start = time.perf_counter()
        delay = fault.get("fn_delay_ms", 0)
        sum(i * i for i in range(20000))  # the function's work
        if delay:
            time.sleep(delay / 1000)
        failed = every_fn.hit(fault.get("fn_error_every"))
        FN_SECONDS.labels(name).observe(time.perf_counter() - start)
        FN_CALLS.labels(name, "error" if failed else "ok").inc()
        if failed:
            class_log("system", f"function {name} failed")
            return Response('{"error": "function failed"}', 500, mimetype="application/json")
        return jsonify(ok=True)

    def housekeeping() -> None:
        """Every minute: the daily clean-up of §8.3 (expired log files, audit rows)."""
        while True:
            try:
                if fault.get("housekeeping_off"):  # a test's old files stay until it ends
                    time.sleep(5)
                    continue
                data.expire_logs(fs)
                conn = connect()
                try:
                    with conn.cursor() as cur:
                        cur.execute(
                            "DELETE FROM audit_events WHERE created_at < NOW() - INTERVAL 365 DAY"
                        )
                finally:
                    conn.close()
            except Exception as e:  # keep cleaning next minute
                print(f"housekeeping: {e}", flush=True)
            time.sleep(60)

    threading.Thread(target=housekeeping, daemon=True, name="housekeeping").start()
    return app
