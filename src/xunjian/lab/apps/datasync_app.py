"""The lab's DataSync (runbook 003): a Flask app served by gunicorn (``main:app`` in
/opt/datasync, two workers) that keeps its tasks in MySQL and runs them on an APScheduler 3
``BackgroundScheduler`` in Beijing time (:mod:`.datasync_sync` does one run).

- ``init_db()`` on first start creates ``sync_tasks`` and ``sync_logs``; its 兼容逻辑 adds
  missing ``task_name`` / ``feishu_link`` / ``enabled`` columns and makes old ``app_token`` /
  ``table_id`` columns nullable (the lab starts it on an old-style table to prove it).
- One worker of the two holds ``run/scheduler.lock`` and runs the scheduler (the others would
  run every task twice); it re-reads the tasks every few seconds: a disabled task's job is
  removed (§5 禁用将移除调度), a changed cron re-registered.
- Web: ``GET /`` the tasks and the last 20 logs; ``POST /api/tasks`` (new task, the Feishu link
  ``/base/<app_token>?table=<tbl>`` parsed), ``POST /api/tasks/<id>/toggle``, ``.../run`` (立即执行).
"""

from __future__ import annotations

import fcntl
import html
import logging
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pymysql
from flask import Flask, jsonify, request

from xunjian.lab.apps import datasync_sync as sync
from xunjian.lab.apps.datasync_sync import BEIJING, Feishu

log = logging.getLogger("datasync")
RELOAD_SECONDS = 5.0

TASKS = """CREATE TABLE IF NOT EXISTS sync_tasks (
  id INT AUTO_INCREMENT PRIMARY KEY, task_name VARCHAR(100) NOT NULL DEFAULT '',
  sql_text TEXT NOT NULL, sync_mode VARCHAR(16) NOT NULL DEFAULT 'full',
  index_column VARCHAR(64) NULL, feishu_link VARCHAR(500) NOT NULL DEFAULT '',
  app_token VARCHAR(64) NULL, table_id VARCHAR(64) NULL, cron VARCHAR(64) NOT NULL,
  enabled TINYINT(1) NOT NULL DEFAULT 1, batch_size INT NOT NULL DEFAULT 500,
  rate_limit_delay DOUBLE NOT NULL DEFAULT 0.5,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP)"""
LOGS = """CREATE TABLE IF NOT EXISTS sync_logs (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, task_id INT NOT NULL,
  trigger_type VARCHAR(16) NOT NULL, start_time DATETIME NOT NULL, end_time DATETIME NULL,
  status VARCHAR(16) NOT NULL, rows_imported INT NOT NULL DEFAULT 0, duration_ms INT NULL,
  message TEXT, KEY task_time (task_id, start_time))"""
ADDED = {
    "task_name": "VARCHAR(100) NOT NULL DEFAULT ''",
    "feishu_link": "VARCHAR(500) NOT NULL DEFAULT ''",
    "enabled": "TINYINT(1) NOT NULL DEFAULT 1",
}
LINK = re.compile(r"/base/(?P<app>[A-Za-z0-9]+)\?table=(?P<table>tbl[A-Za-z0-9]+)")


def connect(cfg: ModuleType) -> Any:
    m = cfg.MySQLConfig
    return pymysql.connect(
        host=m.host, port=m.port, user=m.user, password=m.password, database=m.database,
        charset="utf8mb4", cursorclass=pymysql.cursors.DictCursor, connect_timeout=5,
    )  # fmt: skip


def init_db(conn: Any) -> None:
    """Create the two tables; adapt an older sync_tasks (runbook 003 §3 兼容逻辑)."""
    with conn.cursor() as cur:
        cur.execute(TASKS)
        cur.execute(LOGS)
        cur.execute(
            "SELECT column_name AS c, is_nullable AS n FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 'sync_tasks'"
        )
        have = {r["c"]: r["n"] for r in cur.fetchall()}
        for column, ddl in ADDED.items():
            if column not in have:
                cur.execute(f"ALTER TABLE sync_tasks ADD COLUMN {column} {ddl}")
        for column in ("app_token", "table_id"):
            if have.get(column) == "NO":
                cur.execute(f"ALTER TABLE sync_tasks MODIFY {column} VARCHAR(64) NULL")
    conn.commit()


def tasks(conn: Any) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM sync_tasks ORDER BY id")
        return list(cur.fetchall())


