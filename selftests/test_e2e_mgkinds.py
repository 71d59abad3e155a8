"""End to end on the lab: the general kinds of runbook 002 (hostres, dbhealth, accesslog,
privacy, retention, file modes) observe for real, over ssh to 127.0.12.1, on the lab's MariaDB
(127.0.12.1:3306, a database of this test's own) and PostgreSQL (127.0.14.1, TLS), from an
inventory written in tmp_path. Three daily runs sharing one run history (the slow-query memo):
healthy; one CRIT fault per check, all at once; WARN-band faults. Each run must fail exactly
the checks it broke.

The disk under watch is a 1 MiB tmpfs mounted for the test (root in the lab), so filling it is
a real fault of a real filesystem.

MariaDB's ``Slow_queries`` is server-wide and the lab's mariadbd is shared with every other
lab test: this test adds only 4 slow statements (its band is "> 2" per hour, runbook 002's is
"> 10", so MindGuard's own check is not tripped by them), and it judges the slow-query check
only where it made the fault (others may add slow statements between its runs, never remove
them).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_e2e import Run, daily

from xunjian.history.store import History
from xunjian.lab import Lab

pytestmark = pytest.mark.lab
DB = "xj_mgk"
PHONE = "13912345678"


DISK = "test_hostres[mg-prod-1.2-disk]"
MEMORY = "test_hostres[mg-prod-1.2-memory]"
PROBE = "test_dbhealth[mg-prod-4.1-probe-time]"
SLOW = "test_dbhealth[mg-prod-4.1-slow-per-hour]"
CONNECTIONS = "test_dbhealth[mg-prod-4.1-connections]"
SIZE = "test_dbhealth[mg-prod-4.1-size]"
PG_CONNECTIONS = "test_dbhealth[mg-pg-4.1-pg-connections]"
PG_SIZE = "test_dbhealth[mg-pg-4.1-pg-size]"
PG_SLOW = "test_dbhealth[mg-pg-4.1-pg-slow]"
PG_ROWS = "test_retention[mg-pg-5.4-iiko-log-rows]"
AVAILABILITY = "test_accesslog[mg-prod-2.2-availability]"
P95 = "test_accesslog[mg-prod-2.2-p95]"
PRIVACY = "test_privacy[mg-prod-5.5-app-logs]"
PERMS = "test_file[mg-prod-5.5-log-perms]"
FILES = "test_retention[mg-prod-5.4-behaviour-logs]"
ROWS = "test_retention[mg-prod-5.4-audit-rows]"


@dataclass
class World:
    lab: Lab
    root: Path
    history: str

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def behaviour(self) -> Path:
        return self.root / "behaviour"

    @property
    def access(self) -> Path:
        return self.root / "access.log"

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        return self.lab.sql(statement, DB)

    def run(self, out: Path) -> Run:
        return daily(self.lab, out, f"--inventory={self.root / 'inv.yml'}", self.history, "-n", "0")


def _inventory(root: Path, lab: Lab) -> str:
    step = '{title: %s, normal: "%s", remedy: "%s"}'
    return f"""\
version: 1
name: mgk-e2e
env_file: {lab.paths.env_file}
defaults: {{timeout: 5, ssh_config: {lab.paths.ssh_config}}}
systems:
  mg:
    title: MindGuard kinds
    steps:
      "1.2": {step % ("资源监控", "CPU使用率、内存使用率、磁盘空间", "扩容或清理")}
      "2.2": {step % ("可用性指标", "服务可用率 99.9%", "查看错误日志")}
      "4.1": {step % ("数据库监控", "查询响应时间 < 100ms", "数据库管理员处理")}
      "5.4": {step % ("数据留存政策", "用户行为日志保留180天", "清理过期数据")}
      "5.5": {step % ("隐私保护措施", "数据脱敏；严格限制日志访问权限", "脱敏并收紧权限")}
    hosts:
      prod:
        address: 127.0.12.1
        connection: ssh://root@127.0.12.1
        databases:
          mg: {{user: root, password: "${{THQH_MYSQL_PASSWORD}}", database: {DB}}}
        checks:
          - {{step: "1.2", kind: hostres, name: disk, resource: disk, path: {root / "data"}, use: {{warn: "> 70 %", crit: "> 90 %"}}}}
          - {{step: "1.2", kind: hostres, name: memory, resource: memory, use: {{crit: "> 99.5 %"}}}}
          - {{step: "4.1", kind: dbhealth, name: probe-time, db: mg, measure: query_time, query: "SELECT * FROM probe", value: {{warn: "> 100 ms", crit: "> 200 ms"}}}}
          - {{step: "4.1", kind: dbhealth, name: slow-per-hour, db: mg, measure: slow_queries, value: {{crit: "> 2"}}}}
          - {{step: "4.1", kind: dbhealth, name: connections, db: mg, measure: connections, value: {{warn: "> 20 %", crit: "> 40 %"}}}}
          - {{step: "4.1", kind: dbhealth, name: size, db: mg, measure: size, value: {{warn: "> 1 MiB", crit: "> 4 MiB"}}}}
          - {{step: "2.2", kind: accesslog, name: availability, path: {root / "access.log"}, window: 1h, measure: availability, value: {{warn: "< 99.5 %", crit: "< 99 %"}}, min_requests: 20}}
          - {{step: "2.2", kind: accesslog, name: p95, path: {root / "access.log"}, window: 1h, measure: p95, value: {{warn: "> 500 ms", crit: "> 1000 ms"}}}}
          - {{step: "5.5", kind: privacy, name: app-logs, paths: ["{root}/logs/*.log"], lines: 2000, find: [mobile, id_number, email]}}
          - {{step: "5.5", kind: file, name: log-perms, path: {root / "logs"}, type: directory, not_readable_by: others, recursive: true}}
          - {{step: "5.4", kind: retention, name: behaviour-logs, path: {root / "behaviour"}, pattern: 'behaviour-(\\d{{4}}-\\d{{2}}-\\d{{2}})\\.log', keep: 30d, gaps: true}}
          - {{step: "5.4", kind: retention, name: audit-rows, db: mg, table: audit_events, column: created_at, keep: 30d}}
      pg:
        address: 127.0.14.1
        databases:
          ctea: {{engine: postgresql, user: ctea_ro, password: "${{CTEA_PG_RO_PASSWORD}}", database: ctea, sslmode: verify-full, sslrootcert: {lab.paths.pg_ca}}}
        checks:
          - {{step: "4.1", kind: dbhealth, name: pg-connections, db: ctea, measure: connections, value: {{crit: "> 80 %"}}}}
          - {{step: "4.1", kind: dbhealth, name: pg-size, db: ctea, measure: size, value: {{crit: "> 1 GiB"}}}}
          - {{step: "4.1", kind: dbhealth, name: pg-slow, db: ctea, measure: slow_queries, value: {{crit: "> 10"}}}}
          - {{step: "5.4", kind: retention, name: iiko-log-rows, db: ctea, table: iiko_sync_log, column: created_at, keep: 3y}}
