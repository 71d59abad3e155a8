"""The CreditPilot lab app without the lab (runbook 001): its seed (users hashed, the stored
totals equal to the transactions', the configuration files) and, through Flask's test client,
what the checks rely on: the app keeps ``balance_summary`` with every transaction it records,
sessions and tokens, RBAC, the workflow logs and its faults."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from xunjian.lab import seed
from xunjian.lab.apps import creditpilot_app
from xunjian.lab.paths import LabPaths

SECRETS = {
    "CREDITPILOT_ADMIN_PASSWORD": "admin-pw-123",
    "CREDITPILOT_ACCOUNTANT_USERNAME": "acct-user",
    "CREDITPILOT_ACCOUNTANT_PASSWORD": "acct-pw-456",
    "CREDITPILOT_SENTRY_KEY": "sentry-key-789",
}


@pytest.fixture
def paths(tmp_path: Path) -> LabPaths:
    paths = LabPaths(tmp_path)
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    seed.seed_creditpilot(paths)
    return paths


@pytest.fixture
def client(paths: LabPaths, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    monkeypatch.setenv("CREDITPILOT_SECRET_KEY", "lab-test-key")
    root = paths.creditpilot_db.parent.parent
    faults = paths.root / "faults.json"
    app = creditpilot_app.create_app(
        paths.creditpilot_db, root, paths.root / "logs", creditpilot_app.fault_reader(faults)
    )
    yield app.test_client()


def _totals(db: Path) -> tuple[Decimal, Decimal]:
    with closing(sqlite3.connect(db)) as conn:
        moved, stored = conn.execute(
            "SELECT (SELECT SUM(CASE transaction_type WHEN 'charge' THEN amount ELSE -amount END)"
            " FROM transactions), (SELECT net_balance FROM balance_summary)"
        ).fetchone()
    cent = Decimal("0.01")
    return Decimal(str(moved)).quantize(cent), Decimal(str(stored)).quantize(cent)


def _token(client: FlaskClient, user: str, password: str) -> str:
    answer = client.post("/api/auth/login", json={"username": user, "password": password})
    assert answer.status_code == 200, answer.json
    return str(answer.json["token"])  # type: ignore[index]


def test_the_seed(paths: LabPaths) -> None:
    root = paths.creditpilot_db.parent.parent
    moved, stored = _totals(paths.creditpilot_db)
    assert moved == stored and stored > 0
    with closing(sqlite3.connect(paths.creditpilot_db)) as conn:
        users = dict(conn.execute("SELECT username, password_hash FROM users").fetchall())
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    assert set(users) == {"admin", "acct-user"}
    assert not {v for v in users.values()} & set(SECRETS.values())  # hashes, not passwords
    assert version == seed.creditpilot_version()
    assert (root / "bank_parser_templates.json").stat().st_size > 10 * 1024
    assert 512 <= (root / "cors_config.py").stat().st_size
    env = root / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600 and "SENTRY_DSN=https://" in env.read_text()


def test_a_recorded_transaction_moves_the_stored_balance(
    paths: LabPaths, client: FlaskClient
) -> None:
    token = _token(client, "acct-user", "acct-pw-456")
    before = _totals(paths.creditpilot_db)[1]
    for kind, amount in (("charge", "0.10"), ("charge", "0.20"), ("payment", "1043.45")):
        answer = client.post(
            "/api/transactions",
            json={"bill_id": 3, "type": kind, "amount": amount},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 201, answer.json
    moved, stored = _totals(paths.creditpilot_db)
    assert moved == stored == before + Decimal("0.30") - Decimal("1043.45")


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        pytest.param(None, "/api/admin/users", 401, id="no-session"),
        pytest.param("accountant", "/api/admin/users", 403, id="accountant-not-admin"),
        pytest.param("admin", "/api/admin/users", 200, id="admin"),
        pytest.param("accountant", "/api/auth/me", 200, id="me"),
        pytest.param(None, "/api/customers", 200, id="public-data"),
    ],
)
def test_sessions_tokens_and_roles(
    client: FlaskClient, who: str | None, path: str, status: int
) -> None:
    headers = {}
    if who == "accountant":
        headers["Authorization"] = f"Bearer {_token(client, 'acct-user', 'acct-pw-456')}"
        client.get("/lab/ready")
    elif who == "admin":
        _token(client, "admin", "admin-pw-123")  # the session cookie of the login carries it
    assert client.get(path, headers=headers).status_code == status


def test_a_wrong_password_or_a_forged_token_is_refused(client: FlaskClient) -> None:
    wrong = client.post("/api/auth/login", json={"username": "acct-user", "password": "nope"})
    assert wrong.status_code == 401
    forged = client.get("/api/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


def test_the_workflow_log_has_requests_and_errors_without_secrets(
    paths: LabPaths, client: FlaskClient
) -> None:
    _token(client, "acct-user", "acct-pw-456")
    assert client.get("/metrics").status_code == 200
    assert client.get("/lab/crash").status_code == 500
    assert client.get("/nothing-here").status_code == 404  # an answer, not an error
    (log,) = (paths.root / "logs").glob("Server_*.log")
    text = log.read_text()
    assert "POST /api/auth/login 200" in text and "GET /nothing-here 404" in text
    assert [ln for ln in text.splitlines() if " ERROR " in ln] == [
        next(ln for ln in text.splitlines() if "RuntimeError" in ln)
    ]
    assert not any(v in text for v in SECRETS.values())
