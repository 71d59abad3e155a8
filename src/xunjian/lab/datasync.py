"""DataSync's server on 127.0.13.1 (runbook 003), laid out as the runbook says under
``/opt/datasync`` of the lab host (``<lab>/root/opt/datasync``):

- ``main.py`` (``main:app``; the app is :mod:`xunjian.lab.apps.datasync_app`), ``config.py``
  (``MySQLConfig`` / ``FeishuConfig`` / ``AppConfig``, secrets from the environment as §2
  advises), ``runs/``, ``logs/``;
- ``.venv``: a real ``python -m venv --system-site-packages`` of the runner's Python (so the
  runbook's packages installed for the lab are importable in it), with a ``bin/gunicorn``;
- ``/etc/systemd/system/datasync.service``: the runbook's unit, with the lab's paths and
  address (and RestartSec=2 for short self-tests), enabled by its ``multi-user.target.wants``
  link. The lab has no systemd: :mod:`xunjian.lab.unitd` (this component's process) supervises
  the unit, and ``/usr/bin/systemctl`` of the lab host (:mod:`xunjian.lab.systemctl`) answers
  from the real process state.

MySQL (the lab's one mariadbd, on 127.0.13.1:3306 too): database ``datasync`` (the app creates
its two tables on first start, over an old-style ``sync_tasks`` that its 兼容逻辑 adapts), the
source ``datasync_src.orders``, and the app's account ``datasync`` (ALL on ``datasync``, SELECT
on ``datasync_src``). Tasks are made through the app's own web API once it answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from xunjian.lab import process
from xunjian.lab.component import Component, LabError
from xunjian.lab.feishu_open import APP_ID
from xunjian.lab.mariadb import MariaDB
from xunjian.lab.paths import FIXED
from xunjian.lab.topology import DATASYNC, DATASYNC_PORT, FEISHU_OPEN, FEISHU_OPEN_PORT, LAB_INFRA
from xunjian.lab.unitd import STATE_DIR

HOME = "opt/datasync"  # below the lab host's root
UNIT = "etc/systemd/system/datasync.service"
WANTS = "etc/systemd/system/multi-user.target.wants/datasync.service"
ACCOUNT = "datasync"
BACKUP = "datasync_backup"
BEIJING = ZoneInfo("Asia/Shanghai")

MAIN = '''"""DataSync's WSGI entry point: gunicorn -w 2 -b 0.0.0.0:8000 main:app (the lab's app)."""
import config
from xunjian.lab.apps.datasync_app import create_app

app = create_app(config)
'''
CONFIG = '''"""DataSync configuration (runbook 003 §2); secrets from the environment, never the file."""
import os


class MySQLConfig:
    host = os.getenv("DATASYNC_MYSQL_HOST", "{db}")
    port = int(os.getenv("DATASYNC_MYSQL_PORT", "3306"))
    user = os.getenv("DATASYNC_MYSQL_USER", "{account}")
    password = os.environ["DATASYNC_MYSQL_PASSWORD"]
    database = "datasync"


class FeishuConfig:
    base_url = os.getenv("FEISHU_BASE_URL", "{feishu}")
    app_id = os.getenv("FEISHU_APP_ID", "{app_id}")
    app_secret = os.environ["DATASYNC_FEISHU_APP_SECRET"]


class AppConfig:
    home = os.path.dirname(os.path.abspath(__file__))
    webhook_url = os.getenv("DATASYNC_WEBHOOK_URL", "")
    webhook_secret = os.getenv("DATASYNC_WEBHOOK_SECRET", "")
'''
UNIT_TEXT = """[Unit]
Description=MySQL to Feishu Bitable Sync
After=network.target

