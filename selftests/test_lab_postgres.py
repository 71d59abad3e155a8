"""The lab's PostgreSQL component (runbook 004), run in a lab directory of its own beside the
main lab; and, at the end, the lab's other new host, CreditPilot's SQLite file on 127.0.11.1.

The server listens on 127.0.14.11, not the lab's 127.0.14.1, so that it never meets the main
lab's server (which the session ``lab`` fixture may have started); everything else is the
component as ``Lab().up()`` runs it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from xunjian.lab import Lab, envfile, process, seed
from xunjian.lab.component import Context
from xunjian.lab.paths import LabPaths
from xunjian.lab.postgres import PG_USER, Postgres
from xunjian.lab.sshd import Sshd
from xunjian.lab.topology import CREDITPILOT, CTEA, CTEA_PG, DATASYNC, MINDGUARD, PG_PORT

pytestmark = pytest.mark.lab

ADDRESS = "127.0.14.11"


@contextmanager
def temporary_postgres(address: str) -> Iterator[Postgres]:
    """A started and seeded lab PostgreSQL on ``address`` in a fresh lab dir; removed after."""
    root = Path(tempfile.mkdtemp(prefix="xunjian-pglab-"))
    paths = LabPaths(root)
    paths.ensure()
    ctx = Context(paths, envfile.load_or_create(paths.env_file))
    pg = Postgres(ctx, address=address)
    try:
        pg.start()
        seed.seed_postgres(pg, ctx.secrets["CTEA_PG_PASSWORD"], ctx.secrets["CTEA_PG_RO_PASSWORD"])
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with temporary_postgres(ADDRESS) as server:
        yield server


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


def listeners(port: int) -> list[str]:
    out = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if line.split()[3].endswith(f":{port}")]


def test_the_lab_runs_it_on_the_ctea_address() -> None:
    lab = Lab(root=Path(tempfile.gettempdir()) / "xunjian-pglab-unstarted")
    assert lab.postgres.listen() == [(CTEA_PG, PG_PORT)] == [("127.0.14.1", 5432)]
    assert lab.components["postgres"] is lab.postgres
    assert lab.postgres in lab._phases[0], "postgres belongs to the infra phase"


def owned_by(pid: int) -> list[str]:
    """Listening addresses of ``pid`` (the main lab's own server may listen beside it)."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return [ln.split()[3] for ln in out.splitlines() if f"pid={pid}," in ln]


def test_listens_on_its_address_only(pg: Postgres) -> None:
    pid = pg.pid()
    assert pid is not None
    assert owned_by(pid) == [f"{ADDRESS}:{PG_PORT}"]
    assert not [a for a in listeners(PG_PORT) if a.startswith(("0.0.0.0", "*", "["))]
    assert pg.status().running


def test_the_config_names_one_address_and_tls() -> None:
    """The twin of the listener check, from the file the server reads."""
    root = Path(tempfile.mkdtemp(prefix="xunjian-pglab-conf-"))
    try:
        paths = LabPaths(root)
        paths.ensure()
        Postgres(Context(paths)).prepare()
        conf = (paths.etc / "postgres/postgresql.conf").read_text()
        assert "listen_addresses = '127.0.14.1'\n" in conf
        assert "ssl = on\n" in conf
        hba = (paths.etc / "postgres/pg_hba.conf").read_text()
        assert "hostnossl all       all                  0.0.0.0/0        reject" in hba
        assert "trust" not in hba
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_runs_as_its_own_user(pg: Postgres) -> None:
    pid = pg.pid()
    assert pid is not None
    uid = pwd.getpwnam(PG_USER).pw_uid
    assert uid != 0
    assert {uid_of(p) for p in [pid, *process.descendants(pid)]} == {uid}
    assert pg.query("SELECT current_user", "postgres") == [("postgres",)]


def test_admin_reaches_it_through_the_socket_only(pg: Postgres) -> None:
    assert pg.query("SELECT count(*) FROM iiko_sync_log WHERE status = 'SUCCESS'")[0][0] > 0
    with pytest.raises(psycopg.OperationalError, match=r"no pg_hba\.conf entry"):
        psycopg.connect(host=ADDRESS, user="postgres", dbname="postgres", sslmode="require")


def test_the_lab_helpers_find_it(pg: Postgres) -> None:
    lab = Lab(root=pg.paths.root)
    assert lab.pg_sql("SELECT status FROM orders WHERE order_number = 'CT-0001'") == [
        ("COMPLETED",)
    ]
    assert lab.pg_sql("UPDATE orders SET status = 'CANCELLED' WHERE order_number = 'CT-0001'") == []
    assert lab.pg_sql("SELECT status FROM orders WHERE order_number = 'CT-0001'") == [
        ("CANCELLED",)
    ]
    secrets = lab.env()
    seed.seed_postgres(pg, secrets["CTEA_PG_PASSWORD"], secrets["CTEA_PG_RO_PASSWORD"])
    assert lab.pg_sql("SELECT status FROM orders WHERE order_number = 'CT-0001'") == [
        ("COMPLETED",)
    ], "seeding again restores the baseline"
    assert pg.pid() in lab._stray_pids(), "a server without its pidfile would still be found"


def test_stops_cleanly() -> None:
    with temporary_postgres("127.0.14.13") as server:
        pid = server.pid()
        assert pid is not None
        tree = [pid, *process.descendants(pid)]
        assert len(tree) > 1
        # a client holding a session does not hold up the stop (fast shutdown)
        idle = server.connect()
        try:
            server.stop()
        finally:
            idle.close()
        assert not process.wait_gone(tree, 1.0)
        assert server.pid() is None
        assert not process.port_open("127.0.14.13", PG_PORT, 0.5)
        assert not (server.datadir / "postmaster.pid").exists(), "a clean shutdown"
        assert not [a for a in listeners(PG_PORT) if a.startswith("127.0.14.13")]
        assert os.path.isdir(server.datadir)


def test_creditpilot_sqlite_file(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    seed.seed_creditpilot(paths)
    with sqlite3.connect(paths.creditpilot_db) as conn:
        conn.execute("DELETE FROM transactions")  # a fault...
    seed.seed_creditpilot(paths)  # ...undone by seeding again
    assert paths.creditpilot_db == tmp_path / "root/opt/creditpilot/db/smart_loan_manager.db"
    with sqlite3.connect(f"file:{paths.creditpilot_db}?mode=ro", uri=True) as conn:
        for table in ("customers", "bills", "transactions", "credit_cards"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
        charges, payments, balance = conn.execute(
            "SELECT sum(total_charges), sum(total_payments), sum(closing_balance) FROM bills"
        ).fetchone()
        moved = conn.execute(
            "SELECT sum(CASE transaction_type WHEN 'charge' THEN amount ELSE -amount END)"
            " FROM transactions"
        ).fetchone()[0]
    assert abs(charges - payments - balance) < 0.005
    assert abs(moved - balance) < 0.005
    assert [p.name for p in paths.creditpilot_db.parent.iterdir()] == ["smart_loan_manager.db"]


def test_sshd_and_ssh_config_reach_every_runbook_host(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    paths.ensure()
    sshd = Sshd(Context(paths))
    sshd.prepare()
    for addr in (CREDITPILOT, MINDGUARD, DATASYNC, CTEA):
        assert (addr, 2222) in sshd.listen()
        assert f"ListenAddress {addr}\n" in sshd.config.read_text()
    assert len(sshd.listen()) <= 16  # one sshd listens on at most 16 addresses
    first = paths.ssh_config.read_text().splitlines()[0]
    assert first == "Host 127.0.10.* 127.0.11.* 127.0.12.* 127.0.13.* 127.0.14.*"
