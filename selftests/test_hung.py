"""Hung servers of our own (127.0.40.x, never the shared lab): a SIGSTOPped Redis, MariaDB and
sshd each give their verdict within one timeout per server, naming the endpoint; an ssh server
that sends its banner and stalls costs one bounded login, with a clean message."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from scratch import Scratch, Tarpit, says_then_stalls
from stub_host import LocalHost, install

from xunjian import checks
from xunjian.inventory.case import CheckCase
from xunjian.observe import endpoints, host, mysql
from xunjian.result import Result, Verdict

OK, CRIT, UNKNOWN = Verdict.OK, Verdict.CRIT, Verdict.UNKNOWN
REDIS, MARIADB, SSHD, STALL = "127.0.40.1", "127.0.40.2", "127.0.40.3", "127.0.40.4"
TIMEOUT = 2
SLACK = 1.0  # seconds a verdict may come after its timeout (thread start, ss, process exit)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    scratch = Scratch(tmp_path_factory.mktemp("scratch"))
    try:
        scratch.redis(REDIS)
        scratch.mariadb(MARIADB)
        scratch.sshd(SSHD)
        yield scratch
    finally:
        scratch.close()


@pytest.fixture(autouse=True)
def fresh_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test is a run of its own: no endpoint, probe, connection or master carried over."""
    monkeypatch.setenv("XJ_SCRATCH_PW", "scratch-password")
    yield
    endpoints.reset()
    host.reset()
    mysql.reset()
    host.end_run()


def timed(run: Callable[[], Result]) -> tuple[Result, float]:
    start = time.monotonic()
    result = run()
    return result, time.monotonic() - start


def port_case(monkeypatch: pytest.MonkeyPatch, address: str, spec: dict[str, Any]) -> CheckCase:
    """A port check whose host facts (ss) come from this machine, where the servers run."""
    case = make_case({"kind": "port", "timeout": TIMEOUT, **spec}, address=address)
    install(monkeypatch, case, LocalHost())
    return case


def sql_case(name: str, statement_timeout: float = 1) -> CheckCase:
    db = {"user": "xj", "password": "${XJ_SCRATCH_PW}", "database": "mysql"}
    return make_case(
        {"kind": "sql", "name": name, "db": "scratch", "query": "SELECT 1 FROM DUAL WHERE 0"}
        | {"expect": {"no_rows": True}, "timeout": TIMEOUT},
        address=MARIADB,
        databases={"scratch": db | {"statement_timeout": statement_timeout}},
    )


