"""The local lab: real servers on loopback emulating production hosts: 127.0.10.1-5 for the
five hosts of runbook 000 part 1, 127.0.11.1 for CreditPilot (runbook 001) and 127.0.14.1 for
the CTEA platform's PostgreSQL (runbook 004).

>>> lab = Lab()            # <repo>/.lab, or $XUNJIAN_LAB_DIR
>>> lab.up()               # install what is missing, start everything, seed, wait until ready
>>> lab.stop("app:ProcessServer"); lab.start("app:ProcessServer")
>>> lab.sql("UPDATE SyncStateTable SET syncstate=1 WHERE id=1")
>>> lab.pg_sql("UPDATE iiko_sync_log SET status='FAILED'")
>>> lab.down()
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xunjian.lab import bulk, bulk_objects, envfile, process, seed
from xunjian.lab.alertsink import AlertSink
from xunjian.lab.component import Component, ComponentStatus, Context, LabError
from xunjian.lab.console import Console
from xunjian.lab.creditpilot import CreditPilot
from xunjian.lab.ctea import Ctea
from xunjian.lab.ctea_redis import CteaRedis
from xunjian.lab.datasync import DataSync
from xunjian.lab.feishu_open import FeishuOpen
from xunjian.lab.install import ensure_installed
from xunjian.lab.java import JavaService
from xunjian.lab.mariadb import MariaDB
from xunjian.lab.mindguard import MindGuard, MindGuardClient, MindGuardWeb
from xunjian.lab.nginx import Nginx
from xunjian.lab.paths import LabPaths, default_lab_dir
from xunjian.lab.postgres import Postgres
from xunjian.lab.prometheus import Prometheus
from xunjian.lab.redis import Redis
from xunjian.lab.s3 import S3
from xunjian.lab.sshd import Sshd
from xunjian.lab.topology import JAVA_APPS

__all__ = ["ComponentStatus", "Lab", "LabError"]

Report = Callable[[ComponentStatus], None]
LOCK_WAIT = 600.0  # seconds to wait for another lab command (a cold `up` installs packages)


class Lab:
    """Facade over the lab's components; every method is safe to call repeatedly."""

    def __init__(self, root: Path | None = None) -> None:
        self.paths = LabPaths(Path(root).resolve() if root else default_lab_dir())
        self.ctx = Context(self.paths)
        self.mariadb = MariaDB(self.ctx)
        self.s3 = S3(self.ctx)
        self.postgres = Postgres(self.ctx)
        infra: list[Component] = [
            self.mariadb,
            Redis(self.ctx),
            self.s3,
            self.postgres,
            Sshd(self.ctx),
            CteaRedis(self.ctx),  # runbook 004: the CTEA platform's own Redis on 127.0.14.1
        ]
        front: list[Component] = [JavaService(self.ctx, app) for app in JAVA_APPS]
        front += [Nginx(self.ctx), Console(self.ctx), AlertSink(self.ctx)]
        front.append(CreditPilot(self.ctx))  # runbook 001: the Flask API on 127.0.11.1
        front += [FeishuOpen(self.ctx), DataSync(self.ctx)]  # runbook 003 on 127.0.13.1
        front.append(Ctea(self.ctx))  # runbook 004: the Node service under pm2 on 127.0.14.1
        # runbook 002: MindGuard's API, its nginx and its simulated users on 127.0.12.1
        front += [
            MindGuard(self.ctx, self.mariadb),
            MindGuardWeb(self.ctx),
            MindGuardClient(self.ctx),
        ]
        front.append(Prometheus(self.ctx))  # the lab's metrics server on 127.0.9.1:9090
        self._phases = (infra, front)
        self.components: dict[str, Component] = {c.name: c for c in (*infra, *front)}

    # -- lifecycle --------------------------------------------------------------------------
    def up(self, report: Report | None = None) -> dict[str, ComponentStatus]:
        """Install, start and seed whatever is not running; wait until every component is ready."""
        ensure_installed()
        self.paths.ensure()
        self.paths.link_fixed()
        with self._lock():
            self._load_secrets()
            started: set[str] = set()
            for n, phase in enumerate(self._phases):
                started |= {c.name for c in phase if c.launch()}
                with ThreadPoolExecutor(max_workers=len(phase)) as pool:
                    list(pool.map(lambda c: c.wait_ready(), phase))
                if n == 0:
                    self._seed_if_needed()
        result: dict[str, ComponentStatus] = {}
        for name, comp in self.components.items():
            st = comp.status()
            st = ComponentStatus(
                st.name,
                st.running,
                st.pid,
                st.addresses,
                "started" if name in started else "already running",
            )
            result[name] = st
            if report:
                report(st)
        return result

    def down(self) -> list[str]:
        """Stop every component; return descriptions of lab processes still alive (should be [])."""
        with self._lock():
            for phase in reversed(self._phases):
                with ThreadPoolExecutor(max_workers=len(phase)) as pool:
                    list(pool.map(lambda c: c.stop(), phase))
            for pid in self._stray_pids():
                process.terminate(pid, 5.0)
            return [f"{pid} {process.cmdline(pid)}" for pid in self._stray_pids()]

    def status(self) -> dict[str, ComponentStatus]:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(pool.map(lambda c: (c.name, c.status()), self.components.values()))

    def stop(self, component: str, crash: bool | None = None) -> None:
        """Stop one component; Java apps are SIGKILLed like a crash unless ``crash=False``."""
        comp = self._get(component)
        comp.stop(crash=component.startswith("app:") if crash is None else crash)

    def start(self, component: str) -> None:
        """(Re)start one component and wait until it is ready."""
        comp = self._get(component)
        self._load_secrets()
        comp.start()
        if comp in self._seeded:
            self._seed_if_needed()

    # -- helpers for tests ------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The lab secrets (topology.SECRET_KEYS: THQH_MYSQL_PASSWORD, THQH_MINIO_SECRET_KEY,
        CTEA_PG_PASSWORD, CTEA_PG_RO_PASSWORD) and nothing else."""
        return dict(self._load_secrets())

    def sql(self, statement: str, database: str = "thqh") -> list[tuple[Any, ...]]:
        """Run one statement as the lab's admin through the socket (for fault injection)."""
        return self.mariadb.query(statement, database)

    def pg_sql(self, statement: str, database: str = "ctea") -> list[tuple[Any, ...]]:
        """Run one statement on the lab PostgreSQL as its superuser through the unix socket
        (for fault injection); rows if it returns any, else []."""
        return self.postgres.query(statement, database)

    def seed(self) -> None:
        """Restore the baseline data (tables, files, S3 objects) now."""
        self._load_secrets()
        self._seed(force=True)

    def rsync_log_path(self) -> Path:
        return self.paths.rsync_log

    def ssh_config_path(self) -> Path:
        return self.paths.ssh_config

    # -- internals ----------------------------------------------------------------------------
    @property
    def _seeded(self) -> tuple[Component, ...]:
        """The servers whose data is seeded after each (re)start."""
        return (self.mariadb, self.s3, self.postgres)

    def _get(self, component: str) -> Component:
        try:
            return self.components[component]
        except KeyError:
            raise LabError(
                f"unknown component {component!r}; expected one of {', '.join(self.components)}"
            ) from None

    def _load_secrets(self) -> dict[str, str]:
        if not self.ctx.secrets:
            self.paths.root.mkdir(parents=True, exist_ok=True)
            self.ctx.secrets.update(envfile.load_or_create(self.paths.env_file))
        return self.ctx.secrets

    def _seed_if_needed(self) -> None:
        self._seed(force=False)

    def _seed(self, force: bool) -> None:
        """Seed what was (re)started since it was last seeded; everything if ``force``."""
        secrets = self.ctx.secrets
        for comp in self._seeded:
            marker = self.paths.run / f"seeded-{comp.name}"
            # MariaDB's baseline is files/seed.sql: a newer one is seeded into a running lab
            stamp = f"{comp.pid()} {seed.sql_digest()}" if comp is self.mariadb else str(comp.pid())
            if force or not marker.exists() or marker.read_text() != stamp:
                if comp is self.mariadb:
                    api = (secrets["THQH_API_USERNAME"], secrets["THQH_API_PASSWORD"])
                    seed.seed_database(
                        self.mariadb, self.paths, secrets["THQH_MYSQL_PASSWORD"], api
                    )
                    bulk.seed_tables(self.mariadb)  # runbook 000 part 3: backup drills
                elif comp is self.s3:
                    seed.seed_s3(secrets["THQH_MINIO_SECRET_KEY"])
                    bulk_objects.seed_objects(secrets["THQH_MINIO_SECRET_KEY"])
                else:
                    seed.seed_postgres(
                        self.postgres, secrets["CTEA_PG_PASSWORD"], secrets["CTEA_PG_RO_PASSWORD"]
                    )
                marker.write_text(stamp)
        if force or not self.paths.rsync_log.exists():
            seed.seed_files(self.paths)
        if force or not self.paths.creditpilot_db.exists():
            seed.seed_creditpilot(self.paths)

    def _stray_pids(self) -> list[int]:
        """Lab servers left without a pidfile (after a crash or a bug), found by command line.

        Never this process, its ancestors, or ssh clients that merely use the lab's ssh_config.
        """
        root = str(self.paths.root) + "/"
        spared: set[int] = set()
        pid = os.getpid()
        while pid > 1:
            spared.add(pid)
            pid = process.parent(pid)
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in spared:
                continue
            cmd = process.cmdline(int(entry.name))
            ours = (
                root in cmd
                or "/run/xunjian-lab/" in cmd  # DataSync's gunicorn, from its lab venv
                or "xunjian.lab.apps." in cmd  # -m xunjian.lab.apps.X, gunicorn ...apps.X:app
                or (cmd.startswith("redis-server ") and ("127.0.10." in cmd or "127.0.14." in cmd))
            )
            if ours and not cmd.startswith(("ssh ", "ssh: ")) and process.alive(int(entry.name)):
                found.append(int(entry.name))
        return found

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        path = self.paths.root / "lab.lock"
        with open(path, "w") as fh:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LabError(
                            f"another lab command has held {path} for over {LOCK_WAIT:.0f} s;"
                            " is a stuck `python -m xunjian.lab` running?"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
