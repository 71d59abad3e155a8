"""query_pg against a real lab PostgreSQL of this module's own (127.0.14.12, TLS only)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from test_lab_postgres import temporary_postgres

from xunjian.lab.postgres import Postgres
from xunjian.observe import postgresql
from xunjian.observe.postgresql import query_pg
from xunjian.result import ObservationError

pytestmark = pytest.mark.lab

ADDRESS = "127.0.14.12"


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with temporary_postgres(ADDRESS) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    yield
    postgresql.reset()


def run(pg: Postgres, sql: str, role: str = "ctea_ro", **options: Any) -> postgresql.Rows:
    """query_pg as the runbook's checks call it: verify-full against the lab CA."""
    password = pg.ctx.secrets["CTEA_PG_RO_PASSWORD" if role == "ctea_ro" else "CTEA_PG_PASSWORD"]
    kwargs: dict[str, Any] = {
        "connect_timeout": 5,
        "statement_timeout": 5,
        "sslmode": "verify-full",
        "sslrootcert": str(pg.paths.pg_ca),
    }
    kwargs.update(options)
    password = kwargs.pop("password", password)
    return query_pg(ADDRESS, 5432, role, password, "ctea", sql, **kwargs)


def test_select_with_verify_full_and_the_lab_ca(pg: Postgres) -> None:
    rows = run(pg, "SELECT id, status, payment_status FROM orders ORDER BY id LIMIT 2")
    assert rows.columns == ("id", "status", "payment_status")
    assert rows.rows == ((1, "COMPLETED", "PAID"), (2, "CANCELLED", "FAILED"))
    assert not rows.truncated


def test_the_runbook_query_on_the_recent_sync(pg: Postgres) -> None:
    rows = run(pg, "SELECT status FROM iiko_sync_log ORDER BY created_at DESC LIMIT 1")
    assert rows.rows == (("SUCCESS",),)


def test_an_empty_result_still_has_its_columns(pg: Postgres) -> None:
    rows = run(
        pg,
        "SELECT * FROM \"order\" WHERE payment_status = 'FAILED'"
        " AND created_at >= NOW() - INTERVAL '24 hours'",
    )
    assert rows.rows == ()
    assert "payment_status" in rows.columns


def test_rows_past_max_rows_are_cut_and_marked(pg: Postgres) -> None:
    rows = run(pg, "SELECT generate_series(1, 5) AS n, 'a%b' AS s", max_rows=3)
    assert rows.rows == ((1, "a%b"), (2, "a%b"), (3, "a%b"))
    assert rows.truncated


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE orders SET status = 'CANCELLED'",
        "DELETE FROM iiko_sync_log",
        "INSERT INTO iiko_sync_log (sync_type, status, started_at) VALUES ('x', 'FAILED', now())",
        "CREATE TABLE intruder (id int)",
        "UPDATE \"order\" SET status = 'CANCELLED' RETURNING id",
    ],
)
def test_writes_are_refused_even_to_the_owner(pg: Postgres, sql: str) -> None:
    with pytest.raises(ObservationError, match=r"^query rejected by ctea: .*read-only"):
        run(pg, sql, role="ctea_admin")
    assert pg.query("SELECT count(*) FROM orders WHERE status = 'CANCELLED'") == [(2,)]
    assert pg.query("SELECT to_regclass('intruder')") == [(None,)]


def test_the_owner_could_write_outside_the_read_only_session(pg: Postgres) -> None:
    """The twin: the refusal above comes from query_pg's session, not from the role."""
    secrets = pg.ctx.secrets
    with psycopg.connect(
        host=ADDRESS,
        user="ctea_admin",
        password=secrets["CTEA_PG_PASSWORD"],
        dbname="ctea",
        sslmode="verify-full",
        sslrootcert=str(pg.paths.pg_ca),
    ) as conn:
        cur = conn.execute("UPDATE orders SET status = status WHERE id = 1")
        assert cur.rowcount == 1
        conn.rollback()


