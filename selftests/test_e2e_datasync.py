"""End to end on runbook 003's server (127.0.13.1): the lab's gunicorn-served DataSync under its
systemd stand-in, its MariaDB tables, the Feishu open platform stand-in and the lab's alert
receiver. Healthy passes with no WARN; independent faults go in together and fail exactly their
checks; WARN bands stay WARN; a restart since the last run is seen through the history's memo."""

from __future__ import annotations

import os
import signal
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
import requests
from test_e2e import Run, daily

from xunjian.lab import Lab
from xunjian.lab.datasync import DataSync
from xunjian.lab.feishu_open import FeishuOpen
from xunjian.lab.process import wait_until
from xunjian.lab.systemctl import properties
from xunjian.lab.topology import DATASYNC, DATASYNC_PORT

pytestmark = pytest.mark.lab
DS = "datasync-app"
BJ = ZoneInfo("Asia/Shanghai")
HOME = Path("/run/xunjian-lab/root/opt/datasync")
SHADOW = "openpyxl.py"  # a broken module in the venv's own site-packages shadows the real one
KNOWN = ("91403", "Forbidden", "获取访问令牌失败", "app secret invalid", "被飞书限速")
WEBHOOK = ("-k", "webhook")
CHECKS = 22  # daily; the 23rd (the dump) is biweekly


def run(lab: Lab, tmp: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    return daily(lab, tmp, "--inventory=inventory/lab-datasync.yml", *args, env=env)


def verdicts(tmp: Path) -> dict[str, str]:
    """test name -> the xunjian verdict recorded in its JUnit properties."""
    found = {}
    for case in ET.parse(tmp / "junit.xml").iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        found[case.get("name", "").split("@")[0]] = props.get("xunjian.verdict", "")
    return found


def master(ds: DataSync) -> int:
    """The unit's MainPID, as the lab host's systemctl answers it."""
    props = properties(ds.paths.fs, "datasync")
    assert props is not None
    return int(props["MainPID"])


def children(pid: int) -> int:
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid)


def _ppid(p: Path) -> int:
    try:
        return int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def site_packages() -> Path:
    return next((HOME / ".venv/lib").glob("python3*/site-packages"))


def restore(lab: Lab, ds: DataSync, feishu: FeishuOpen) -> None:
    """Back to the healthy baseline, whatever a test changed."""
    feishu.clear_faults()
    (site_packages() / SHADOW).unlink(missing_ok=True)
    lab.sql("ALTER TABLE sync_tasks MODIFY app_token VARCHAR(64) NULL", "datasync")
    if lab.sql("SHOW GRANTS FOR 'datasync'@'127.%'", None).__str__().count("FILE ON *.*"):
        lab.sql("REVOKE FILE ON *.* FROM 'datasync'@'127.%'", None)
    ds.seed_history()  # sync_logs as seeded; tasks 1 and 2 run below
    if ds.pid() is None:
        lab.start("datasync")
    pid = master(ds)
    while children(pid) < 2:
        os.kill(pid, signal.SIGTTIN)
        wait_until(lambda: children(pid) >= 2, 10)
    for log in (HOME / "logs").glob("xtf_bitable_*.log"):
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        with log.open("r+", encoding="utf-8") as fh:  # in place: the app appends to it
            fh.truncate(0)
            fh.write("".join(ln for ln in lines if not any(k in ln for k in KNOWN)))
    for task in (1, 2):  # fresh artifacts and a success each, through the app (立即执行)
        _run_task(task)
    backups = sorted(Path("/run/xunjian-lab/backups/datasync").glob("datasync-*.sql.gz"))
    if backups:
        os.utime(backups[-1])


@pytest.fixture
def ds(lab: Lab) -> Iterator[DataSync]:
    app = cast(DataSync, lab.components["datasync"])
    feishu = cast(FeishuOpen, lab.components["feishu-open"])
    restore(lab, app, feishu)
    yield app
    restore(lab, app, feishu)


