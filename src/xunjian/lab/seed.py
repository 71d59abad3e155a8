"""Baseline data for the checks: MariaDB tables, the rsync log, the S3 bucket, the CTEA
PostgreSQL database (runbook 004) and CreditPilot's SQLite file (runbook 001).

Seeding is idempotent and restores the baseline, so a fault injected by a test is undone by ``up``.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from string import Template

import urllib3
from minio import Minio
from psycopg import sql

from xunjian.lab.mariadb import MariaDB
from xunjian.lab.paths import FILES, LabPaths
from xunjian.lab.postgres import Postgres, scram_verifier
from xunjian.lab.topology import (
    CTEA_ADMIN,
    CTEA_DB,
    CTEA_RO,
    S3_ACCESS_KEY,
    S3_BUCKET,
    S3_PORT,
    WECOM,
)

CSV_TABLES = ("customer_info", "account_info", "trade_detail", "position_daily", "fund_flow")


def sql_statements(paths: LabPaths) -> list[str]:
    text = Template((FILES / "seed.sql").read_text(encoding="utf-8")).safe_substitute(fs=paths.fs)
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";")]


def sql_digest() -> str:
    """Changes with files/seed.sql: a running lab seeded from an older one is seeded again."""
    return hashlib.sha256((FILES / "seed.sql").read_bytes()).hexdigest()[:16]


def seed_database(db: MariaDB, paths: LabPaths, password: str, api: tuple[str, str]) -> None:
    """files/seed.sql, the root account for TCP logins (the lab's MariaDB password) and the
    API's user of runbook 000 part 2 (``api``: THQH_API_USERNAME, THQH_API_PASSWORD)."""
    conn = db.connect(database=None)
    try:
        with conn.cursor() as cur:
            for statement in sql_statements(paths):
                cur.execute(statement.rstrip(";"))
            cur.execute("REPLACE INTO thqh_enterprise_wechat.sys_user VALUES (1, %s, %s)", api)
            # TCP logins from 127.0.10.x (the apps, the checks) use this account and the lab secret.
            cur.execute("CREATE USER IF NOT EXISTS 'root'@'127.%%' IDENTIFIED BY %s", (password,))
            cur.execute("ALTER USER 'root'@'127.%%' IDENTIFIED BY %s", (password,))
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.%' WITH GRANT OPTION")
    finally:
        conn.close()


def rsync_log_lines(now: datetime, runs: int = 7) -> list[str]:
    """A realistic rsync_data.log: one run per day, newest last, every run ending in 传输成功."""
    lines: list[str] = []
    for day in range(runs - 1, -1, -1):
        start = (now - timedelta(days=day)).replace(hour=1, minute=30, second=0, microsecond=0)
        if start > now:
            start -= timedelta(days=1)
        stamp = start.strftime("%Y%m%d")
        lines.append(f"[{start:%Y-%m-%d %H:%M:%S}] 开始同步 push_csv -> 数据处理服务")
        second = start + timedelta(seconds=1)
        lines.append(f"[{second:%Y-%m-%d %H:%M:%S}] sending incremental file list")
        for i, table in enumerate(CSV_TABLES):
            size = 180_000 + 37_411 * (i + 1) + 913 * day
            lines.append(
                f"[{start + timedelta(seconds=2 + i):%Y-%m-%d %H:%M:%S}] "
                f"incr_csv/{table}_{stamp}.csv  {size:,} bytes"
            )
        lines.append(
            f"[{start + timedelta(seconds=8):%Y-%m-%d %H:%M:%S}] sent 1,184,213 bytes  "
            f"received 412 bytes  236,925.00 bytes/sec; total size is 9,840,115  "
            f"speedup is 8.31"
        )
        lines.append(
            f"[{start + timedelta(seconds=9):%Y-%m-%d %H:%M:%S}] 传输成功 "
            f"({len(CSV_TABLES)} files, rc=0)"
        )
    return lines


def seed_files(paths: LabPaths) -> None:
    for sub in ("incr_csv", "full_csv", "push_csv", "rsync_log"):
        (paths.rsync_data / sub).mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d")
    for table in CSV_TABLES:
        csv = paths.rsync_data / "incr_csv" / f"{table}_{stamp}.csv"
        if not csv.exists():
            csv.write_text("id,name,updated_at\n1,lab,2025-01-01 00:00:00\n", encoding="utf-8")
    paths.rsync_log.write_text("\n".join(rsync_log_lines(datetime.now())) + "\n", encoding="utf-8")


def seed_s3(secret_key: str) -> None:
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3, read=10),
        retries=urllib3.Retry(total=2, backoff_factor=0.5),
    )
    client = Minio(
        f"{WECOM}:{S3_PORT}",
        access_key=S3_ACCESS_KEY,
        secret_key=secret_key,
        secure=False,
        http_client=http,
    )
    if not client.bucket_exists(S3_BUCKET):
        client.make_bucket(S3_BUCKET)
    objects = {
        "chatdata/2025/msg-lab-0001.json": b'{"msgid":"lab-msg-0001","msgtype":"text"}\n',
        "chatdata/2025/msg-lab-0002.json": b'{"msgid":"lab-msg-0002","msgtype":"text"}\n',
        "media/lab-voice-0001.amr": b"#!AMR\n" + bytes(64),
    }
    for key, data in objects.items():
        client.put_object(S3_BUCKET, key, io.BytesIO(data), len(data))