"""


def _access_line(status: int, seconds: float, ago: float = 30) -> str:
    at = datetime.now().astimezone() - timedelta(seconds=ago)
    return (
        f'127.0.0.1 - - [{at:%d/%b/%Y:%H:%M:%S %z}] "GET /api/checkin HTTP/1.1" {status} 12 '
        f'"-" "python-requests/2.32" {seconds:.3f}\n'
    )


def _healthy(w: World) -> None:
    """The baseline: a 1 % full disk, a fast probe view, a small database, young rows, a tidy
    log directory, a full run of daily behaviour logs, an access log of 40 good requests."""
    for f in w.data.iterdir():
        f.unlink()
    w.sql("CREATE OR REPLACE VIEW probe AS SELECT 1 AS s")
    w.sql("TRUNCATE TABLE blobs")
    w.sql("ANALYZE TABLE blobs")
    w.sql("DELETE FROM audit_events WHERE created_at < NOW() - INTERVAL 20 DAY")
    w.logs.chmod(0o750)
    (w.logs / "app.log").write_text("user 138****5678 checked in\nmail z***@example.com\n")
    (w.logs / "app.log").chmod(0o640)
    today = date.today()
    for f in w.behaviour.iterdir():
        f.unlink()
    for n in range(0, 21):
        (w.behaviour / f"behaviour-{today - timedelta(n)}.log").write_text("ok\n")
    w.access.write_text("".join(_access_line(200, 0.05) for _ in range(40)))


@pytest.fixture(scope="module")
def world(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("mgk")
    root.chmod(0o755)
    for d in ("data", "logs", "behaviour"):
        (root / d).mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", str(root / "data")],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the disk check: {mounted.stderr.strip()}")
    lab.sql(f"CREATE DATABASE IF NOT EXISTS {DB}", None)
    lab.sql("CREATE TABLE IF NOT EXISTS blobs (id INT AUTO_INCREMENT PRIMARY KEY, b LONGBLOB)", DB)
    lab.sql("CREATE TABLE IF NOT EXISTS audit_events (id INT AUTO_INCREMENT PRIMARY KEY, created_at DATETIME NOT NULL)", DB)  # fmt: skip
    lab.sql("TRUNCATE TABLE audit_events", DB)
    for n in range(1, 11):
        lab.sql(f"INSERT INTO audit_events (created_at) VALUES (NOW() - INTERVAL {n} DAY)", DB)
    (root / "inv.yml").write_text(_inventory(root, lab), encoding="utf-8")
    w = World(lab, root, f"--history={root / 'history.sqlite'}")
    _healthy(w)
    try:
        yield w
    finally:
        subprocess.run(["umount", str(root / "data")], check=False)
        lab.sql(f"DROP DATABASE IF EXISTS {DB}", None)


def warned(run: Run) -> set[str]:
    return set(re.findall(r"^WARN \S+::(test_\w+\[[^\]]+\])", run.stdout, re.MULTILINE))


def test_1_healthy(world: World, tmp_path: Path) -> None:
    run = world.run(tmp_path)
    # the lab's PostgreSQL has no pg_stat_statements: its slow-query figure cannot be observed
    assert run.failed == {PG_SLOW}, run.stdout[-4000:]
    assert "pg_stat_statements is not installed" in run.stdout
    # the first run has no baseline: the average since the server started is at most WARN
    assert warned(run) - {SLOW} == set(), run.stdout[-4000:]
    for name in (DISK, MEMORY, PROBE, SLOW, CONNECTIONS, SIZE, PG_CONNECTIONS, PG_SIZE, PG_ROWS,
                 AVAILABILITY, P95, PRIVACY, PERMS, FILES, ROWS):  # fmt: skip
        assert run.outcomes.get(name) == "passed", (name, run.outcomes)


def _slow_queries(lab: Lab, n: int) -> None:
    conn = lab.mariadb.connect(None)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION long_query_time = 0")
            for _ in range(n):
                cur.execute("SELECT 1")
    finally:
        conn.close()


def _open(lab: Lab, n: int) -> list[Any]:
    return [lab.mariadb.connect(None) for _ in range(n)]


def test_2_one_crit_fault_per_check(world: World, tmp_path: Path) -> None:
    w = world
    (w.data / "fill").write_bytes(b"x" * 950 * 1024)  # 1 MiB tmpfs ~95 % full
    w.sql("CREATE OR REPLACE VIEW probe AS SELECT SLEEP(0.3) AS s")
    _slow_queries(w.lab, 4)
    for _ in range(5):
        w.sql("INSERT INTO blobs (b) VALUES (REPEAT('x', 1048576))")
    w.sql("ANALYZE TABLE blobs")
    w.sql("INSERT INTO audit_events (created_at) VALUES (NOW() - INTERVAL 40 DAY)")
    with w.access.open("a") as f:
        f.writelines(_access_line(502, 0.01) for _ in range(10))
    with (w.logs / "app.log").open("a") as f:
        f.write(f"2026-11-25 10:00:01 login ok user={PHONE}\n")
    (w.logs / "sub.log").write_text("ok\n")
    (w.logs / "sub.log").chmod(0o644)
    (w.behaviour / f"behaviour-{date.today() - timedelta(5)}.log").unlink()
    held = _open(w.lab, 90)  # of max_connections 200: over 40 %
    try:
        run = w.run(tmp_path)
    finally:
        for conn in held:
            conn.close()
        (w.logs / "sub.log").unlink()
        _healthy(w)
    assert run.failed == {
        DISK, PROBE, SLOW, CONNECTIONS, SIZE, AVAILABILITY, PRIVACY, PERMS, FILES, ROWS, PG_SLOW
    }, run.stdout[-6000:]  # fmt: skip
    out = run.stdout
    assert PHONE not in out  # a finding shows where, never the value
    assert f"{w.logs}/app.log:3: mobile" in out
    assert f"{w.logs}/sub.log mode 0644 (readable by others)" in out
    assert f"1 day(s) missing: {date.today() - timedelta(5)}" in out
    assert re.search(r"slow queries \d+ > 2", out)  # since run 1, by its memo
    assert re.search(r"\d+ in \d+ min since the last run", out)
    assert "availability 80 % < 99 %" in out
    assert run.outcomes[P95] == "passed" and run.outcomes[MEMORY] == "passed"


def test_3_warn_bands_and_an_old_file(world: World, tmp_path: Path) -> None:
    w = world
    (w.data / "fill").write_bytes(b"x" * 800 * 1024)  # ~80 %: WARN (> 70 %), not CRIT (> 90 %)
    w.sql("CREATE OR REPLACE VIEW probe AS SELECT SLEEP(0.15) AS s")  # 150 ms: between 100 and 200
    for _ in range(2):
        w.sql("INSERT INTO blobs (b) VALUES (REPEAT('x', 1048576))")
    w.sql("ANALYZE TABLE blobs")  # ~2 MiB: between 1 and 4 MiB
    with w.access.open("a") as f:  # 10 of 50 requests at 0.7 s: p95 700 ms
        f.writelines(_access_line(200, 0.7) for _ in range(10))
    old = w.behaviour / f"behaviour-{date.today() - timedelta(40)}.log"
    old.write_text("kept too long\n")
    held = _open(w.lab, 50)  # 25 % of 200: WARN (> 20 %), not CRIT (> 40 %)
    try:
        run = w.run(tmp_path)
    finally:
        for conn in held:
            conn.close()
        _healthy(w)
    assert run.failed - {SLOW} == {FILES, PG_SLOW}, run.stdout[-6000:]
    assert "older than 30d" in run.stdout
    assert warned(run) == {DISK, PROBE, SIZE, P95, CONNECTIONS}, run.stdout[-6000:]


def test_the_slow_query_counter_is_kept_in_the_history(world: World) -> None:
    """The slow-query check left its counter in the run history, for the next run's rate."""
    memos = History(Path(world.history.split("=", 1)[1])).last_memos()
    memo = memos["mg-prod-4.1-slow-per-hour"]
    assert isinstance(memo["count"], int) and memo["at"] <= time.time()