def _after_even_minute() -> None:
    """Just after task 2's run (cron */2): its artifacts stay untouched for ~110 s."""
    while True:
        now = datetime.now(BJ)
        if (now.minute % 2 == 0 and now.second >= 3) or (now.minute % 2 == 1 and now.second <= 15):
            return
        time.sleep(0.5)


def _run_task(task: int) -> None:
    before = int(Lab().sql("SELECT COALESCE(MAX(id), 0) FROM sync_logs", "datasync")[0][0])
    requests.post(
        f"http://{DATASYNC}:{DATASYNC_PORT}/api/tasks/{task}/run", timeout=5
    ).raise_for_status()
    assert wait_until(
        lambda: bool(
            Lab().sql(
                f"SELECT 1 FROM sync_logs WHERE task_id = {task} AND id > {before}", "datasync"
            )
        ),
        20,
    )


def test_healthy_then_a_restart_is_seen_since_the_last_run(
    lab: Lab, ds: DataSync, tmp_path: Path
) -> None:
    history = f"--history={tmp_path / 'history.sqlite'}"
    first = run(lab, tmp_path / "first", history)
    assert first.returncode == 0, first.stdout[-3000:]
    assert len(first.outcomes) == CHECKS and set(first.outcomes.values()) == {"passed"}
    assert set(verdicts(tmp_path / "first").values()) == {"OK"}, verdicts(tmp_path / "first")
    pid = master(ds)
    os.kill(pid, signal.SIGKILL)  # the app dies; its supervisor restarts it (Restart=always)
    assert wait_until(
        lambda: ds.pid() is not None and ds.ready() and master(ds) not in (0, pid), 30
    )
    second = run(lab, tmp_path / "second", history)
    assert second.returncode == 0 and not second.failed, second.stdout[-3000:]
    got = verdicts(tmp_path / "second")
    assert got[f"test_unit[{DS}-4-datasync-unit]"] == "WARN", second.stdout[-3000:]
    assert {v for k, v in got.items() if "unit[" not in k} == {"OK"}, got