def seed_postgres(pg: Postgres, admin_password: str, ro_password: str) -> None:
    """The CTEA roles (their passwords set to the lab secrets), the ``ctea`` database owned by
    CTEA_ADMIN and its baseline tables (files/pg_seed.sql, one transaction)."""
    with pg.connect("postgres") as conn:
        for role, password in ((CTEA_ADMIN, admin_password), (CTEA_RO, ro_password)):
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                    sql.SQL("ALTER" if found else "CREATE"),
                    sql.Identifier(role),
                    sql.Literal(scram_verifier(password)),
                )
            )
        ro, admin, db = sql.Identifier(CTEA_RO), sql.Identifier(CTEA_ADMIN), sql.Identifier(CTEA_DB)
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ro))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (CTEA_DB,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db, admin))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, admin))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, ro))
    script = (FILES / "pg_seed.sql").read_text(encoding="utf-8")
    with pg.connect(CTEA_DB) as conn, conn.transaction():
        conn.execute(script)


def creditpilot_version() -> int:
    """The seed's version, kept in the file's ``PRAGMA user_version``: a running lab whose file
    came from an older files/creditpilot_seed.sql is seeded again (lab/creditpilot.py)."""
    digest = hashlib.sha256((FILES / "creditpilot_seed.sql").read_bytes()).digest()
    return int.from_bytes(digest[:3], "big") + 1


def seed_creditpilot(paths: LabPaths) -> None:
    """CreditPilot's SQLite file, made afresh beside the old one and then moved over it, with
    its users (runbook 001 §7: an Admin and an Accountant, passwords from the lab secrets,
    stored hashed), and the app's configuration files (lab/creditpilot_files.py); the
    workflow logs (/tmp/logs) lose the ERROR lines a test caused."""
    from werkzeug.security import generate_password_hash

    from xunjian.lab import creditpilot_files, envfile

    secrets = envfile.read_env_file(paths.env_file) if paths.env_file.exists() else {}
    db = paths.creditpilot_db
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(f".{db.name}.{os.getpid()}.new")
    fresh.unlink(missing_ok=True)
    users = [
        ("admin", secrets.get("CREDITPILOT_ADMIN_PASSWORD"), "Admin"),
        (
            secrets.get("CREDITPILOT_ACCOUNTANT_USERNAME"),
            secrets.get("CREDITPILOT_ACCOUNTANT_PASSWORD"),
            "Accountant",
        ),
    ]
    try:
        with closing(sqlite3.connect(fresh)) as conn:
            conn.executescript((FILES / "creditpilot_seed.sql").read_text(encoding="utf-8"))
            conn.executemany(
                "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)",
                [(u, generate_password_hash(pw), role) for u, pw, role in users if u and pw],
            )
            conn.execute(f"PRAGMA user_version = {creditpilot_version()}")
            conn.commit()
        fresh.chmod(0o644)
        fresh.replace(db)
    finally:
        fresh.unlink(missing_ok=True)
    root = db.parent.parent
    errors = root / "logs" / "error.log"  # the app's log (lab/creditpilot.py): empty
    errors.parent.mkdir(parents=True, exist_ok=True)
    errors.write_text("")
    creditpilot_files.write(root, secrets)
    for log in (paths.fs / "tmp" / "logs").glob("*.log"):  # the workflow logs: no test's errors
        lines = log.read_text().splitlines(True)
        kept = [ln for ln in lines if " ERROR " not in ln]
        if kept != lines:
            log.write_text("".join(kept))
