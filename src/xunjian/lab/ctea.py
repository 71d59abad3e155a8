"""The CTEA platform (runbook 004) on 127.0.14.1: a real Node.js service (``apps/ctea``) run by
pm2 as ``ctea-platform`` on 3000, with the IIKO and payment-gateway stand-ins on 3101/3102.

Deployed as production has it, under the lab host's root (/run/xunjian-lab/root):
``/app/current`` (the code, its ``.env`` with the §1.3 variables, ``drizzle/meta/_journal.json``,
``.git/FETCH_HEAD`` stamped by the last ``git pull``), ``/app/backup_<time>`` (taken just before
that pull, §1.2), ``/var/log/ctea-platform/app.log`` and pm2's home ``/root/.pm2`` (its logs
``ctea-platform-error.log``). The npm packages (pg, redis, prom-client, pm2) are installed with
``npm ci`` into ``<lab>/build/ctea`` from the committed lock file.

The supervised process is ``pm2-runtime`` (pm2's foreground daemon; ``pm2 jlist`` with the same
PM2_HOME talks to it). Faults are a JSON file the app and stand-ins read:

>>> app = Ctea(ctx); app.fault(payment_health=503, api_delay_ms=2500); app.clear_faults()
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests

from xunjian.lab import process
from xunjian.lab.component import Component, LabError
from xunjian.lab.faults import Faults
from xunjian.lab.topology import (
    CTEA,
    CTEA_ADMIN,
    CTEA_APP_PORT,
    CTEA_DB,
    CTEA_IIKO_PORT,
    CTEA_PAYMENT_PORT,
    CTEA_REDIS_PORT,
    PG_PORT,
)

APP = Path(__file__).resolve().parent / "apps" / "ctea"
CODE = ("server.js", "standins.js", "ecosystem.config.js", "package.json", "drizzle")
BACKUP_LEAD = 180  # seconds the lab's backup predates the pull (the deploy script's first step)


class Ctea(Faults, Component):
    name = "ctea"
    ready_timeout = 60.0
    stop_timeout = 15.0

    # -- where things are ---------------------------------------------------------------------
    @property
    def build(self) -> Path:
        return self.paths.root / "build" / "ctea"

    @property
    def pm2(self) -> Path:
        return self.build / "node_modules" / ".bin" / "pm2"

    @property
    def current(self) -> Path:
        return self.paths.fs / "app" / "current"

    @property
    def env_file(self) -> Path:
        return self.current / ".env"

    @property
    def pm2_home(self) -> Path:
        return self.paths.fs / "root" / ".pm2"

    @property
    def error_log(self) -> Path:
        return self.pm2_home / "logs" / "ctea-platform-error.log"

    @property
    def app_log(self) -> Path:
        return self.paths.fs / "var" / "log" / "ctea-platform" / "app.log"

    def forget_errors(self) -> None:
        """Empty app.log and pm2's error log: after a test broke a dependency on purpose, its
        errors would count in the next runs' 24 h (runbook 004 §4.3)."""
        for log in (self.app_log, self.error_log):
            if log.exists():
                log.write_bytes(b"")

    @property
    def faults(self) -> Path:
        return self.paths.etc / "ctea-faults.json"

    # -- the component ------------------------------------------------------------------------
    def listen(self) -> list[tuple[str, int]]:
        return [(CTEA, CTEA_APP_PORT), (CTEA, CTEA_IIKO_PORT), (CTEA, CTEA_PAYMENT_PORT)]

    def marker(self) -> str:
        return "pm2-runtime"

    def argv(self) -> list[str]:
        runtime = self.build / "node_modules" / "pm2" / "bin" / "pm2-runtime"
        return ["node", str(runtime), "start", str(self.current / "ecosystem.config.js")]

    def cwd(self) -> Path:
        return self.current

    def child_env(self) -> dict[str, str]:
        return {
            "PM2_HOME": str(self.pm2_home),
            "CTEA_APP_DIR": str(self.current),
            "CTEA_HOST": CTEA,
            "CTEA_FAULTS": str(self.faults),
            "CTEA_APP_LOG": str(self.app_log),
            "CTEA_IIKO_PORT": str(CTEA_IIKO_PORT),
            "CTEA_PAYMENT_PORT": str(CTEA_PAYMENT_PORT),
            "PM2_DISCRETE_MODE": "true",
        }

    def prepare(self) -> None:
        self._install()
        fresh = not self.current.exists()
        self.current.mkdir(parents=True, exist_ok=True)
        for name in CODE:
            src, dst = APP / name, self.current / name
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
        modules = self.current / "node_modules"
        if not modules.is_symlink():
            modules.symlink_to(self.build / "node_modules")
        if not self.env_file.exists():  # a fault's .env stays until a test writes it back
            self.write_env()
        self.app_log.parent.mkdir(parents=True, exist_ok=True)
        self.pm2_home.mkdir(parents=True, exist_ok=True)
        if fresh or not list(self.current.parent.glob("backup_*")):
            self.deploy()

    def healthy(self) -> bool:
        url = f"http://{CTEA}:{CTEA_APP_PORT}/api/health"
        return requests.get(url, timeout=3).status_code == 200

    # -- deploying ----------------------------------------------------------------------------
    def _install(self) -> None:
        """``npm ci`` into the build dir when the lock file changed (or was never installed)."""
        lock = (APP / "package-lock.json").read_bytes()
        digest = hashlib.sha256(lock).hexdigest()
        stamp = self.build / ".installed"
        if stamp.exists() and stamp.read_text() == digest and self.pm2.exists():
            return
        self.build.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(APP / name, self.build / name)
        npm = ["npm", "ci", "--prefix", str(self.build), "--omit=dev", "--no-audit", "--no-fund"]
        process.run([*npm, "--loglevel=error"], timeout=600)
        stamp.write_text(digest)

    def env_values(self) -> dict[str, str]:
        """The §1.3 variables of the deployed .env, from the lab secrets."""
        s = self.ctx.secrets
        url = f"postgresql://{CTEA_ADMIN}:{s['CTEA_PG_PASSWORD']}@{CTEA}:{PG_PORT}/{CTEA_DB}"
        return {
            "DATABASE_URL": url,
            "DATABASE_SSL": "true",
            "DATABASE_SSL_REJECT_UNAUTHORIZED": "true",
            "DATABASE_CA_CERT": str(self.paths.pg_ca),
            "JWT_SECRET": hashlib.sha256(s["CTEA_JWT_SECRET"].encode()).hexdigest(),
            "NODE_ENV": "production",
            "PAYMENT_PROVIDER": "labpay",
            "IIKO_API_KEY": s["CTEA_IIKO_API_KEY"],
            "IIKO_API_URL": f"http://{CTEA}:{CTEA_IIKO_PORT}",
            "PAYMENT_GATEWAY_URL": f"http://{CTEA}:{CTEA_PAYMENT_PORT}",
            "REDIS_URL": f"redis://{CTEA}:{CTEA_REDIS_PORT}",
        }

    def write_env(self, **changed: str | None) -> None:
        """Write ``/app/current/.env`` (mode 600); ``changed`` overrides values, None drops one
        (faults for the §1.3 checklist; the app sees them at its next restart)."""
        values: dict[str, str] = {**self.env_values()}
        for key, value in changed.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        fd = os.open(self.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{k}={v}\n" for k, v in values.items()))
        self.env_file.chmod(0o600)

    def deploy(self, backup_lead: int = BACKUP_LEAD) -> Path:
        """What the runbook's §1.2 script leaves: ``/app/backup_<time>`` copied from current
        ``backup_lead`` seconds before the ``git pull`` that stamped ``.git/FETCH_HEAD``."""
        for old in self.current.parent.glob("backup_*"):  # the lab keeps the last one only
            shutil.rmtree(old)
        now = time.time()
        taken = now - backup_lead
        backup = self.current.parent / time.strftime("backup_%Y%m%d_%H%M%S", time.gmtime(taken))
        shutil.copytree(self.current, backup, symlinks=True, dirs_exist_ok=True)
        os.utime(backup, (taken, taken))
        git = self.current / ".git"
        git.mkdir(exist_ok=True)
        (git / "FETCH_HEAD").write_text("lab0000000000000000000000000000000000000\tbranch 'main'\n")
        os.utime(git / "FETCH_HEAD", (now, now))
        return backup

    def pm2_cli(self, *args: str) -> str:
        """Run the pm2 command line against the lab's daemon (``restart ctea-platform`` ...)."""
        env = {**os.environ, "PM2_HOME": str(self.pm2_home)}
        out = subprocess.run(
            [str(self.pm2), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if out.returncode != 0:
            raise LabError(f"pm2 {' '.join(args)} failed: {out.stderr.strip()[-300:]}")
        return out.stdout
