"""End to end on the lab's other database engines: runbook 001's SQLite file on its app server
(read there, through ssh) and runbook 004's PostgreSQL (TLS, verified against the lab CA).
Each fault fails exactly its checks; no sql check can write, on any engine, whatever the
account may do (the observers are driven directly, below any load-time refusal)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from cases import make_case
from test_e2e import Run, daily

from xunjian.inventory import secrets
from xunjian.inventory.case import CheckCase
from xunjian.lab import Lab
from xunjian.lab.ctea import Ctea
from xunjian.lab.prometheus import Prometheus
from xunjian.observe import db, host, mysql, postgresql
from xunjian.result import ObservationError

pytestmark = pytest.mark.lab
# the database engines' checks (SQLite of runbook 001, PostgreSQL of 004), and their files
ENGINES = (
    "--inventory=inventory/lab-creditpilot.yml",
    "--inventory=inventory/lab-ctea.yml",
    "-k",
    "test_sql or test_file",
)
CP = "creditpilot-app-4"
DEFAULT = (
    "inventory/lab.yml",
    "inventory/lab-creditpilot.yml",
    "inventory/lab-mindguard.yml",
    "inventory/lab-datasync.yml",
    "inventory/lab-ctea.yml",
)
DAILY = {"000": 38, "001": 27, "002": 40, "003": 22, "004": 29}  # daily checks per runbook
IIKO = "test_sql[ctea-db-5.3-iiko-sync-recent]"


def run(lab: Lab, tmp: Path, *args: str) -> Run:
    return daily(lab, tmp, *ENGINES, *args)


@pytest.fixture
def lab_secrets(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """The observers resolve secrets from the environment: the lab's, for this test only."""
    monkeypatch.setattr(secrets.SECRETS, "_environ", lab.env())


@pytest.fixture
def reseeded(lab: Lab) -> Iterator[Lab]:
    yield lab
    lab.seed()


