"""End to end on runbook 004's CTEA host (127.0.14.1): the Node service run by pm2
(lab/apps/ctea), its PostgreSQL, Redis, IIKO and payment stand-ins, and the lab Prometheus.
Healthy passes; each fault fails exactly its checks, the WARN bands included (a backup taken
hours before the pull, an order paid but not updated past the 15 min grace, one line in pm2's
error log, one restart since the last run).

Faults that touch different checks share a run (a run costs seconds); each run asserts exactly
which checks fail and which warn."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import requests
from test_e2e import Run, daily

from xunjian.lab import Lab, seed
from xunjian.lab.ctea import APP, Ctea
from xunjian.lab.topology import CTEA, CTEA_APP_PORT, LAB_INFRA, PROMETHEUS_PORT

pytestmark = pytest.mark.lab
CHECKS = 29
APP_ID, DB_ID, METRICS_ID = "ctea-app", "ctea-db", "ctea-metrics"
PM2 = f"test_pm2[{APP_ID}-1.1-ctea-platform]"
ENVIRON = f"test_environ[{APP_ID}-1.3-env-checklist]"
BACKUP = f"test_file[{APP_ID}-2.1-backup-before-pull]"
JOURNAL = f"test_migrations[{APP_ID}-3.1-drizzle-journal]"
PM2_LOG = f"test_logentries[{APP_ID}-4.3-pm2-error-log]"
APP_LOG = f"test_logentries[{APP_ID}-4.3-app-log-errors]"
HEALTH = {d: f"test_http[{APP_ID}-A-health-{d}]" for d in ("db", "redis", "iiko", "payment")}
SQL = {
    n: f"test_sql[{DB_ID}-{n}]"
    for n in (
        "3.2.1-order-amount-check",
        "3.2.1-points-balance-check",
        "3.2.2-coupon-code-duplicates",
        "3.2.3-coupon-template-orphans",
        "3.3-default-item-in-group",
        "5.2-paid-not-updated",
        "B-payment-failed-24h-share",
    )
}
METRICS = {
    f"test_promql[{METRICS_ID}-{n}]"
    for n in (
        "4.1-payment-failure-rate",
        "4.1-iiko-sync-failures-1h",
        "4.1-api-response-p95",
        "4.1-errors-share",
        "4.1-db-connections-in-use",
    )
}
PROM = f"http://{LAB_INFRA}:{PROMETHEUS_PORT}"


def run(lab: Lab, tmp: Path, *args: str) -> Run:
    """The daily suite of lab-ctea.yml in one process (-n 0: no xdist workers to start, which
    costs more than the 29 checks on one host take)."""
    return daily(lab, tmp, "--inventory=inventory/lab-ctea.yml", "-n", "0", *args)


def warned(result: Run) -> set[str]:
    """The test ids the run's verdict summary lists as WARN."""
    return set(re.findall(r"^WARN \S+::(test_\w+\[[^\]]+\])", result.stdout, re.MULTILINE))


def _forget(lab: Lab) -> None:
    """Drop the app's samples from the lab Prometheus, so a fault's [5m] window starts now."""
    forget = getattr(lab.components.get("prometheus"), "forget", None)
    if forget is not None:
        forget("ctea")


