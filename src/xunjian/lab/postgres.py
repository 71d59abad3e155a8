"""PostgreSQL: the CTEA platform's database (runbook 004) on 127.0.14.1:5432, TLS only.

PostgreSQL refuses to run as root, so the server runs as the system user ``xunjian-pg`` (made on
first use). TCP logins need TLS and a SCRAM password (``hostnossl`` is rejected); the lab's admin
is the superuser ``postgres``, reached only through the unix socket in the lab's run dir by OS
root (peer authentication), for seeding and fault injection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from xunjian.lab import process, tlsca
from xunjian.lab.component import Component, Context, LabError
from xunjian.lab.topology import CTEA_ADMIN, CTEA_DB, CTEA_PG, CTEA_RO, PG_PORT

PG_USER = "xunjian-pg"
SUPERUSER = "postgres"
BIN_GLOB = "/usr/lib/postgresql/*/bin"


def bindir() -> Path:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = [p for p in Path("/").glob(BIN_GLOB.lstrip("/")) if (p / "initdb").exists()]
    if not found:
        raise LabError(f"no PostgreSQL server under {BIN_GLOB}: install the postgresql package")
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def ensure_user() -> pwd.struct_passwd:
    """The unprivileged system user the server runs as, created when missing."""
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        pass
    argv = ["useradd", "--system", "--user-group", "--no-create-home"]
    argv += ["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", PG_USER]
    subprocess.run(argv, capture_output=True, timeout=60, check=False)
    try:
        return pwd.getpwnam(PG_USER)  # made now, or by a concurrent lab a moment ago
    except KeyError:
        raise LabError(f"could not create the system user {PG_USER} (useradd)") from None


def as_pg_user(argv: list[str]) -> list[str]:
    """``argv`` run as PG_USER: setpriv execs in place, so the pid stays the server's."""
    return ["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--clear-groups", "--", *argv]


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier the server stores, made here so that ``CREATE ROLE ... PASSWORD``
    never carries the password itself (a failed statement is written to the server log)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server = hmac.digest(salted, b"Server Key", "sha256")
    b64 = [base64.b64encode(part).decode() for part in (salt, stored, server)]
    return f"SCRAM-SHA-256${iterations}:{b64[0]}${b64[1]}:{b64[2]}"


def _searchable(path: Path) -> None:
    """PG_USER must reach the lab dir: it and every parent directory searchable by others."""
    for parent in (*reversed(path.parents), path):
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise LabError(
                f"postgres runs as {PG_USER}, which cannot enter {parent} (mode "
                f"{parent.stat().st_mode & 0o777:o}); put the lab elsewhere (XUNJIAN_LAB_DIR)"
            )