class Scheduler:
    """The APScheduler of the worker that holds the lock, kept in step with sync_tasks."""

    def __init__(self, cfg: ModuleType) -> None:
        self.cfg = cfg
        self.home = Path(cfg.AppConfig.home)
        self.feishu = Feishu(
            cfg.FeishuConfig.base_url, cfg.FeishuConfig.app_id, cfg.FeishuConfig.app_secret
        )
        self.crons: dict[str, str] = {}
        self._lockfile: Any = None

    def start(self) -> None:
        threading.Thread(target=self._claim, daemon=True, name="datasync-claim").start()

    def _claim(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        (self.home / "run").mkdir(exist_ok=True)
        self._lockfile = open(self.home / "run" / "scheduler.lock", "w")
        while True:  # the worker holding the lock runs the scheduler; if it dies, another
            try:
                fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(1.0)
        self.scheduler = BackgroundScheduler(timezone=BEIJING)
        self.scheduler.add_job(self.reload, "interval", seconds=RELOAD_SECONDS, id="reload")
        self.scheduler.start()
        self.reload()

    def reload(self) -> None:
        from apscheduler.triggers.cron import CronTrigger

        try:
            conn = connect(self.cfg)
            try:
                rows = tasks(conn)
            finally:
                conn.close()
        except pymysql.MySQLError as e:
            log.error("reading sync_tasks: %s", e)
            return
        wanted = {f"task_{t['id']}": t for t in rows if t["enabled"]}
        for job_id in set(self.crons) - set(wanted):
            self.scheduler.remove_job(job_id)
            del self.crons[job_id]
        for job_id, t in wanted.items():
            if self.crons.get(job_id) == t["cron"]:
                continue
            try:
                trigger = CronTrigger.from_crontab(t["cron"], timezone=BEIJING)
            except ValueError as e:
                log.error("task %s: cron %r: %s", t["id"], t["cron"], e)
                continue
            self.scheduler.add_job(self.run, trigger, args=[t["id"], "cron"], id=job_id,
                                   replace_existing=True, misfire_grace_time=60, coalesce=True)  # fmt: skip
            self.crons[job_id] = t["cron"]

    def run(self, task_id: int, trigger: str) -> None:
        conn = connect(self.cfg)
        try:
            found = [t for t in tasks(conn) if t["id"] == task_id]
            if found:
                sync.run(conn, self.home, self.feishu, found[0], trigger)
        finally:
            conn.close()


def create_app(cfg: ModuleType) -> Flask:
    conn = connect(cfg)
    try:
        init_db(conn)
    finally:
        conn.close()
    scheduler = Scheduler(cfg)
    scheduler.start()
    app = Flask("datasync")

    @app.get("/")
    def index() -> str:
        conn = connect(cfg)
        try:
            rows = tasks(conn)
            with conn.cursor() as cur:
                cur.execute("SELECT * FROM sync_logs ORDER BY id DESC LIMIT 20")
                logs = cur.fetchall()
        finally:
            conn.close()
        items = "".join(
            f"<tr><td>{t['id']}</td><td>{html.escape(t['task_name'])}</td><td>{html.escape(t['cron'])}</td>"
            f"<td>{'启用' if t['enabled'] else '禁用'}</td></tr>"
            for t in rows
        )
        recent = "".join(
            f"<tr><td>{r['task_id']}</td><td>{r['start_time']}</td><td>{r['status']}</td><td>{r['rows_imported']}</td></tr>"
            for r in logs
        )
        return (
            "<!doctype html><title>DataSync 任务管理</title><h1>DataSync 任务管理</h1>"
            f"<table>{items}</table><h2>最近 20 条日志</h2><table>{recent}</table>"
        )

    @app.post("/api/tasks")
    def create() -> Any:
        body = request.get_json(force=True)
        m = LINK.search(str(body.get("feishu_link", "")))
        if m is None:
            return jsonify(error="feishu_link: expected .../base/<app_token>?table=<tbl...>"), 400
        conn = connect(cfg)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO sync_tasks (task_name, sql_text, sync_mode, index_column, feishu_link, "
                    "app_token, table_id, cron, enabled, batch_size, rate_limit_delay, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (body["task_name"], body["sql"], body.get("sync_mode", "full"), body.get("index_column"),
                     body["feishu_link"], m["app"], m["table"], body["cron"], int(body.get("enabled", 1)),
                     int(body.get("batch_size", 500)), float(body.get("rate_limit_delay", 0.5)),
                     datetime.now(BEIJING).replace(tzinfo=None)),
                )  # fmt: skip
                new_id = cur.lastrowid
            conn.commit()
        finally:
            conn.close()
        return jsonify(id=new_id), 201

    @app.post("/api/tasks/<int:task_id>/toggle")
    def toggle(task_id: int) -> Any:
        conn = connect(cfg)
        try:
            with conn.cursor() as cur:
                cur.execute("UPDATE sync_tasks SET enabled = 1 - enabled WHERE id = %s", (task_id,))
            conn.commit()
        finally:
            conn.close()
        return jsonify(ok=True)

    @app.post("/api/tasks/<int:task_id>/run")
    def run_now(task_id: int) -> Any:
        threading.Thread(target=scheduler.run, args=(task_id, "manual"), daemon=True).start()
        return jsonify(started=task_id), 202

    return app