[Service]
Type=simple
WorkingDirectory={home}
Environment="PATH={home}/.venv/bin"
ExecStart={home}/.venv/bin/gunicorn -w 2 -b {addr}:{port} main:app
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""
LEGACY = """CREATE TABLE IF NOT EXISTS sync_tasks (
  id INT AUTO_INCREMENT PRIMARY KEY, sql_text TEXT NOT NULL,
  sync_mode VARCHAR(16) NOT NULL DEFAULT 'full', index_column VARCHAR(64) NULL,
  app_token VARCHAR(64) NOT NULL, table_id VARCHAR(64) NOT NULL, cron VARCHAR(64) NOT NULL,
  batch_size INT NOT NULL DEFAULT 500, rate_limit_delay DOUBLE NOT NULL DEFAULT 0.5,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP)"""
ORDERS = [("华东贸易", 1280.50), ("北方物流", 560.00), ("南山科技", 9930.25), ("西湖茶业", 75.80)]
# (name, SQL, cron, enabled): every-minute tasks make real runs on the lab's timescale
TASKS = [
    ("orders-sync", "SELECT id, customer, amount, created_at FROM datasync_src.orders ORDER BY id", "* * * * *", 1),
    ("customers-sync", "SELECT customer, COUNT(*) AS orders, SUM(amount) AS total FROM datasync_src.orders GROUP BY customer", "*/2 * * * *", 1),
    ("daily-report", "SELECT DATE(created_at) AS day, SUM(amount) AS total FROM datasync_src.orders GROUP BY DATE(created_at)", "0 3 * * *", 1),
    ("legacy-export", "SELECT id, customer FROM datasync_src.orders", "30 2 * * 0", 0),
]  # fmt: skip


