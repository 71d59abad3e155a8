"""checks.run: every observation within a deadline, statements without rows, specs by kind."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cases import assert_result, make_case
from test_eval_outcome import SPECS
from test_eval_sql import DBS, NO_ROWS, sql_case

from xunjian import checks
from xunjian.checks import http, port, sql
from xunjian.checks.http import HttpCheck
from xunjian.checks.port import PortCheck
from xunjian.checks.spec import spec_of
from xunjian.observe import db, deadline, host, mysql
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


# -- the deadline helper --------------------------------------------------------------------


def test_call_within_returns_the_value() -> None:
    assert deadline.call_within(1, lambda: 42) == 42


def test_call_within_hands_over_the_exception() -> None:
    def refuse() -> None:
        raise ObservationError("login refused")

    with pytest.raises(ObservationError, match="login refused"):
        deadline.call_within(1, refuse)


def test_call_within_gives_up_at_the_deadline() -> None:
    release = threading.Event()
    start = time.monotonic()
    try:
        with pytest.raises(deadline.Overrun, match=r"no answer within 0\.2s"):
            deadline.call_within(0.2, lambda: release.wait(10))
    finally:
        release.set()
    assert time.monotonic() - start < 1


# -- every observation is bounded ------------------------------------------------------------


def test_an_observation_past_its_deadline_is_unknown_and_prompt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    monkeypatch.setattr(http, "observe", lambda _case: release.wait(10))
    monkeypatch.setattr(deadline, "GRACE", 0.3)
    case = make_case({"kind": "http", "name": "slow", "url": "http://127.0.0.1:9/", "timeout": 0.2})
    start = time.monotonic()
    try:
        result = checks.run(case)
    finally:
        release.set()
    assert time.monotonic() - start < 1.5
    assert_result(result, UNKNOWN, "no answer within 0.5s")
    assert result.expected == http.expected(case)


@pytest.fixture
def tarpit() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that accepts and trickles one header byte every 0.5 s."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    stop = threading.Event()

    def trickle() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 60:
                if stop.wait(0.5):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    worker = threading.Thread(target=trickle, daemon=True)
    worker.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    stop.set()
    server.close()
    worker.join(5)


def test_a_server_trickling_headers_cannot_hold_an_http_check(
    tarpit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each byte comes within the 1 s read timeout, so only the deadline ends the check."""
    monkeypatch.setattr(deadline, "GRACE", 1)
    case = make_case({"kind": "http", "name": "tarpit", "url": tarpit, "timeout": 1})
    start = time.monotonic()
    result = checks.run(case)
    assert time.monotonic() - start < 4
    assert_result(result, UNKNOWN, f"GET {tarpit}: no answer within 1 s")


@pytest.fixture
def mute() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that takes the connection (backlog) and never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=4)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    server.close()


@pytest.mark.parametrize(
    ("on_timeout", "verdict"),
    [
        pytest.param({}, UNKNOWN, id="default-unknown"),
        pytest.param({"on_timeout": "CRIT"}, CRIT, id="crit"),
    ],
)
def test_http_without_an_answer_in_time_is_what_on_timeout_says(
    mute: str, on_timeout: dict[str, str], verdict: Verdict
) -> None:
    """Runbook 001 §2: no answer within 5 s is CRIT; elsewhere it is UNKNOWN (not observed)."""
    spec = {"kind": "http", "name": "mute", "url": mute, "timeout": 0.3} | on_timeout
    result = checks.run(make_case(spec))
    assert_result(result, verdict, f"GET {mute}: no answer within 0.3 s")


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_budget_leaves_inner_limits_room_to_speak_first(kind: str) -> None:
    """A host or database that times out says so itself, before the run's deadline."""
    case = make_case(SPECS[kind], databases=DBS)
    budget = checks.module(kind).budget(case)
    assert budget >= case.timeout
    if kind in ("port", "process", "log", "file") or (kind == "s3" and SPECS[kind].get("unit")):
        assert budget >= host.probe_for(case).limit
    if kind == "sql":
        assert budget >= 2 * case.timeout + case.host.databases["thqh"].statement_timeout


def test_http_budget_is_its_timeout() -> None:
    assert http.budget(make_case(SPECS["http"] | {"timeout": 3})) == 3


# -- a statement that returns no result set observes nothing --------------------------------


class FakeCursor:
    """What pymysql's cursor shows after ``execute``: no description for DO, SET, UPDATE."""

    def __init__(self, description: Any, rows: tuple[tuple[Any, ...], ...]) -> None:
        self.description: Any = None
        self._answer = description
        self._rows = rows
        self.fetched = False

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, args: object = None) -> None:
        self.description = None if sql.startswith("START TRANSACTION") else self._answer

    def fetchmany(self, size: int) -> tuple[tuple[Any, ...], ...]:
        self.fetched = True
        return self._rows


