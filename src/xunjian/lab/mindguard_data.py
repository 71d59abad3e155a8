"""MindGuard's baseline (runbook 002): the ``mindguard`` database on the lab's MariaDB
(127.0.12.1:3306) and the log directories of §5.4, both relative to *now*.

Tables: users, checkins (情绪打卡), tasks, sos_events, risk_assessments, client_reports
(客户端上报: start time, page load, crash, JS error, API calls/errors) and audit_events (the
审计日志 of §4's 安全 rows; flagged rows are findings). The baseline is a healthy day of
history, deterministic (no random figures): the API and the client simulator add to it.

Log classes (§5.4), one file per day named ``<class>-YYYY-MM-DD.log`` under
``/var/log/mindguard/<class>/``, mode 600 in directories of mode 700 (§5.5), a file for every
day of the period (no gaps), nothing older.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from xunjian.lab.mariadb import MariaDB
from xunjian.lab.topology import MINDGUARD

DB = "mindguard"
APP_USER = "mindguard"  # the API's account (MINDGUARD_DB_PASSWORD)
ADDRESS = MINDGUARD  # the database host, as the API reaches it
MONITOR_USER = "mg_monitor"  # the checks' account, read-only (MINDGUARD_MONITOR_PASSWORD)
USERS = 200  # registered users; the client simulator plays the first ACTIVE of them
ACTIVE = 100


@dataclass(frozen=True)
class LogClass:
    name: str
    keep_days: int
    daily: bool  # a file every day (gaps are findings) or only on days with events


LOG_CLASSES = (
    LogClass("behaviour", 180, True),  # 用户行为日志 180 天
    LogClass("system", 90, True),  # 系统运行日志 90 天
    LogClass("audit", 365, True),  # 安全审计日志 365 天
    LogClass("incident", 1095, False),  # 异常事件日志 3 年
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (id INT PRIMARY KEY, phone CHAR(11) NOT NULL,
        registered_at DATETIME NOT NULL, last_active_at DATETIME NULL)""",
    """CREATE TABLE IF NOT EXISTS checkins (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        user_id INT NOT NULL, mood TINYINT NOT NULL, status ENUM('ok','failed') NOT NULL,
        created_at DATETIME NOT NULL, KEY (created_at))""",
    """CREATE TABLE IF NOT EXISTS tasks (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        user_id INT NOT NULL, title VARCHAR(64) NOT NULL, due_at DATETIME NOT NULL,
        completed_at DATETIME NULL, KEY (due_at))""",
    """CREATE TABLE IF NOT EXISTS sos_events (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        user_id INT NOT NULL, created_at DATETIME NOT NULL, responded_at DATETIME NULL,
        KEY (created_at))""",
    """CREATE TABLE IF NOT EXISTS risk_assessments (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        user_id INT NOT NULL, predicted ENUM('low','medium','high') NOT NULL,
        confirmed ENUM('low','medium','high') NULL, created_at DATETIME NOT NULL,
        KEY (created_at))""",
    """CREATE TABLE IF NOT EXISTS client_reports (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        user_id INT NOT NULL, created_at DATETIME NOT NULL, start_ms INT NOT NULL,
        page_load_ms INT NOT NULL, crashed TINYINT NOT NULL DEFAULT 0,
        js_error TINYINT NOT NULL DEFAULT 0, api_calls INT NOT NULL DEFAULT 0,
        api_errors INT NOT NULL DEFAULT 0, KEY (created_at))""",
    """CREATE TABLE IF NOT EXISTS health_probe (id INT PRIMARY KEY, note VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_events (id BIGINT AUTO_INCREMENT PRIMARY KEY,
        created_at DATETIME NOT NULL, actor VARCHAR(32) NOT NULL, action VARCHAR(32) NOT NULL,
        resource VARCHAR(64) NOT NULL, outcome ENUM('allowed','denied') NOT NULL,
        flag ENUM('abnormal_access','privilege_violation','sensitive_abnormal') NULL,
        KEY (created_at))""",
)
TABLES = ("health_probe", "users", "checkins", "tasks", "sos_events", "risk_assessments", "client_reports",
          "audit_events")  # fmt: skip


def phone(user: int) -> str:
    """A user's (fictitious) mainland mobile number: 138 0000 0000 + id."""
    return f"138{user:08d}"


def masked(user: int) -> str:
    p = phone(user)
    return f"{p[:3]}****{p[-4:]}"


def create(db: MariaDB, app_password: str, monitor_password: str) -> None:
    """The database, its tables and its two accounts (idempotent)."""
    db.query(f"CREATE DATABASE IF NOT EXISTS {DB} CHARACTER SET utf8mb4", None)
    for ddl in SCHEMA:
        db.query(ddl, DB)
    for user, password, grants in (
        (APP_USER, app_password, f"ALL PRIVILEGES ON {DB}.*"),
        (MONITOR_USER, monitor_password, f"SELECT ON {DB}.*"),
    ):
        db.query(f"CREATE USER IF NOT EXISTS '{user}'@'127.%%' IDENTIFIED BY %s", None, (password,))
        db.query(f"ALTER USER '{user}'@'127.%%' IDENTIFIED BY %s", None, (password,))
        db.query(f"GRANT {grants} TO '{user}'@'127.%'", None)
    db.query(f"GRANT PROCESS ON *.* TO '{MONITOR_USER}'@'127.%'", None)  # connections, status


