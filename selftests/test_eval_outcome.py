"""Observation errors, verdict ordering, failure text and secret redaction (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from cases import assert_result, make_case
from stub_host import Refusing, install
from test_env_backup import ENV_BACKUP
from test_eval_environ import ENVIRON
from test_eval_file import FILE
from test_eval_flow import MINIMAL
from test_eval_http import HTTP
from test_eval_log import LOG
from test_eval_mysql_backup import MYSQL_BACKUP
from test_eval_port import PORT
from test_eval_process import PROCESS
from test_eval_promql import LATENCY as PROMQL_LATENCY
from test_eval_promrules import RULES as PROMRULES
from test_eval_s3 import S3
from test_eval_s3_backup import S3_BACKUP
from test_eval_s3_default_login import DEFAULT_LOGIN
from test_eval_sql import DBS, NO_ROWS, sql_case

from xunjian import checks, outcome
from xunjian.checks import port
from xunjian.checks.port import PortObservation
from xunjian.inventory.case import CheckCase
from xunjian.inventory.secrets import MissingSecret, Secrets, redact_urls
from xunjian.result import ObservationError, Result, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


LOGENTRIES = {
    "kind": "logentries",
    "name": "e",
    "path": "/l",
    "match": "E",
    "count": {"crit": "> 0"},
}
SPECS: dict[str, dict[str, Any]] = {
    "port": PORT,
    "process": PROCESS,
    "sql": {"kind": "sql", "name": "q", "db": "thqh", "query": "SELECT 1", "expect": NO_ROWS},
    "log": LOG,
    "http": HTTP,
    "s3": S3,
    "file": FILE,
    "flow": MINIMAL,
    "mysql_backup": MYSQL_BACKUP,
    "s3_backup": S3_BACKUP,
    "s3_default_login": DEFAULT_LOGIN,
    "promql": PROMQL_LATENCY,
    "promrules": PROMRULES,
    "environ": ENVIRON,
    "env_backup": ENV_BACKUP,
    "logentries": LOGENTRIES,
    "pm2": {"kind": "pm2", "name": "p", "app": "ctea-platform"},
    "migrations": {
        "kind": "migrations",
        "name": "m",
        "db": "thqh",
        "journal": "/a/meta/_journal.json",
    },
    "availability": {
        "kind": "availability",
        "name": "seen",
        "checks": ["sys-*"],
        "value": {"crit": "< 99 %"},
    },
    "hostres": {"kind": "hostres", "name": "cpu", "resource": "cpu", "use": {"crit": "> 90 %"}},
    "dbhealth": {
        "kind": "dbhealth",
        "name": "d",
        "db": "thqh",
        "measure": "size",
        "value": {"warn": "> 1 GiB"},
    },
    "accesslog": {
        "kind": "accesslog",
        "name": "a",
        "path": "/l",
        "measure": "availability",
        "value": {"crit": "< 99 %"},
    },
    "privacy": {"kind": "privacy", "name": "p", "paths": ["/l/*.log"]},
    "retention": {
        "kind": "retention",
        "name": "r",
        "db": "thqh",
        "table": "t",
        "column": "c",
        "keep": "1d",
    },
    "unit": {"kind": "unit", "unit": "datasync"},
    "python": {"kind": "python", "name": "py", "interpreter": "/usr/bin/python3"},
    "privileges": {"kind": "privileges", "name": "acct", "db": "thqh"},
    "schedule": {
        "kind": "schedule",
        "name": "s",
        "db": "thqh",
        "query": "SELECT 1",
        "semantics": "apscheduler",
    },
    "webhook": {"kind": "webhook", "name": "w", "webhook_url": "${W_URL}", "secret": "${W_SECRET}"},
    "cors": {
        "kind": "cors",
        "name": "c",
        "url": "http://127.0.10.1:5000/",
        "origins": ["http://a"],
    },
}
REASON = "ssh: connect to host 127.0.10.1 port 22: Connection refused"


def test_specs_cover_every_kind() -> None:
    assert set(SPECS) == set(checks.kinds())


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_run_observation_error_is_unknown(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_case: CheckCase) -> NoReturn:
        raise ObservationError(REASON)

    case = make_case(SPECS[kind], databases=DBS)
    install(monkeypatch, case, Refusing())  # a kind with host facts gathers them first
    mod = checks.module(kind)
    monkeypatch.setattr(mod, "observe", refuse)
    result = checks.run(case)
    assert result == Result(UNKNOWN, mod.expected(case), f"could not observe: {REASON}", REASON)


def test_run_evaluates_what_was_observed(monkeypatch: pytest.MonkeyPatch) -> None:
    case = make_case(PORT)
    install(monkeypatch, case, Refusing())
    monkeypatch.setattr(port, "observe", lambda _case: PortObservation((), None))
    assert_result(checks.run(case), CRIT, "port 3306 is not listening")


def test_unknown_kind_is_named() -> None:
    with pytest.raises(ValueError, match="unknown check kind 'ftp'; known: port, hostres, process"):
        checks.module("ftp")


@pytest.mark.parametrize(
    ("verdict", "fails"), [(OK, False), (WARN, False), (CRIT, True), (UNKNOWN, True)]
)
def test_verdict_fails(verdict: Verdict, fails: bool) -> None:
    assert verdict.fails is fails


STEP = {
    "title": "检查数据同步状态",
    "normal": "`checkFlag=1` 的记录，其 `syncstate` 必须为 **0**",
    "remedy": "参照 **监控与错误处理** 进行处理",
}


def test_failure_text_carries_the_runbook() -> None:
    case = sql_case(NO_ROWS, step=STEP)
    result = Result.crit(
        "the query returns no rows", "2 row(s)", "2 violating row(s)", ("id=1, syncstate=1",)
    )
    text = outcome.failure_text(case, result)
    for part in (
        "[CRIT] 自测系统 / prod (127.0.10.1) / 步骤 1.2 检查数据同步状态: 2 violating row(s)",
        "expected: the query returns no rows",
        "actual:   2 row(s)",
        "| id=1, syncstate=1",
        "正常标准: `checkFlag=1` 的记录，其 `syncstate` 必须为 **0**",
        "异常处理: 参照 **监控与错误处理** 进行处理",
    ):
        assert part in text


def test_failure_text_omits_empty_runbook_text() -> None:
    case = make_case(PORT, step={"title": "检查服务进程"})
    text = outcome.failure_text(case, Result.crit("e", "a", "m"))
    assert "步骤 1.1 检查服务进程: m" in text
    assert "正常标准" not in text
    assert "异常处理" not in text


def test_failure_text_redacts_resolved_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = Secrets(environ={"THQH_MYSQL_PASSWORD": "s3cret-pw"})
    secrets.resolve("${THQH_MYSQL_PASSWORD}")
    monkeypatch.setattr(outcome, "SECRETS", secrets)
    result = Result.unknown("a session", "login root/s3cret-pw refused; mysql://root:pw2@h/db")
    text = outcome.failure_text(make_case(PORT), result)
    assert "s3cret-pw" not in text
    assert "pw2" not in text
    assert "login root/*** refused; mysql://root:***@h/db" in text


def test_secrets_redact_resolved_values_only() -> None:
    secrets = Secrets(environ={"PW": "s3cret-pw", "OTHER": "hunter22", "SHORT": "ab"})
    assert secrets.redact("s3cret-pw hunter22") == "s3cret-pw hunter22"
    assert secrets.resolve("${PW}") == "s3cret-pw"
    with pytest.raises(MissingSecret, match="SHORT is too short to be kept out of reports"):
        secrets.resolve("${SHORT}")
    assert secrets.redact("pw=s3cret-pw other=hunter22 ab") == "pw=*** other=hunter22 ab"


def test_secrets_missing_and_malformed() -> None:
    secrets = Secrets(environ={"EMPTY": ""})
    with pytest.raises(MissingSecret, match="EMPTY is not set"):
        secrets.resolve("${EMPTY}")
    with pytest.raises(MissingSecret, match="ABSENT is not set"):
        secrets.resolve("${ABSENT}")
    with pytest.raises(ValueError, match="not an environment reference"):
        secrets.name("s3cret-pw")


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        pytest.param("mysql://root:pw@h:3306/db", "mysql://root:***@h:3306/db", id="password"),
        pytest.param("http://h:9000/x@y", "http://h:9000/x@y", id="no-userinfo"),
        pytest.param("http://user@h/", "http://user@h/", id="user-only"),
    ],
)
def test_redact_urls(text: str, clean: str) -> None:
    assert redact_urls(text) == clean


def test_secret_with_a_control_character_is_refused_by_name() -> None:
    with pytest.raises(MissingSecret, match="T_PW holds a control character"):
        Secrets(environ={"T_PW": "password\r"}).resolve("${T_PW}")


# Only an observer's documented failure (ObservationError) is UNKNOWN. Any other exception is
# a bug in xunjian, not a verdict: checks.run lets it through, the test fails with its traceback
# and the run ends with exit 3 (test_internal_error.py, test_plugin.py).


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_run_lets_an_error_of_our_own_observe_through(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(_case: CheckCase) -> NoReturn:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    case = make_case(SPECS[kind], databases=DBS)
    install(monkeypatch, case, Refusing())
    monkeypatch.setattr(checks.module(kind), "observe", bug)
    with pytest.raises(TypeError, match="unsupported operand"):
        checks.run(case)


def test_run_lets_an_error_of_our_own_evaluate_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(_case: CheckCase, _obs: object) -> NoReturn:
        raise TypeError("'NoneType' object is not subscriptable")

    case = make_case(PORT)
    install(monkeypatch, case, Refusing())
    monkeypatch.setattr(port, "observe", lambda _case: PortObservation((), None))
    monkeypatch.setattr(port, "evaluate", bug)
    with pytest.raises(TypeError, match="not subscriptable"):
        checks.run(case)


def test_run_lets_a_library_surprise_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """A library's undocumented exception is not turned into UNKNOWN any more: an observer
    that should handle it must catch it and raise ObservationError, and the bug shows."""

    def boom(_case: CheckCase) -> NoReturn:
        raise ValueError("unexpected reply")

    case = make_case(PORT)
    install(monkeypatch, case, Refusing())
    monkeypatch.setattr(port, "observe", boom)
    with pytest.raises(ValueError, match="unexpected reply"):
        checks.run(case)