class FakeConnection:
    open = True

    def __init__(self, cursor: FakeCursor) -> None:
        self._cursor = cursor
        self.rolled_back = False

    def cursor(self) -> FakeCursor:
        return self._cursor

    def rollback(self) -> None:
        self.rolled_back = True


def run_sql(
    monkeypatch: pytest.MonkeyPatch, query: str, cursor: FakeCursor, host_id: str = "prod"
) -> tuple[Any, FakeConnection]:
    case = make_case(
        {"kind": "sql", "name": "q", "db": "thqh", "query": "SELECT 1", "expect": NO_ROWS},
        databases=DBS,
    )
    # the statement goes past the load-time refusal (inventory/sqlsafety.py): this drives the
    # observer itself, the second wall
    spec = case.spec.model_copy(update={"query": query})
    case = dataclasses.replace(case, host_id=host_id, spec=spec)
    conn = FakeConnection(cursor)
    monkeypatch.setitem(mysql._CONNECTIONS, (case.host_key, "thqh"), conn)  # type: ignore[arg-type]
    return checks.run(case), conn


@pytest.mark.parametrize("statement", ["DO 1", "SET @x = 1", "DO SLEEP(0)"])
def test_a_statement_without_a_result_set_is_unknown_not_no_rows(
    monkeypatch: pytest.MonkeyPatch, statement: str
) -> None:
    result, conn = run_sql(monkeypatch, statement, FakeCursor(None, ()))
    assert_result(result, UNKNOWN, "the query returned no result set")
    assert repr(statement) in result.message
    assert conn.rolled_back


def test_a_select_without_rows_is_no_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    description = (("id", 3, None, 11, 11, 0, False),)
    result, conn = run_sql(monkeypatch, "SELECT id FROM t WHERE 0", FakeCursor(description, ()))
    assert_result(result, OK, "no rows")
    assert conn.rolled_back


def test_a_select_with_rows_names_its_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    description = (("id", 3, None, 11, 11, 0, False), ("name", 253, None, 64, 64, 0, True))
    result, _ = run_sql(monkeypatch, "SELECT id, name FROM t", FakeCursor(description, ((7, "x"),)))
    assert_result(result, CRIT, "1 violating row(s)")
    assert result.details == ("id=7, name=x",)


def test_a_query_stuck_on_one_database_holds_up_only_that_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An abandoned query keeps its connection's lock; another host's database is not blocked,
    and the next query on the stuck connection gives up at its own deadline."""
    stuck = make_case(SPECS["sql"], databases=DBS)
    lock = mysql._LOCKS.setdefault((stuck.host_key, "thqh"), threading.Lock())
    description = (("id", 3, None, 11, 11, 0, False),)
    monkeypatch.setattr(deadline, "GRACE", 0.2)
    monkeypatch.setattr(db, "query_limit", lambda case, name: 0.3)  # what sql.budget asks
    with lock:  # what a query abandoned at its deadline leaves behind
        other, _ = run_sql(
            monkeypatch, "SELECT id FROM t WHERE 0", FakeCursor(description, ()), "other"
        )
        assert_result(other, OK, "no rows")
        same, conn = run_sql(monkeypatch, "SELECT id FROM t WHERE 0", FakeCursor(description, ()))
        assert_result(same, UNKNOWN, "no answer within 0.5s")
        assert not conn.rolled_back  # it never got the connection
    # once the lock is free the abandoned query ends on its own connection, before this test's
    # monkeypatches are undone
    for _ in range(100):
        if conn.rolled_back:
            break
        time.sleep(0.05)
    assert conn.rolled_back


def test_sql_budget_counts_the_statement_limit() -> None:
    case = sql_case(NO_ROWS)
    assert checks.module("sql").budget(case) == 2 * case.timeout + 10.0


# -- specs are checked by kind, also under python -O -----------------------------------------


def test_spec_of_returns_the_typed_spec() -> None:
    case = make_case(SPECS["port"])
    assert spec_of(case, PortCheck).port == 3306


def test_a_case_of_another_kind_is_a_type_error_naming_it() -> None:
    case = make_case(SPECS["port"])
    with pytest.raises(
        TypeError, match=r"a 'port' check \(PortCheck\) was handed to the HttpCheck"
    ):
        spec_of(case, HttpCheck)
    with pytest.raises(TypeError, match=r"sys-prod-1\.1-port-3306"):
        http.expected(case)


def test_every_kind_is_registered_as_its_module() -> None:
    assert checks.module("port") is port
    assert checks.module("sql") is sql
    assert all(callable(checks.module(k).budget) for k in checks.kinds())
