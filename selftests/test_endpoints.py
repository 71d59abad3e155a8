"""An endpoint that timed out once is remembered for the run: the next HTTP or database check on
the same (host, port) fails at once with the same reason, which names the endpoint and what it
waited for. Against tarpits of our own on 127.0.40.7."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from cases import assert_result, make_case
from scratch import Tarpit, trickles

from xunjian import checks
from xunjian.observe import deadline, endpoints, mysql
from xunjian.observe.postgresql import query_pg
from xunjian.result import ObservationError, Verdict

ADDRESS = "127.0.40.7"


@pytest.fixture
def pit() -> Iterator[Tarpit]:
    made = Tarpit(ADDRESS)
    yield made
    made.close()
    endpoints.reset()
    mysql.reset()


def test_within_remembers_and_hands_late_work_to_discard() -> None:
    discarded: list[str] = []
    try:
        with pytest.raises(endpoints.Silent, match=r"^svc: no answer within 0\.2 s \(x\)$"):
            endpoints.within(
                "h",
                1,
                0.2,
                "svc: no answer within 0.2 s (x)",
                lambda: _late("conn"),
                discarded.append,
            )
        with pytest.raises(endpoints.Silent, match=r"\(x\)$"):
            endpoints.within("h", 1, 5, "never said", lambda: "other")  # not asked again
        assert endpoints.within("h", 2, 1, "", lambda: "other port") == "other port"
        time.sleep(0.5)
        assert discarded == ["conn"], "the connection the abandoned work made is closed"
    finally:
        endpoints.reset()
    assert endpoints.remembered("h", 1) is None


def _late(value: str) -> str:
    time.sleep(0.4)
    return value


@pytest.mark.parametrize("on_timeout", ["UNKNOWN", "CRIT"])
def test_a_silent_http_endpoint_costs_one_timeout(pit: Tarpit, on_timeout: str) -> None:
    base = f"http://{ADDRESS}:{pit.port}"
    spec = {"kind": "http", "timeout": 1, "on_timeout": on_timeout}
    cases = [make_case(spec | {"name": n, "url": f"{base}/{n}"}) for n in ("a", "b")]
    start = time.monotonic()
    first = checks.run(cases[0])
    took_first = time.monotonic() - start
    second = checks.run(cases[1])
    took_second = time.monotonic() - start - took_first
    said = f"GET {base}/a: no answer within 1 s"
    assert_result(first, Verdict[on_timeout], said)
    assert_result(second, Verdict[on_timeout], said)
    assert 1 <= took_first < 1.5 and took_second < 0.2
    assert pit.accepted == 1


def test_a_trickling_http_endpoint_is_cut_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline, "GRACE", 5)  # the check's own deadline ends it, not the runner's
    pit = Tarpit(ADDRESS, trickles(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 99, 0.3))
    try:
        url = f"http://{ADDRESS}:{pit.port}/"
        case = make_case({"kind": "http", "name": "slow", "url": url, "timeout": 1})
        start = time.monotonic()
        result = checks.run(case)
        took = time.monotonic() - start
    finally:
        pit.close()
        endpoints.reset()
    assert_result(
        result, Verdict.UNKNOWN, f"GET http://{ADDRESS}:{pit.port}/: no answer within 1 s"
    )
    assert took < 1.5


def test_a_silent_mysql_endpoint_costs_one_timeout(
    pit: Tarpit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XJ_PIT_PW", "pit-password")
    db = {"user": "u", "password": "${XJ_PIT_PW}", "database": "d", "port": pit.port}
    cases = [
        make_case(
            {"kind": "sql", "name": n, "db": "d", "query": "SELECT 1", "timeout": 1}
            | {"expect": {"no_rows": True}},
            address=ADDRESS,
            databases={"d": db},
        )
        for n in ("a", "b")
    ]
    start = time.monotonic()
    results = [checks.run(c) for c in cases]
    took = time.monotonic() - start
    said = f"mysql u@{ADDRESS}:{pit.port}/d: no answer within 1 s (connect)"
    for result in results:
        assert_result(result, Verdict.UNKNOWN, said)
        assert result.message == said
    assert 1 <= took < 1.5 and pit.accepted == 1


def test_a_silent_postgresql_endpoint_costs_one_timeout(pit: Tarpit) -> None:
    def ask() -> None:
        query_pg(
            ADDRESS,
            pit.port,
            "u",
            "pw-123",
            "d",
            "SELECT 1",
            connect_timeout=1,
            statement_timeout=1,
            sslmode="disable",
        )

    said = f"postgresql u@{ADDRESS}:{pit.port}/d: no answer within 1 s (connect)"
    start = time.monotonic()
    for _ in range(2):
        with pytest.raises(ObservationError) as error:
            ask()
        assert str(error.value) == said
    assert 1 <= time.monotonic() - start < 1.5
    assert pit.accepted == 1