def test_healthy_engines_pass(lab: Lab, tmp_path: Path) -> None:
    result = run(lab, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(result.outcomes) == 21  # 5 sql and 4 file checks of runbook 001, 11 + 1 of 004
    assert set(result.outcomes.values()) == {"passed"}


def test_the_default_run_is_every_runbooks_lab(lab: Lab, tmp_path: Path) -> None:
    """`pytest -m daily` with no --inventory: the project's lab inventories, all together."""
    everything = daily(lab, tmp_path, thqh=False)
    plain = daily(lab, tmp_path / "plain", *(f"--inventory={inv}" for inv in DEFAULT))
    assert everything.returncode == 0 and plain.returncode == 0, everything.stdout[-3000:]
    assert set(everything.outcomes) == set(plain.outcomes)
    assert len(everything.outcomes) == sum(DAILY.values())


def test_an_emptied_sqlite_table_fails_its_check_only(reseeded: Lab, tmp_path: Path) -> None:
    with sqlite3.connect(reseeded.paths.creditpilot_db) as conn:
        conn.execute("DELETE FROM credit_cards")
    result = run(reseeded, tmp_path)
    assert result.failed == {f"test_sql[{CP}-credit-cards]"}, result.stdout[-3000:]
    assert "value 0 <= 0" in result.stdout
    assert "python3 scripts/verify_data_integrity.py" in result.stdout  # the runbook's remedy


def test_a_missing_sqlite_file_fails_its_checks_with_the_reason(
    reseeded: Lab, tmp_path: Path
) -> None:
    reseeded.paths.creditpilot_db.rename(reseeded.paths.creditpilot_db.with_suffix(".moved"))
    try:
        result = run(reseeded, tmp_path)
    finally:
        reseeded.paths.creditpilot_db.with_suffix(".moved").rename(reseeded.paths.creditpilot_db)
    assert result.failed == {
        f"test_sql[{CP}-{n}]"
        for n in ("customers", "bills", "transactions", "credit-cards", "net-balance")
    } | {f"test_file[{CP}-db-file]"}
    assert "no such file: /run/xunjian-lab/root/opt/creditpilot/db/smart_loan_manager.db" in (
        result.stdout
    )


def test_a_stale_iiko_sync_is_warn_then_crit(reseeded: Lab, tmp_path: Path) -> None:
    """The bands of runbook 004 §5.3 as written in the lab inventory: WARN past 6 h, CRIT past 24 h."""
    reseeded.pg_sql("UPDATE iiko_sync_log SET finished_at = now() - interval '10 hours'")
    warn = run(reseeded, tmp_path / "warn")
    assert warn.returncode == 0 and not warn.failed, warn.stdout[-3000:]
    assert "WARN" in warn.stdout and "ctea-db-5.3-iiko-sync-recent" in warn.stdout
    reseeded.pg_sql("UPDATE iiko_sync_log SET finished_at = now() - interval '3 days'")
    crit = run(reseeded, tmp_path / "crit")
    assert crit.failed == {IIKO}, crit.stdout[-3000:]
    assert "> 24 h" in crit.stdout


def test_postgresql_stopped_is_unknown_with_the_endpoint(lab: Lab, tmp_path: Path) -> None:
    lab.stop("postgres")
    try:
        result = run(lab, tmp_path)
    finally:
        lab.start("postgres")
        # CTEA's app failed meanwhile: keep its errors and slow answers out of later runs
        cast(Ctea, lab.components["ctea"]).forget_errors()
        cast(Prometheus, lab.components["prometheus"]).forget("ctea")
    every_query = {t for t in result.outcomes if t.startswith("test_sql[ctea-db-")}
    assert len(every_query) == 11 and IIKO in every_query
    assert result.failed == every_query, result.stdout[-3000:]
    assert "[UNKNOWN]" in result.stdout
    assert "postgresql ctea_ro@127.0.14.1:5432/ctea" in result.stdout


# -- no sql check can write, on any engine ---------------------------------------------------

WRITES = (
    "UPDATE {t} SET {c} = {c}",
    "DELETE FROM {t}",
    "INSERT INTO {t} SELECT * FROM {t}",
    "CREATE TABLE xunjian_probe (x int)",
    "DROP TABLE {t}",
)


def _refused(case: CheckCase, sql: str) -> str:
    with pytest.raises(ObservationError) as e:
        db.query(case, "d", sql)
    return str(e.value)


@pytest.mark.parametrize("sql", WRITES)
def test_mysql_refuses_writes_even_as_root(lab: Lab, lab_secrets: None, sql: str) -> None:
    case = make_case(
        {"kind": "sql", "name": "w", "db": "d", "query": "SELECT 1", "expect": {"no_rows": True}},
        databases={"d": {"user": "root", "password": "${THQH_MYSQL_PASSWORD}", "database": "thqh"}},
    )
    try:
        said = _refused(case, sql.format(t="SyncStateTable", c="syncstate"))
    finally:
        mysql.reset()
    assert "READ ONLY" in said.upper() or "read-only" in said or "rejected" in said
    assert lab.sql("SELECT COUNT(*) FROM SyncStateTable")[0][0] > 0


@pytest.mark.parametrize("sql", WRITES)
def test_postgresql_refuses_writes_even_as_the_owner(lab: Lab, lab_secrets: None, sql: str) -> None:
    case = make_case(
        {"kind": "sql", "name": "w", "db": "d", "query": "SELECT 1", "expect": {"no_rows": True}},
        address="127.0.14.1",
        databases={
            "d": {
                "engine": "postgresql",
                "user": "ctea_admin",
                "password": "${CTEA_PG_PASSWORD}",
                "database": "ctea",
                "sslmode": "require",
            }
        },
    )
    try:
        said = _refused(case, sql.format(t="iiko_sync_log", c="status"))
    finally:
        postgresql.reset()
    assert "read-only transaction" in said, said
    assert lab.pg_sql("SELECT COUNT(*) FROM iiko_sync_log")[0][0] > 0


@pytest.mark.parametrize("sql", WRITES)
def test_sqlite_refuses_writes_on_its_host(lab: Lab, sql: str) -> None:
    case = make_case(
        {"kind": "sql", "name": "w", "db": "d", "query": "SELECT 1", "expect": {"no_rows": True}},
        address="127.0.11.1",
        databases={"d": {"engine": "sqlite", "path": str(lab.paths.creditpilot_db)}},
    )
    case = _with_ssh(case, lab)
    try:
        said = _refused(case, sql.format(t="customers", c="name"))
    finally:
        host.reset()
    assert "readonly" in said or "read-only" in said or "query_only" in said, said
    with sqlite3.connect(lab.paths.creditpilot_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] > 0


def _with_ssh(case: CheckCase, lab: Lab) -> CheckCase:
    import dataclasses

    host_model = case.host.model_copy(update={"connection": "ssh://root@127.0.11.1"})
    return dataclasses.replace(case, host=host_model, ssh_config=lab.ssh_config_path())