def _scraped(query: str, timeout: float = 30.0) -> None:
    """Wait until Prometheus answers ``query`` with a number (two scrapes in a rate window)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = requests.get(f"{PROM}/api/v1/query", params={"query": query}, timeout=5).json()
        if got["data"]["result"]:
            return
        time.sleep(1)
    raise AssertionError(f"Prometheus did not answer {query} within {timeout:.0f} s")


def _clean_logs(app: Ctea) -> None:
    app.forget_errors()  # errors left by other tests would count in the 24 h


@pytest.fixture
def ctea(lab: Lab) -> Iterator[Ctea]:
    """The CTEA app with its faults cleared, logs empty and database as seeded; afterwards the
    same, its .env, journal and backup as deployed and the Prometheus window refilled."""
    app = cast(Ctea, lab.components["ctea"])
    prom = lab.components.get("prometheus")
    if prom is not None and hasattr(prom, "write_rules"):
        prom.write_rules()  # runbook 004 §4.2's rules file (MGL's component)
    secrets = lab.env()
    app.clear_faults()
    _clean_logs(app)
    yield app
    app.clear_faults()
    if app.env_file.read_text() != "".join(f"{k}={v}\n" for k, v in app.env_values().items()):
        app.write_env()
        lab.stop("ctea")
        lab.start("ctea")
    journal = app.current / "drizzle" / "meta" / "_journal.json"
    journal.write_bytes((APP / "drizzle" / "meta" / "_journal.json").read_bytes())
    app.deploy()
    seed.seed_postgres(lab.postgres, secrets["CTEA_PG_PASSWORD"], secrets["CTEA_PG_RO_PASSWORD"])
    _clean_logs(app)
    # a fault's slow or failed answers (a stopped database included) would stay in the
    # [5m] windows of the next runs' §4.1 checks
    _forget(lab)
    _scraped('sum(rate(http_requests_total{job="ctea"}[5m]))')


def test_healthy_ctea_passes_every_daily_check(ctea: Ctea, lab: Lab, tmp_path: Path) -> None:
    _scraped('sum(rate(http_requests_total{job="ctea"}[5m]))')
    result = run(lab, tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    assert len(result.outcomes) == CHECKS and set(result.outcomes.values()) == {"passed"}
    assert not warned(result), result.stdout[-3000:]
    for secret in (v for k, v in lab.env().items() if k.startswith("CTEA_")):
        assert secret not in result.stdout


def _until_status(url: str, status: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while requests.get(url, timeout=5).status_code != status:
        assert time.monotonic() < deadline, f"{url} did not answer {status} within {timeout:.0f} s"
        time.sleep(0.3)


def _append(log: Path, lines: list[str]) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def test_each_dependency_and_data_fault_fails_its_check(
    ctea: Ctea, lab: Lab, tmp_path: Path
) -> None:
    # §1.3: the running service's env breaks two rules (the app is restarted with them)
    ctea.write_env(JWT_SECRET="too-short-for-a-jwt", PAYMENT_PROVIDER="mock")
    lab.stop("ctea")
    lab.start("ctea")
    # Appendix A: the partners' health, and the app's own Redis stopped
    ctea.fault(payment_health=503, iiko_health=503)
    # §3.1: a deploy whose migration failed: a journal entry with no row
    journal = ctea.current / "drizzle" / "meta" / "_journal.json"
    data = json.loads(journal.read_text())
    data["entries"].append(
        {"idx": 3, "version": "7", "when": 1768000000000, "tag": "0003_coupon_code_unique",
         "breakpoints": True}
    )  # fmt: skip
    journal.write_text(json.dumps(data, indent=2))
    # §3.2 / §3.3 / §5.2 / Appendix B: the data
    for statement in (
        "UPDATE \"order\" SET total_amount = -1 WHERE order_number = 'CT-0004'",
        "UPDATE member_points_history SET balance = -26 WHERE reason = 'redeem'",
        "INSERT INTO coupon_instance (template_id, member_id, code, status)"
        " VALUES (2, 106, 'M300-0002', 'ISSUED')",
        "INSERT INTO coupon_instance (template_id, member_id, code, status)"
        " VALUES (99, 107, 'GONE-0001', 'ISSUED')",
        "UPDATE product_option_group SET default_item_id = 7 WHERE id = 1",
        'INSERT INTO "order" (order_number, member_id, status, payment_status,'
        " payment_transaction_id, total_amount, created_at)"
        " VALUES ('CT-0101', 107, 'PENDING', 'PENDING', 'pay_lab_0101', 66, now() - interval '30 minutes')",
        'INSERT INTO "order" (order_number, member_id, status, payment_status, total_amount,'
        " created_at) VALUES ('CT-0102', 108, 'CANCELLED', 'FAILED', 88, now() - interval '2 hours')",
    ):
        lab.pg_sql(statement)
    # §1.2: the newest backup was taken hours before the pull (WARN), not minutes
    (backup,) = ctea.current.parent.glob("backup_*")
    pulled = (ctea.current / ".git" / "FETCH_HEAD").stat().st_mtime
    os.utime(backup, (pulled - 3 * 3600, pulled - 3 * 3600))
    # §4.3: one line in pm2's error log (WARN), eleven errors in app.log (CRIT)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    _append(ctea.error_log, [f"{now}: Error: Connection terminated unexpectedly"])
    _append(ctea.app_log, [f"[{now}] [ERROR] GET /api/menu: lab fault {i}" for i in range(11)])
    lab.stop("ctea-redis")
    try:
        _until_status(f"http://{CTEA}:{CTEA_APP_PORT}/api/health/redis", 503)
        result = run(lab, tmp_path)
    finally:
        lab.start("ctea-redis")
    assert result.failed == {
        ENVIRON,
        JOURNAL,
        APP_LOG,
        HEALTH["redis"],
        HEALTH["iiko"],
        HEALTH["payment"],
        *(SQL[n] for n in SQL if n != "5.2-paid-not-updated"),
    }, result.stdout[-5000:]
    assert warned(result) == {BACKUP, PM2_LOG, SQL["5.2-paid-not-updated"]}, result.stdout[-3000:]
    assert "JWT_SECRET" in result.stdout and "PAYMENT_PROVIDER" in result.stdout
    assert "too-short-for-a-jwt" not in result.stdout  # names and lengths, never values
    assert "0003_coupon_code_unique" in result.stdout


def test_pm2_restarts_since_the_last_run_warn_and_a_stopped_app_is_crit(
    ctea: Ctea, lab: Lab, tmp_path: Path
) -> None:
    history = f"--history={tmp_path / 'pm2.history.sqlite'}"
    first = run(lab, tmp_path / "first", "-k", "test_pm2", history)
    assert first.outcomes == {PM2: "passed"} and not warned(first), first.stdout[-3000:]
    ctea.pm2_cli("restart", "ctea-platform")
    again = run(lab, tmp_path / "again", "-k", "test_pm2", history)
    assert again.outcomes == {PM2: "passed"} and warned(again) == {PM2}, again.stdout[-3000:]
    assert "1 restart(s) since the last run" in again.stdout
    ctea.pm2_cli("stop", "ctea-platform")
    try:
        stopped = run(lab, tmp_path / "stopped", "-k", "test_pm2", history)
    finally:
        ctea.pm2_cli("start", "ctea-platform")
        ctea.wait_ready()
    assert stopped.failed == {PM2}, stopped.stdout[-3000:]
    assert "ctea-platform is stopped, not online" in stopped.stdout


def test_metric_faults_fail_the_four_one_checks(ctea: Ctea, lab: Lab, tmp_path: Path) -> None:
    """§4.1: payment gateway refusing charges, IIKO syncs failing, slow and failing API
    answers, connections held: each over its threshold within the rules' windows."""
    _forget(lab)
    ctea.fault(payment_charge=502, iiko_sync=500, api_delay_ms=2500, api_shed=True)
    ctea.fault(hold_db_connections=34)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = requests.get(
            f"{PROM}/api/v1/query",
            params={"query": 'sum(increase(iiko_sync_failures_total{job="ctea"}[1h]))'},
            timeout=5,
        ).json()["data"]["result"]
        if got and float(got[0]["value"][1]) > 3:
            break
        time.sleep(1)
    try:
        result = run(lab, tmp_path, "-k", "test_promql")
    finally:  # the fault's samples would stay in the [5m] and [1h] windows: drop them
        ctea.clear_faults()
        _forget(lab)
        _scraped('sum(rate(http_requests_total{job="ctea"}[5m]))')
    assert result.failed == METRICS, result.stdout[-5000:]
    assert "P0" in result.stdout or "4.1-payment" in result.stdout


def test_stopped_postgresql_breaks_the_db_health_endpoint(
    ctea: Ctea, lab: Lab, tmp_path: Path
) -> None:
    lab.stop("postgres")
    try:
        result = run(lab, tmp_path, "-k", "test_http")
        down = requests.get(f"http://{CTEA}:{CTEA_APP_PORT}/api/health/db", timeout=10)
    finally:
        lab.start("postgres")
    assert result.failed == {HEALTH["db"]}, result.stdout[-3000:]
    assert down.status_code == 503
