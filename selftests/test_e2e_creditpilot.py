"""End to end on runbook 001's app server (127.0.11.1): the Flask app of the lab
(lab/apps/creditpilot_app.py) over the lab's CreditPilot SQLite file. Healthy passes; each fault,
switched on through the app's fault file, its database or its files, fails exactly its checks;
the runbook's warnings (§2 slow health, §9 API超时 / CORS失败 / 认证失效, 当前告警 Sentry and
Prometheus, a file smaller than plausible, a stale workflow log) are WARN only.

Faults that touch different checks share a run (a run costs seconds): each run asserts exactly
which checks fail and, for the WARN run, exactly which warn."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import cast

import pytest
import requests
from test_e2e import Run, daily

from xunjian.inventory.load import load
from xunjian.lab import Lab, seed
from xunjian.lab.creditpilot import CreditPilot
from xunjian.lab.topology import CREDITPILOT

pytestmark = pytest.mark.lab
CP = "creditpilot-app"
INVENTORY = Path(__file__).resolve().parents[1] / "inventory" / "lab-creditpilot.yml"
HEALTH = f"test_http[{CP}-2-health]"
ERRORS = f"test_logentries[{CP}-5-errors-24h]"
ERROR_LOG = f"test_file[{CP}-5-error-log]"
SERVER_LOG = f"test_log[{CP}-5-server-log]"
ACCOUNTING_LOG = f"test_log[{CP}-5-accounting-api-log]"
NET_BALANCE = f"test_sql[{CP}-4-net-balance]"
TEMPLATES = f"test_file[{CP}-config-bank-parser-templates]"
CORS_CONFIG = f"test_file[{CP}-config-cors-config]"
NO_SESSION = f"test_http[{CP}-7.2-no-session-flask]"
NO_TOKEN = f"test_http[{CP}-7.2-no-token-accounting-api]"
RBAC = f"test_flow[{CP}-7.2-rbac-accountant]"
SENTRY = f"test_environ[{CP}-alerts-sentry-dsn]"
METRICS = f"test_http[{CP}-alerts-prometheus-metrics]"
CORS = f"test_cors[{CP}-7-customers-10-origins]"
DATA = {f"test_http[{CP}-3-{n}]" for n in ("customers", "dashboard-stats", "dashboard-summary")}
OCR = f"test_http[{CP}-3-ocr-status]"
WEB = f"http://{CREDITPILOT}"


def run(lab: Lab, tmp: Path) -> Run:
    return daily(lab, tmp, "--inventory=inventory/lab-creditpilot.yml")


def warned(result: Run) -> set[str]:
    """The test ids the run's verdict summary lists as WARN, but §6's (the environment rows,
    which these faults do not touch and test_e2e_environ.py tests)."""
    found = re.findall(r"^WARN \S+::(test_\w+\[[^\]]+\])", result.stdout, re.MULTILINE)
    return {t for t in found if f"[{CP}-6" not in t}


@pytest.fixture
def app(lab: Lab) -> Iterator[CreditPilot]:
    """The app with its faults cleared; afterwards its database, files and error log as seeded
    and its workflow logs without the errors a test caused."""
    cp = cast(CreditPilot, lab.components["creditpilot"])
    cp.error_log.write_bytes(b"")  # errors left by other tests would count in the 24 h
    cp.clear_faults()
    yield cp
    cp.clear_faults()
    seed.seed_creditpilot(cp.paths)  # also drops the ERROR lines of the workflow logs
    requests.get(f"{WEB}:5000/lab/ready", timeout=5)  # a fresh line in the Server log
    requests.get(f"{WEB}:8000/", timeout=5)  # and in the Accounting API's


def _errors(cp: CreditPilot, n: int, hours_ago: float = 1.0) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - hours_ago * 3600))
    entry = (
        f"[{stamp}] [ERROR] GET /api/customers OperationalError: database is locked\n"
        "Traceback (most recent call last):\n"
        '  File "app.py", line 88, in customers\n'
        "sqlite3.OperationalError: database is locked\n"
    )
    with cp.error_log.open("a") as fh:
        fh.write(entry * n)


def _login(lab: Lab) -> str:
    env = lab.env()
    answer = requests.post(
        f"{WEB}:5000/api/auth/login",
        json={
            "username": env["CREDITPILOT_ACCOUNTANT_USERNAME"],
            "password": env["CREDITPILOT_ACCOUNTANT_PASSWORD"],
        },
        timeout=5,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def _stored(cp: CreditPilot, sql: str) -> None:
    with closing(sqlite3.connect(cp.paths.creditpilot_db)) as conn, conn:
        conn.execute(sql)


def _net(cp: CreditPilot) -> float:
    with closing(sqlite3.connect(cp.paths.creditpilot_db)) as conn:
        return float(conn.execute("SELECT net_balance FROM balance_summary").fetchone()[0])


def test_healthy_passes(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """After the app recorded a payment (its stored 净余额 moves with it) and with errors older
    than 24 h in its error log, every check passes, none warns."""
    before = _net(app)
    answer = requests.post(
        f"{WEB}:5000/api/transactions",
        json={"bill_id": 2, "type": "payment", "amount": "123.45", "description": "FPX PAYMENT"},
        headers={"Authorization": f"Bearer {_login(lab)}"},
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    assert round(before - _net(app), 2) == 123.45
    _errors(app, 3, hours_ago=30)
    result = run(lab, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(result.outcomes) == sum(c.cadence == "daily" for c in load(INVENTORY))
    assert set(result.outcomes.values()) == {"passed"}
    assert not warned(result), result.stdout.split("xunjian verdicts")[-1][:2000]


def test_crit_faults_fail_exactly_their_checks(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """Health answers 503; no customers; OCR not ready; the stored 净余额 one cent off; an
    emptied template file; both servers open to a request without a session or token; an
    unhandled error in the Accounting API's workflow log; eleven ERROR entries within 24 h."""
    app.fault(
        health_status=503,
        empty_customers=True,
        ocr_status="processing",
        open_access=True,
        token_auth_off=True,
    )
    _stored(app, "UPDATE balance_summary SET net_balance = round(net_balance + 0.01, 2)")
    (app.root / "bank_parser_templates.json").write_bytes(b"")
    assert requests.get(f"{WEB}:8000/lab/crash", timeout=5).status_code == 500
    _errors(app, 11)
    result = run(lab, tmp_path)
    assert result.failed == {
        HEALTH,
        OCR,
        *DATA,
        NET_BALANCE,
        TEMPLATES,
        NO_SESSION,
        NO_TOKEN,
        ACCOUNTING_LOG,
        ERRORS,
    }, result.stdout[-3000:]
    assert "status 503" in result.stdout and "'processing', not 'ready'" in result.stdout
    assert "$[0] is missing" in result.stdout and "customer_count 0 <= 0" in result.stdout
    assert "computed - stored = -0.01: the amounts differ" in result.stdout
    assert "status 200" in result.stdout and "RuntimeError" in result.stdout