def test_a_second_statement_cannot_leave_the_transaction(pg: Postgres) -> None:
    sql = (
        "COMMIT; SET default_transaction_read_only = off; COMMIT; "
        "UPDATE orders SET status = 'CANCELLED' WHERE id = 1"
    )
    with pytest.raises(ObservationError, match="query rejected by ctea: one statement per query"):
        run(pg, sql, role="ctea_admin")
    assert pg.query("SELECT status FROM orders WHERE id = 1") == [("COMPLETED",)]


def test_the_read_only_role_may_not_read_everything(pg: Postgres) -> None:
    with pytest.raises(ObservationError, match="query rejected by ctea: permission denied"):
        run(pg, "SELECT * FROM pg_authid")


def test_a_syntax_error_is_a_rejected_query(pg: Postgres) -> None:
    with pytest.raises(
        ObservationError, match=r'query rejected by ctea: syntax error at .*"SELEC"'
    ):
        run(pg, "SELEC 1")
    assert run(pg, "SELECT 1").rows == ((1,),), "the session is usable after a rejection"


def test_a_statement_without_a_result_set(pg: Postgres) -> None:
    with pytest.raises(ObservationError, match="the query returned no result set: 'SET search"):
        run(pg, "SET search_path = public")


def test_sslmode_disable_is_refused_by_the_server(pg: Postgres) -> None:
    with pytest.raises(ObservationError) as err:
        run(pg, "SELECT 1", sslmode="disable", sslrootcert=None)
    message = str(err.value)
    assert message.startswith(f"postgresql ctea_ro@{ADDRESS}:5432/ctea: ")
    assert "pg_hba.conf rejects connection" in message and "no encryption" in message


def test_sslmode_require_is_accepted(pg: Postgres) -> None:
    """The twin: the same login over TLS, without verifying the certificate."""
    assert run(pg, "SELECT 1", sslmode="require", sslrootcert=None).rows == ((1,),)


def test_verify_full_fails_without_the_lab_ca(pg: Postgres) -> None:
    with pytest.raises(ObservationError, match="certificate verify failed"):
        run(pg, "SELECT 1", sslrootcert="/etc/ssl/certs/ca-certificates.crt")


def test_a_wrong_password_is_named_but_not_shown(pg: Postgres) -> None:
    assert run(pg, "SELECT 1").rows == ((1,),)  # a kept session must not hide the bad login
    wrong = "wrong-Pa55word-xyzzy"
    with pytest.raises(ObservationError) as err:
        run(pg, "SELECT 1", password=wrong, sslmode="prefer")
    message = str(err.value)
    assert message.startswith(f"postgresql ctea_ro@{ADDRESS}:5432/ctea: ")
    assert 'password authentication failed for user "ctea_ro"' in message
    assert wrong not in message
    assert pg.ctx.secrets["CTEA_PG_RO_PASSWORD"] not in message


def test_nothing_listening(pg: Postgres) -> None:
    with pytest.raises(ObservationError) as err:
        query_pg(
            ADDRESS,
            5433,
            "ctea_ro",
            "x",
            "ctea",
            "SELECT 1",
            connect_timeout=2,
            statement_timeout=1,
        )
    assert str(err.value).startswith(f"postgresql ctea_ro@{ADDRESS}:5433/ctea: ")
    assert "refused" in str(err.value)


def test_a_statement_past_its_timeout(pg: Postgres) -> None:
    began = time.monotonic()
    with pytest.raises(ObservationError, match=r"ran past statement_timeout \(1 s\)"):
        run(pg, "SELECT pg_sleep(5)", statement_timeout=1)
    assert time.monotonic() - began < 4
    assert run(pg, "SELECT 2", statement_timeout=1).rows == ((2,),)


def test_a_kept_session_that_died_is_replaced(pg: Postgres) -> None:
    assert run(pg, "SELECT 1").rows == ((1,),)
    killed = pg.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'xunjian'"
    )
    assert killed == [(True,)]
    assert run(pg, "SELECT 3").rows == ((3,),)


def test_one_session_per_endpoint_user_and_database_until_reset(pg: Postgres) -> None:
    def sessions() -> int:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xunjian'"
        return int(pg.query(sql)[0][0])

    for _ in range(3):
        run(pg, "SELECT 1")
    run(pg, "SELECT 1", role="ctea_admin")
    assert sessions() == 2
    postgresql.reset()
    time.sleep(0.2)
    assert sessions() == 0