def test_independent_faults_fail_exactly_their_checks(
    lab: Lab, ds: DataSync, tmp_path: Path
) -> None:
    feishu = cast(FeishuOpen, lab.components["feishu-open"])
    _after_even_minute()
    feishu.fault(bitable="forbidden")  # §8.1 for real: the app's run of task 2 meets 91403
    _run_task(2)
    feishu.fault(token="invalid")  # §8.2: the app's secret no longer gives a token
    pid = master(ds)
    os.kill(pid, signal.SIGTTOU)  # gunicorn: one worker fewer
    assert wait_until(lambda: children(pid) == 1, 10)
    # §5: task 3's last run (its latest fire time) is missing: the schedule was missed
    lab.sql("DELETE FROM sync_logs WHERE task_id = 3 ORDER BY start_time DESC LIMIT 1", "datasync")
    lab.sql("ALTER TABLE sync_tasks MODIFY app_token VARCHAR(64) NOT NULL", "datasync")
    now = datetime.now(BJ).replace(tzinfo=None)
    for _ in range(3):  # task 2 fails again and again: the escalation (升级通道)
        lab.sql("INSERT INTO sync_logs (task_id, trigger_type, start_time, end_time, status, rows_imported, "
                f"duration_ms, message) VALUES (2, 'cron', '{now}', '{now}', 'failed', 0, 300, 'lab fault')", "datasync")  # fmt: skip
    lab.sql("GRANT FILE ON *.* TO 'datasync'@'127.%'", None)  # §1: more than it needs: WARN
    (site_packages() / SHADOW).write_text("raise ImportError('a broken openpyxl (lab fault)')\n")
    stale = time.time() - 3600
    os.utime(HOME / "runs/task_2.xlsx", (stale, stale))
    (HOME / "runs/task_2.yaml").unlink()
    backup = sorted(Path("/run/xunjian-lab/backups/datasync").glob("datasync-*.sql.gz"))[-1]
    old = time.time() - 16 * 86400
    os.utime(backup, (old, old))
    # §12 WARN bands: an average duration and rows per run between their warn and crit limits
    lab.sql(
        "UPDATE sync_logs SET duration_ms = 90000 ORDER BY start_time DESC, id DESC LIMIT 60",
        "datasync",
    )
    lab.sql("UPDATE sync_logs SET rows_imported = 1 WHERE status = 'success'", "datasync")
    result = run(lab, tmp_path)
    assert result.failed == {
        f"test_unit[{DS}-4-datasync-unit]",
        f"test_python[{DS}-1-venv-python]",
        f"test_sql[{DS}-3-task-columns]",
        f"test_sql[{DS}-12-escalation-repeated-failures]",
        f"test_schedule[{DS}-5-task-schedules]",
        f"test_log[{DS}-8-xtf-failures]",
        f"test_file[{DS}-6-task-2-xlsx]",
        f"test_file[{DS}-6-task-2-yaml]",
        f"test_flow[{DS}-8-feishu-token]",
        "test_file[datasync-runner-10-fresh-backup-fresh]",
    }, result.stdout[-4000:]
    got = verdicts(tmp_path)
    for name in ("test_privileges[datasync-app-1-mysql-account]", f"test_sql[{DS}-12-failure-reasons]",
                 f"test_sql[{DS}-12-success-rate]", f"test_sql[{DS}-12-avg-duration]",
                 f"test_sql[{DS}-12-rows-imported]"):  # fmt: skip
        assert got[name] == "WARN", (name, got[name])
    out = result.stdout
    assert (
        "将机器人加入目标多维表，并授予相应权限" in out and "has 1 child process(es), not 2" in out
    )
    assert "not importable: openpyxl" in out and "daily-report" in out and "FILE ON *.*" in out


def test_service_down_and_feishu_unreachable(lab: Lab, ds: DataSync, tmp_path: Path) -> None:
    lab.stop("datasync")
    lab.stop("feishu-open")
    try:
        result = run(lab, tmp_path)
    finally:
        lab.start("feishu-open")
        lab.start("datasync")
    assert result.failed == {
        f"test_unit[{DS}-4-datasync-unit]",
        f"test_port[{DS}-4-gunicorn-8000]",
        f"test_http[{DS}-4-web-ui]",
        f"test_http[{DS}-1-feishu-reachable]",
        f"test_flow[{DS}-8-feishu-token]",
    }, result.stdout[-3000:]
    assert "datasync is inactive (dead), not active" in result.stdout


def test_webhook_sends_only_with_notify(lab: Lab, ds: DataSync, tmp_path: Path) -> None:
    """§7 webhook_test.py: nothing sent without --notify; with it one signed message, accepted by
    the lab receiver's Feishu bot; a wrong secret is refused (19021) and fails the check."""
    sink = lab.components["alerts"]
    count = len(sink.received())  # type: ignore[attr-defined]
    quiet = run(lab, tmp_path / "quiet", *WEBHOOK)
    assert quiet.returncode == 0 and len(sink.received()) == count  # type: ignore[attr-defined]
    sent = run(lab, tmp_path / "sent", *WEBHOOK, "--notify")
    assert sent.returncode == 0, sent.stdout[-3000:]
    assert "signed test message accepted" in sent.stdout or verdicts(tmp_path / "sent")
    assert len(sink.received()) == count + 1  # type: ignore[attr-defined]
    wrong = run(lab, tmp_path / "wrong", *WEBHOOK, "--notify",
                env={"DATASYNC_WEBHOOK_SECRET": "not-the-bot-secret-0123"})  # fmt: skip
    assert wrong.failed == {f"test_webhook[{DS}-7-failure-alert]"}, wrong.stdout[-3000:]