def test_a_stopped_redis_listens_but_does_not_answer(
    servers: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = {"port": 6379, "process": ["redis-server"]}  # answer: redis, by default
    assert_result(checks.run(port_case(monkeypatch, REDIS, spec)), OK, "redis PING: +PONG")
    servers.stop("redis")
    try:
        result, took = timed(lambda: checks.run(port_case(monkeypatch, REDIS, spec)))
    finally:
        servers.cont("redis")
    assert_result(
        result, CRIT, "port 6379 listens but does not answer (redis PING: no reply within 2 s)"
    )
    assert "LISTEN" not in result.message and "127.0.40.1:6379 (redis-server" in result.actual
    assert TIMEOUT <= took < TIMEOUT + SLACK


def test_answer_none_keeps_the_listen_row_alone(
    servers: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the runbook's row asks, and nothing more, for who wants exactly that."""
    spec = {"port": 6379, "process": ["redis-server"], "answer": "none"}
    servers.stop("redis")
    try:
        result = checks.run(port_case(monkeypatch, REDIS, spec))
    finally:
        servers.cont("redis")
    assert_result(result, OK, "outside: connect ok")


def test_a_stopped_mariadb_costs_one_timeout_for_all_its_checks(
    servers: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = {"port": 3306, "process": ["mysqld", "mariadbd"], "answer": "mysql"}
    assert_result(checks.run(port_case(monkeypatch, MARIADB, spec)), OK, "protocol 10, ")
    assert_result(checks.run(sql_case("before")), OK, "no rows")
    servers.stop("mariadb")
    try:
        port, took_port = timed(lambda: checks.run(port_case(monkeypatch, MARIADB, spec)))
        first, took_first = timed(lambda: checks.run(sql_case("first")))
        second, took_second = timed(lambda: checks.run(sql_case("second")))
    finally:
        servers.cont("mariadb")
    said = "mysql 127.0.40.2:3306: no answer within 2 s (greeting)"
    assert_result(port, CRIT, "port 3306 listens but does not answer (mysql greeting: no reply")
    assert_result(first, UNKNOWN, said)
    assert_result(second, UNKNOWN, said)
    assert TIMEOUT <= took_port < TIMEOUT + SLACK
    assert took_first + took_second < 0.5, "the endpoint is remembered: no second wait"


def test_sql_checks_alone_on_a_stopped_mariadb_wait_once(servers: Scratch) -> None:
    """Without a port check first: the first query waits out its connect, the next does not;
    a connection kept from before the hang is cut at its query limit, once."""
    assert_result(checks.run(sql_case("kept")), OK, "no rows")
    mysql.reset()  # a new run: no kept connection
    servers.stop("mariadb")
    try:
        first, took_first = timed(lambda: checks.run(sql_case("first")))
        second, took_second = timed(lambda: checks.run(sql_case("second")))
    finally:
        servers.cont("mariadb")
    said = "mysql xj@127.0.40.2:3306/mysql: no answer within 2 s (connect)"
    assert_result(first, UNKNOWN, said)
    assert_result(second, UNKNOWN, said)
    assert first.message == second.message == said
    assert TIMEOUT <= took_first < TIMEOUT + SLACK and took_second < 0.5


def test_a_query_on_a_connection_that_hangs_is_cut_at_its_limit_once(servers: Scratch) -> None:
    assert_result(checks.run(sql_case("kept")), OK, "no rows")  # the connection is kept
    servers.stop("mariadb")
    try:
        first, took_first = timed(lambda: checks.run(sql_case("first")))
        second, took_second = timed(lambda: checks.run(sql_case("second")))
    finally:
        servers.cont("mariadb")
    said = "mysql xj@127.0.40.2:3306/mysql: no answer within 3 s (query)"  # statement 1 + 2
    assert_result(first, UNKNOWN, said)
    assert_result(second, UNKNOWN, said)
    assert 3 <= took_first < 3 + SLACK and took_second < 0.5


def on_ssh(check: dict[str, Any], address: str, port: int, config: Path | None) -> CheckCase:
    """A check on a host reached over ssh (the case's connection and ssh config replaced)."""
    case = make_case({"timeout": TIMEOUT, **check}, address=address)
    reached = case.host.model_copy(update={"connection": f"ssh://root@{address}:{port}"})
    return dataclasses.replace(case, host=reached, ssh_config=config, default_timeout=TIMEOUT)


SSH_CHECKS: list[dict[str, Any]] = [
    {"kind": "process", "jar": "/x/App-1.0.jar"},
    {"kind": "file", "name": "passwd", "path": "/etc/passwd"},
    {"kind": "log", "name": "log", "path": "/etc/hostname", "failure": ["ERROR"]},
]


def test_a_stopped_sshd_costs_one_timeout_for_the_host(servers: Scratch) -> None:
    config = servers.root / "ssh" / "ssh_config"
    cases = [on_ssh(c, SSHD, 2222, config) for c in SSH_CHECKS]
    checks.plan(cases)
    assert_result(checks.run(cases[1]), OK, "regular file")  # logged in: sshd answers
    host.reset()
    host.end_run()  # a new run: its own masters, none of the last run's
    checks.plan(cases)
    servers.stop("sshd")
    try:
        start = time.monotonic()
        results = [checks.run(c) for c in cases]
        took = time.monotonic() - start
    finally:
        servers.cont("sshd")
    for result in results:
        assert_result(result, UNKNOWN, "host ssh://root@127.0.40.3:2222 unreachable: ")
        assert "timed out" in result.message and "CommandResult" not in result.message
    assert len({r.message for r in results}) == 1
    assert TIMEOUT <= took < TIMEOUT + SLACK


def test_an_ssh_server_that_stalls_after_its_banner_costs_one_login(
    servers: Scratch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ssh's ConnectTimeout ends at the banner; the login after it is bounded here (the
    check's timeout plus a grace), and its message is ours, not a CommandResult repr (the
    ssh config's LogLevel ERROR hides ssh's own words)."""
    monkeypatch.setattr(host, "GRACE", 1)
    pit = Tarpit(STALL, says_then_stalls(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
    try:
        config = servers.root / "ssh" / "ssh_config"
        cases = [on_ssh(c, STALL, pit.port, config) for c in SSH_CHECKS]
        checks.plan(cases)
        start = time.monotonic()
        results = [checks.run(c) for c in cases]
        took = time.monotonic() - start
    finally:
        pit.close()
    said = f"ssh root@127.0.40.4:{pit.port}: no answer within 3 s (login)"
    for result in results:
        assert_result(result, UNKNOWN, said)
        assert result.message == said
    assert pit.accepted == 1
    assert 3 <= took < 3 + SLACK


def test_one_run_against_three_hung_servers(pytester: pytest.Pytester, servers: Scratch) -> None:
    """Through the plugin, as an operator runs it: a stopped Redis, MariaDB and sshd cost one
    timeout each, and each failure names its endpoint."""
    pytester.makepyfile(**{"tests/daily/test_daily": "from xunjian.suite import *  # noqa: F403"})
    config = servers.root / "ssh" / "ssh_config"
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: t
defaults: {{timeout: {TIMEOUT}}}
systems:
  sys:
    title: 测试系统
    steps:
      "1.1": {{title: 检查服务进程}}
    hosts:
      cache:
        address: {REDIS}
        connection: local://
        checks:
          - {{step: "1.1", kind: port, port: 6379, process: [redis-server]}}
      db:
        address: {MARIADB}
        connection: local://
        databases:
          scratch: {{user: xj, password: "${{XJ_SCRATCH_PW}}", database: mysql}}
        checks:
          - {{step: "1.1", kind: port, port: 3306, process: [mysqld, mariadbd], answer: mysql}}
          - {{step: "1.1", kind: sql, name: a, db: scratch, query: "SELECT 1 FROM DUAL WHERE 0", expect: {{no_rows: true}}}}
          - {{step: "1.1", kind: sql, name: b, db: scratch, query: "SELECT 2 FROM DUAL WHERE 0", expect: {{no_rows: true}}}}
      box:
        address: {SSHD}
        connection: ssh://root@{SSHD}:2222
        ssh_config: {config}
        checks:
          - {{step: "1.1", kind: file, name: passwd, path: /etc/passwd}}
          - {{step: "1.1", kind: process, jar: /x/App-1.0.jar}}
""",
        encoding="utf-8",
    )
    args = ["-p", "xunjian.plugin", "--inventory", str(inv), "-p", "no:cacheprovider"]
    args += ["-m", "daily", "-p", "no:xdist"]
    for name in ("redis", "mariadb", "sshd"):
        servers.stop(name)
    try:
        start = time.monotonic()
        result = pytester.runpytest_subprocess(*args, timeout=120)
        took = time.monotonic() - start
    finally:
        for name in ("redis", "mariadb", "sshd"):
            servers.cont(name)
    out = result.stdout.str()
    assert result.parseoutcomes().get("failed") == 6, out
    for said in [
        "port 6379 listens but does not answer (redis PING: no reply within 2 s)",
        "port 3306 listens but does not answer (mysql greeting: no reply within 2 s)",
        f"host ssh://root@{SSHD}:2222 unreachable: ",
    ]:
        assert said in out
    # the sql checks: whichever asked first (the port check, or the privilege preflight that
    # runs beside the checks) waited; they repeat its reason
    waited = re.findall(r"test_sql\[sys-db-1\.1-[ab]\] _+\n\[UNKNOWN\] .*?: (.*)", out)
    assert len(waited) == 2 and waited[0] == waited[1], out
    assert re.fullmatch(
        r"mysql (xj@)?127\.0\.40\.2:3306(/mysql)?: no answer within 2 s \((greeting|connect)\)",
        waited[0],
    )
    assert "CommandResult" not in out and "Traceback" not in out
    assert took < 3 * TIMEOUT + 5, "one timeout per server, plus pytest's start"