def _rows(db: MariaDB, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    marks = ", ".join(["%s"] * len(rows[0]))
    conn = db.connect(DB)
    try:
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    finally:
        conn.close()


def seed(db: MariaDB, now: datetime | None = None) -> None:
    """Truncate and write a healthy day of history ending at ``now``."""
    now = (now or datetime.now()).replace(microsecond=0)
    for table in TABLES:
        db.query(f"TRUNCATE TABLE {table}", DB)
    db.query("INSERT INTO health_probe VALUES (1, 'ok')", DB)  # what the §4 probe query reads
    users = []
    for u in range(1, USERS + 1):
        registered = now - timedelta(days=(u * 7) % 60 + 1, hours=u % 24)
        active = now - timedelta(minutes=u % 50) if u <= ACTIVE else registered
        users.append((u, phone(u), registered, active))
    _rows(db, "users", "id, phone, registered_at, last_active_at", users)
    minute = [now - timedelta(seconds=36 * i) for i in range(1, 2401)]  # 24 h, every 36 s
    _rows(db, "checkins", "user_id, mood, status, created_at",
          [(i % ACTIVE + 1, i % 5 + 1, "ok", at) for i, at in enumerate(minute)])  # fmt: skip
    # tasks: 9 of every 10 due in the last day were completed (90 %)
    _rows(db, "tasks", "user_id, title, due_at, completed_at",
          [(i % ACTIVE + 1, f"task-{i}", at, None if i % 10 == 9 else at - timedelta(minutes=5))
           for i, at in enumerate(minute[::4])])  # fmt: skip
    # SOS: one an hour, answered within 8-22 s
    _rows(db, "sos_events", "user_id, created_at, responded_at",
          [(h % ACTIVE + 1, now - timedelta(hours=h, minutes=7),
            now - timedelta(hours=h, minutes=7) + timedelta(seconds=8 + h % 15))
           for h in range(24)])  # fmt: skip
    # risk: the AI's level confirmed by a counsellor; 19 of 20 agree (95 %)
    levels = ("low", "medium", "high")
    _rows(db, "risk_assessments", "user_id, predicted, confirmed, created_at",
          [(i % ACTIVE + 1, levels[i % 3], levels[(i + (i % 20 == 7)) % 3], at)
           for i, at in enumerate(minute[::5])])  # fmt: skip
    # client reports: the last hour, every 10 s; start 1.2-2.4 s, page load 0.6-1.3 s
    _rows(db, "client_reports",
          "user_id, created_at, start_ms, page_load_ms, crashed, js_error, api_calls, api_errors",
          [(i % ACTIVE + 1, now - timedelta(seconds=10 * i), 1200 + (i * 37) % 1200,
            600 + (i * 53) % 700, 0, 0, 20, 0) for i in range(1, 361)])  # fmt: skip
    # the audit log: a year of ordinary, allowed events (one a day), and today's
    _rows(db, "audit_events", "created_at, actor, action, resource, outcome, flag",
          [(now - timedelta(days=d, hours=3), f"counsellor-{d % 7}", "read", "risk_assessments",
            "allowed", None) for d in range(364)])  # fmt: skip


def log_dir(fs: Path) -> Path:
    return fs / "var" / "log" / "mindguard"


def write_private(path: Path, text: str, append: bool = True) -> None:
    """Append (or write) ``text`` to a file created with mode 600 (§5.5: owner only)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "a" if append else "w", encoding="utf-8") as fh:
        fh.write(text)


def class_file(fs: Path, cls: LogClass, day: date) -> Path:
    return log_dir(fs) / cls.name / f"{cls.name}-{day:%Y-%m-%d}.log"


def seed_logs(fs: Path, today: date | None = None) -> None:
    """The log directories afresh: every day of each class's period (incidents: one a month)."""
    today = today or date.today()
    base = log_dir(fs)
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    for cls in LOG_CLASSES:  # emptied in place: the running API keeps writing today's files
        (base / cls.name).mkdir(mode=0o700, exist_ok=True)
        for old in (base / cls.name).iterdir():
            old.unlink(missing_ok=True)
        for back in range(cls.keep_days):
            if not cls.daily and back % 30:
                continue
            day = today - timedelta(days=back)
            write_private(class_file(fs, cls, day), f"{day} 00:00:01 {cls.name} log opened\n")
    stamp = f"{datetime.now():%Y-%m-%d %H:%M:%S}"
    write_private(base / "app.log", f"{stamp} INFO lab seeded\n", append=False)
    (base / "app.log").chmod(0o600)
    for d in (base, *(base / c.name for c in LOG_CLASSES)):
        d.chmod(0o700)


def expire_logs(fs: Path, today: date | None = None) -> list[Path]:
    """The daily clean-up (§8.3 自动清理): delete each class's files older than its period."""
    today = today or date.today()
    gone = []
    for cls in LOG_CLASSES:
        for path in (log_dir(fs) / cls.name).glob(f"{cls.name}-*.log"):
            try:
                day = datetime.strptime(path.stem.removeprefix(cls.name + "-"), "%Y-%m-%d")
            except ValueError:
                continue
            if (today - day.date()).days >= cls.keep_days:
                path.unlink(missing_ok=True)
                gone.append(path)
    return gone
