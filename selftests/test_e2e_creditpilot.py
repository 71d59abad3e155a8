"""End to end on runbook 001's app server (127.0.11.1): the Flask app of the lab
(lab/apps/creditpilot_app.py) over the lab's CreditPilot SQLite file. Healthy passes; each fault,
switched on through the app's fault file, fails exactly its checks; slow health is WARN only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from test_e2e import Run, daily

from xunjian.lab import Lab
from xunjian.lab.creditpilot import CreditPilot

pytestmark = pytest.mark.lab
CP = "creditpilot-app"
HEALTH = f"test_http[{CP}-2-health]"
ERRORS = f"test_logentries[{CP}-5-errors-24h]"


def run(lab: Lab, tmp: Path) -> Run:
    return daily(lab, tmp, "--inventory=inventory/lab-creditpilot.yml")


@pytest.fixture
def app(lab: Lab) -> Iterator[CreditPilot]:
    """The app, with its faults cleared and its error log put back afterwards."""
    cp = cast(CreditPilot, lab.components["creditpilot"])
    saved = cp.error_log.read_bytes() if cp.error_log.exists() else b""
    cp.error_log.write_bytes(b"")  # errors left by other tests would count in the 24 h
    cp.clear_faults()
    yield cp
    cp.clear_faults()
    cp.error_log.write_bytes(saved)


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


def test_healthy_passes(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    result = run(lab, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(result.outcomes) == 16
    assert set(result.outcomes.values()) == {"passed"}
    assert "WARN" not in result.stdout.split("xunjian verdicts")[-1]


def test_slow_health_is_warn_not_crit(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """Runbook 001 §2: ⚠️ above 500 ms; ❌ only without an answer within 5 s."""
    app.fault(health_delay=1.2)
    result = run(lab, tmp_path)
    assert result.returncode == 0 and not result.failed, result.stdout[-3000:]
    assert "1 WARN" in result.stdout and "latency" in result.stdout


def test_no_answer_within_5_s_is_crit(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    app.fault(health_delay=7)
    result = run(lab, tmp_path)
    assert result.failed == {HEALTH}, result.stdout[-3000:]


def test_a_503_fails_health_only(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    app.fault(health_status=503)
    result = run(lab, tmp_path)
    # the app logs the 503 as one ERROR entry: the 24 h count is WARN (> 0), not a failure
    assert result.failed == {HEALTH}, result.stdout[-3000:]
    assert "status 503" in result.stdout


def test_empty_customers_fail_the_data_endpoints(
    lab: Lab, app: CreditPilot, tmp_path: Path
) -> None:
    app.fault(empty_customers=True)
    result = run(lab, tmp_path)
    assert result.failed == {
        f"test_http[{CP}-3-{n}]" for n in ("customers", "dashboard-stats", "dashboard-summary")
    }, result.stdout[-3000:]
    assert "$[0] is missing" in result.stdout and "customer_count 0 <= 0" in result.stdout


def test_ocr_not_ready_fails_its_check(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    app.fault(ocr_status="processing")
    result = run(lab, tmp_path)
    assert result.failed == {f"test_http[{CP}-3-ocr-status]"}, result.stdout[-3000:]
    assert "'processing', not 'ready'" in result.stdout


@pytest.mark.parametrize(
    ("entries", "hours_ago", "failed", "warn"),
    [
        pytest.param(3, 30.0, set(), False, id="old-errors-ok"),
        pytest.param(1, 1.0, set(), True, id="one-error-warn"),
        pytest.param(11, 1.0, {ERRORS}, False, id="eleven-errors-crit"),
    ],
)
def test_error_entries_in_24h(
    lab: Lab,
    app: CreditPilot,
    tmp_path: Path,
    entries: int,
    hours_ago: float,
    failed: set[str],
    warn: bool,
) -> None:
    _errors(app, entries, hours_ago)
    result = run(lab, tmp_path)
    assert result.failed == failed, result.stdout[-3000:]
    verdicts = result.stdout.split("xunjian verdicts")[-1]
    # the summary line ("creditpilot ...: 15 OK, 1 WARN"), not a failure's text, whose expected
    # part names the bands ("OK unless > 0 (WARN) / > 10 (CRIT)")
    summary = next(ln for ln in verdicts.splitlines() if ln.startswith("creditpilot "))
    assert ("WARN" in summary) is warn, verdicts[:2000]


def test_a_missing_error_log_fails_its_checks(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    app.error_log.unlink()
    result = run(lab, tmp_path)
    assert result.failed == {f"test_file[{CP}-5-error-log]", ERRORS}, result.stdout[-3000:]


def test_the_app_stopped_fails_its_services_and_endpoints(
    lab: Lab, app: CreditPilot, tmp_path: Path
) -> None:
    lab.stop("creditpilot")
    try:
        result = run(lab, tmp_path)
    finally:
        lab.start("creditpilot")
    ports = {
        f"test_port[{CP}-snapshot-{n}]" for n in ("flask-5000", "accounting-api-8000", "mcp-8080")
    }
    http = {f"test_http[{CP}-2-health]"} | {
        f"test_http[{CP}-3-{n}]"
        for n in ("customers", "dashboard-stats", "dashboard-summary", "ocr-status")
    }
    assert result.failed == ports | http, result.stdout[-3000:]


def test_broken_cors_is_warn(lab: Lab, app: CreditPilot, tmp_path: Path) -> None:
    """Runbook 001 §9: CORS失败 is ⚠️ WARNING: reported, not failed."""
    app.fault(cors_broken=True)
    result = run(lab, tmp_path)
    assert result.returncode == 0 and not result.failed, result.stdout[-3000:]
    assert "1 WARN" in result.stdout and "Access-Control-Allow-Origin None" in result.stdout