class DataSync(Component):
    name = "datasync"
    ready_timeout = 60.0

    @property
    def home(self) -> Path:
        """/opt/datasync on the lab host, by the fixed path its unit and inventory name."""
        return FIXED / "root" / HOME

    @property
    def unit(self) -> Path:
        return self.paths.fs / UNIT

    @property
    def wants(self) -> Path:
        return self.paths.fs / WANTS

    @property
    def systemctl(self) -> Path:
        return self.paths.fs / "usr/bin/systemctl"

    def listen(self) -> list[tuple[str, int]]:
        return [(DATASYNC, DATASYNC_PORT)]

    def marker(self) -> str:
        return "xunjian.lab.unitd"

    def argv(self) -> list[str]:
        state = str(self.paths.fs / STATE_DIR)
        return [
            sys.executable,
            "-m",
            "xunjian.lab.unitd",
            "--unit",
            str(self.unit),
            "--state",
            state,
        ]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        keys = ("DATASYNC_MYSQL_PASSWORD", "DATASYNC_FEISHU_APP_SECRET")
        return {"PYTHONPATH": src + (os.pathsep + old if old else "")} | {
            k: self.ctx.secrets[k] for k in keys
        }

    def db(
        self, statement: str, database: str | None = "datasync", args: Any = None
    ) -> list[tuple[Any, ...]]:
        return MariaDB(self.ctx).query(statement, database, args)

    @property
    def env_file(self) -> Path:
        """lab-datasync.yml's env_file: DataSync's secrets, and its failure-alert bot (the lab
        receiver's Feishu bot: URL with its token, and its signing secret)."""
        return self.paths.root / "datasync.env"

    def write_env(self) -> None:
        s = self.ctx.secrets
        hook = f"http://{LAB_INFRA}:8080/feishu/open-apis/bot/v2/hook/{s['LAB_FEISHU_TOKEN']}"
        values = {
            "DATASYNC_MYSQL_PASSWORD": s["DATASYNC_MYSQL_PASSWORD"],
            "DATASYNC_FEISHU_APP_ID": APP_ID,  # not a secret; the inventory names it by reference
            "DATASYNC_FEISHU_APP_SECRET": s["DATASYNC_FEISHU_APP_SECRET"],
            "DATASYNC_BACKUP_PASSWORD": s["DATASYNC_BACKUP_PASSWORD"],
            "DATASYNC_WEBHOOK_URL": hook,
            "DATASYNC_WEBHOOK_SECRET": s["LAB_FEISHU_SECRET"],
        }
        tmp = self.env_file.with_suffix(".new")
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        tmp.replace(self.env_file)

    def prepare(self) -> None:
        self.write_env()
        self._database()
        home = self.paths.fs / HOME
        for d in (
            home / "runs",
            home / "logs",
            self.unit.parent,
            self.wants.parent,
            self.systemctl.parent,
        ):
            d.mkdir(parents=True, exist_ok=True)
        (home / "main.py").write_text(MAIN)
        feishu = f"http://{FEISHU_OPEN}:{FEISHU_OPEN_PORT}"
        (home / "config.py").write_text(
            CONFIG.format(db=DATASYNC, account=ACCOUNT, feishu=feishu, app_id=APP_ID)
        )
        self._venv(home / ".venv")
        self.unit.write_text(UNIT_TEXT.format(home=self.home, addr=DATASYNC, port=DATASYNC_PORT))
        if not self.wants.is_symlink():
            self.wants.symlink_to(self.unit)  # systemctl enable
        src = Path(__file__).resolve().parents[2]
        self.systemctl.write_text(
            f"#!{sys.executable}\n# the lab host's systemctl: a stand-in (no systemd in the lab)\n"
            f"import sys\nsys.path.insert(0, {str(src)!r})\n"
            f"from xunjian.lab.systemctl import main\nsys.exit(main(root={str(self.paths.fs)!r}))\n"
        )
        self.systemctl.chmod(0o755)

    def _venv(self, venv: Path) -> None:
        if not (venv / "bin/python").exists():
            subprocess.run(
                [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                check=True, timeout=120,
            )  # fmt: skip
        gunicorn = venv / "bin/gunicorn"
        gunicorn.write_text(
            f"#!{self.home}/.venv/bin/python\nimport sys\n"
            "from gunicorn.app.wsgiapp import run\nsys.exit(run())\n"
        )
        gunicorn.chmod(0o755)

    def _database(self) -> None:
        password = self.ctx.secrets["DATASYNC_MYSQL_PASSWORD"]
        for name in ("datasync", "datasync_src"):
            self.db(f"CREATE DATABASE IF NOT EXISTS {name} CHARACTER SET utf8mb4", None)
        self.db(
            "CREATE TABLE IF NOT EXISTS orders (id INT AUTO_INCREMENT PRIMARY KEY, "
            "customer VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL, "
            "created_at DATETIME DEFAULT CURRENT_TIMESTAMP)",
            "datasync_src",
        )
        if not self.db("SELECT 1 FROM orders LIMIT 1", "datasync_src"):
            for i in range(20):
                customer, amount = ORDERS[i % len(ORDERS)]
                self.db(
                    "INSERT INTO orders (customer, amount) VALUES (%s, %s)",
                    "datasync_src",
                    (customer, amount + i),
                )
        if not self.db("SHOW TABLES LIKE 'sync_tasks'"):
            self.db(LEGACY)  # an older release's table: the app's init_db adapts it
        self.db(
            f"CREATE USER IF NOT EXISTS '{ACCOUNT}'@'127.%%' IDENTIFIED BY %s", None, (password,)
        )
        self.db(f"ALTER USER '{ACCOUNT}'@'127.%%' IDENTIFIED BY %s", None, (password,))
        self.db(f"GRANT ALL PRIVILEGES ON datasync.* TO '{ACCOUNT}'@'127.%'", None)
        self.db(f"GRANT SELECT ON datasync_src.* TO '{ACCOUNT}'@'127.%'", None)
        # §10/§11: the backup's own account; a consistent dump pauses commits (RELOAD)
        backup = self.ctx.secrets["DATASYNC_BACKUP_PASSWORD"]
        self.db(f"CREATE USER IF NOT EXISTS '{BACKUP}'@'127.%%' IDENTIFIED BY %s", None, (backup,))
        self.db(f"ALTER USER '{BACKUP}'@'127.%%' IDENTIFIED BY %s", None, (backup,))
        self.db(f"GRANT RELOAD ON *.* TO '{BACKUP}'@'127.%'", None)
        self.db(
            f"GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT ON datasync.* TO '{BACKUP}'@'127.%'",
            None,
        )

    def healthy(self) -> bool:
        return requests.get(f"http://{DATASYNC}:{DATASYNC_PORT}/", timeout=3).status_code == 200

    def wait_ready(self) -> None:
        super().wait_ready()
        if not self.db("SELECT 1 FROM sync_tasks LIMIT 1"):
            self.seed_tasks()

    def seed_tasks(self) -> None:
        """The tasks, made through the web UI's API as an operator would, and a plausible
        history of the daily and the disabled task (the every-minute ones make their own)."""
        base = f"http://{DATASYNC}:{DATASYNC_PORT}"
        for n, (name, sql, cron, enabled) in enumerate(TASKS, start=1):
            body = {"task_name": name, "sql": sql, "cron": cron, "batch_size": 10, "rate_limit_delay": 0.2,
                    "feishu_link": f"https://lab.feishu.cn/base/bascnLab{n:04d}?table=tblLab{n:04d}"}  # fmt: skip
            made = requests.post(f"{base}/api/tasks", json=body, timeout=10)
            made.raise_for_status()
            if not enabled:
                requests.post(
                    f"{base}/api/tasks/{made.json()['id']}/toggle", timeout=10
                ).raise_for_status()
        self.seed_history()
        self.warm_up()

    def warm_up(self, seconds: float = 60.0) -> None:
        """A fresh lab runs each enabled task once now (立即执行, which leaves its Cron as it
        is), so that its artifacts and XTF log exist before the first check, not a minute or
        two later when the scheduler first fires."""
        base = f"http://{DATASYNC}:{DATASYNC_PORT}"
        ids = [n for n, (*_, enabled) in enumerate(TASKS, start=1) if enabled]
        # the runs push to the Feishu stand-in, which starts beside this app
        process.wait_until(lambda: process.port_open(FEISHU_OPEN, FEISHU_OPEN_PORT), seconds)
        for task in ids:
            requests.post(f"{base}/api/tasks/{task}/run", timeout=10).raise_for_status()
        wanted = ", ".join(str(t) for t in ids)
        count = (
            "SELECT COUNT(DISTINCT task_id) FROM sync_logs "
            f"WHERE trigger_type = 'manual' AND status = 'success' AND task_id IN ({wanted})"
        )
        if not process.wait_until(lambda: self.db(count)[0][0] >= len(ids), seconds):
            raise LabError(f"{self.name}: the first runs of tasks {wanted} did not finish")

    def seed_history(self) -> None:
        """sync_logs as seeded: the daily and the disabled task's last week (self-tests call it
        to start afresh; the scheduler adds the real runs of the every-minute tasks)."""
        self.db("DELETE FROM sync_logs")
        now = datetime.now(BEIJING).replace(tzinfo=None)
        rows = []
        for day in range(1, 8):  # daily-report at 03:00 each day; legacy-export until disabled
            at = (now - timedelta(days=day)).replace(hour=3, minute=0, second=0, microsecond=0)
            rows.append((3, at, 4))
            if day >= 5:
                rows.append((4, at.replace(hour=2, minute=30), 20))
        minute = now.replace(second=0, microsecond=0)
        for back in range(1, 61):  # the last hour of the every-minute and every-2-minute tasks
            at = minute - timedelta(minutes=back)
            rows.append((1, at, 20))
            if at.minute % 2 == 0:
                rows.append((2, at, 4))
        today = now.replace(hour=3, minute=0, second=0, microsecond=0)
        if today <= now:
            rows.append((3, today, 4))
        values = ", ".join(
            f"({task}, 'cron', '{at}', '{at + timedelta(seconds=1)}', 'success', {n}, 600, '')"
            for task, at, n in sorted(rows, key=lambda r: r[1])
        )
        self.db(
            "INSERT INTO sync_logs (task_id, trigger_type, start_time, end_time, status, "
            f"rows_imported, duration_ms, message) VALUES {values}"
        )
        self.db(
            "UPDATE sync_tasks SET created_at = %s WHERE id IN (3, 4)",
            "datasync",
            (now - timedelta(days=30),),
        )