def test_warnings_warn_and_fail_nothing(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """The runbook's ⚠️ rows: health over 500 ms (§2); a data endpoint with no answer within
    5 s (§9 API超时); CORS failing (§9); the Accountant's login refused (§9 认证失效); no
    metrics endpoint and no SENTRY_DSN (当前告警); cors_config.py smaller than plausible; a
    Server log not written for two days; one ERROR entry in 24 h."""
    app.fault(
        health_delay=0.7,
        delay={"/api/bill/ocr-status": 5.5},  # the check's timeout is 5 s
        cors_broken=True,
        login_broken=True,
        metrics_off=True,
        quiet_logs=True,
    )
    (app.root / "cors_config.py").write_text("ALLOWED_ORIGINS = []\n" + "#" * 280 + "\n")
    env = app.root / ".env"
    env.write_text("".join(ln for ln in env.read_text().splitlines(True) if "SENTRY_DSN" not in ln))
    two_days_ago = time.time() - 2 * 86400
    for server_log in app.worklogs.glob("Server_*.log"):  # every run's, so none is newer
        os.utime(server_log, (two_days_ago, two_days_ago))
    _errors(app, 1)
    result = run(lab, tmp_path)
    assert result.returncode == 0 and not result.failed, result.stdout[-3000:]
    assert warned(result) == {
        HEALTH,
        OCR,
        CORS,
        RBAC,
        METRICS,
        SENTRY,
        CORS_CONFIG,
        SERVER_LOG,
        ERRORS,
    }, result.stdout.split("xunjian verdicts")[-1][:3000]
    assert "SENTRY_DSN is not set" in result.stdout and "the log is stale" in result.stdout
    assert "login: HTTP 401, not 200" in result.stdout


def test_more_crit_faults(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """No health answer within 5 s (§2 ❌); the Accountant let into an Admin-only endpoint (RBAC
    off); an unhandled error in the Flask workflow log; error.log gone; cors_config.py gone;
    the env file gone (Sentry: WARN)."""
    app.fault(health_delay=7, rbac_off=True)
    assert requests.get(f"{WEB}:5000/lab/crash", timeout=5).status_code == 500
    app.error_log.unlink()
    (app.root / "cors_config.py").unlink()
    (app.root / ".env").unlink()
    result = run(lab, tmp_path)
    failed = {HEALTH, RBAC, SERVER_LOG, ERROR_LOG, ERRORS, CORS_CONFIG}
    assert result.failed == failed, result.stdout[-3000:]
    assert SENTRY in warned(result)
    assert "admin-only failed: HTTP 200, not 403" in result.stdout


def test_the_app_stopped_fails_its_services_and_endpoints(
    lab: Lab, app: CreditPilot, tmp_path: Path
) -> None:
    # another `python -m xunjian.lab up` in the meantime (a shared lab) would start it again
    lab.stop("creditpilot")
    try:
        result = run(lab, tmp_path)
    finally:
        lab.start("creditpilot")
    ports = {
        f"test_port[{CP}-snapshot-{n}]" for n in ("flask-5000", "accounting-api-8000", "mcp-8080")
    }
    http = {HEALTH, OCR, NO_SESSION, NO_TOKEN, RBAC} | DATA
    assert result.failed == ports | http, result.stdout[-3000:]
    assert METRICS in warned(result)  # 当前告警: a warning, whatever the reason