class Postgres(Component):
    name = "postgres"
    ready_timeout = 60.0
    stop_timeout = 30.0

    def __init__(self, ctx: Context, address: str = CTEA_PG) -> None:
        super().__init__(ctx)
        self.address = address  # the lab's is CTEA_PG; the self-tests run theirs beside it

    @property
    def datadir(self) -> Path:
        return self.paths.data("postgres")

    @property
    def socket_dir(self) -> Path:
        return self.paths.run / "postgres"

    @property
    def confdir(self) -> Path:
        return self.paths.etc / "postgres"

    def listen(self) -> list[tuple[str, int]]:
        return [(self.address, PG_PORT)]

    def cwd(self) -> Path:
        return self.datadir

    def child_env(self) -> dict[str, str]:
        return {"LC_ALL": "C", "HOME": str(self.datadir)}

    def prepare(self) -> None:
        _searchable(self.paths.root)
        user = ensure_user()
        for d in (self.datadir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
            os.chown(d, user.pw_uid, user.pw_gid)
            d.chmod(0o700)
            d.parent.chmod(d.parent.stat().st_mode | 0o011)  # data/, run/: PG_USER passes through
        cert, key = tlsca.ensure_server_cert(self.paths.tls, "pg-server", [self.address])
        os.chown(key, user.pw_uid, user.pw_gid)  # the server insists on owning its key (0600)
        if not (self.datadir / "PG_VERSION").exists():
            self._initdb(user)
        self._write_config(cert, key)

    def _initdb(self, user: pwd.struct_passwd) -> None:
        for leftover in self.datadir.iterdir():  # a half-made cluster from an interrupted run
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        argv = [str(bindir() / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER]
        argv += ["--encoding=UTF8", "--no-locale", "--auth-local=peer", "--auth-host=reject"]
        result = subprocess.run(
            as_pg_user([*argv, "--no-sync", "--no-instructions"]),
            cwd=self.datadir,
            env={**os.environ, **self.child_env()},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode != 0:
            raise LabError(f"initdb as {user.pw_name} failed: {result.stderr.strip()[-800:]}")

    def _write_config(self, cert: Path, key: Path) -> None:
        self.confdir.mkdir(parents=True, exist_ok=True)
        self.confdir.chmod(0o755)
        self.paths.etc.chmod(self.paths.etc.stat().st_mode | 0o011)
        hba, ident = self.confdir / "pg_hba.conf", self.confdir / "pg_ident.conf"
        settings = {
            "listen_addresses": f"'{self.address}'",
            "port": str(PG_PORT),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "unix_socket_permissions": "0700",
            "hba_file": f"'{hba}'",
            "ident_file": f"'{ident}'",
            "ssl": "on",
            "ssl_cert_file": f"'{cert}'",
            "ssl_key_file": f"'{key}'",
            "ssl_min_protocol_version": "'TLSv1.2'",
            "password_encryption": "'scram-sha-256'",
            "max_connections": "50",
            "shared_buffers": "16MB",
            "dynamic_shared_memory_type": "posix",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "cluster_name": "'xunjian-lab'",
            "lc_messages": "'C'",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "log_line_prefix": "'%m [%p] %q%u@%d '",
        }
        conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
        (self.confdir / "postgresql.conf").write_text(conf)
        # A client of 127.0.14.1 connects from 127.0.0.1 (the kernel's source address on lo), so
        # the password lines take all of loopback; nothing else reaches a 127.0.14.1 listener.
        hba.write_text(
            "# TYPE    DATABASE  USER                 ADDRESS          METHOD\n"
            f"local     all       {SUPERUSER:<20} {'':<16} peer map=lab\n"
            f"hostnossl all       all                  0.0.0.0/0        reject\n"
            f"hostnossl all       all                  ::/0             reject\n"
            f"hostssl   {CTEA_DB:<9} {CTEA_ADMIN},{CTEA_RO:<9} 127.0.0.0/8      scram-sha-256\n"
        )
        ident.write_text(f"lab root {SUPERUSER}\nlab {PG_USER} {SUPERUSER}\n")

    def argv(self) -> list[str]:
        conf = self.confdir / "postgresql.conf"
        postgres = bindir() / "postgres"
        return as_pg_user([str(postgres), "-D", str(self.datadir), "-c", f"config_file={conf}"])

    def stop(self, crash: bool = False) -> None:
        pid = self.pid()
        if pid is not None and not crash:
            os.kill(pid, signal.SIGINT)  # fast shutdown: SIGTERM would wait for every client
            process.wait_gone([pid], self.stop_timeout)
        super().stop(crash)

    def healthy(self) -> bool:
        self.query("SELECT 1", database="postgres")
        return True

    def connect(self, database: str = CTEA_DB) -> psycopg.Connection[tuple[Any, ...]]:
        """A superuser connection through the lab's socket (peer authentication as root)."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=PG_PORT,
            user=SUPERUSER,
            dbname=database,
            connect_timeout=5,
            autocommit=True,
        )

    def query(
        self, statement: str, database: str = CTEA_DB, args: tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        with self.connect(database) as conn, conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall() if cur.description is not None else []
