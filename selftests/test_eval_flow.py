"""flow: the pure judgement of a flow's calls, from tables of what the observer saw (accept and
reject sides; messages asserted). The observer itself is in test_flow_observe.py."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pytest
from cases import make_case

from xunjian.checks import flow
from xunjian.inventory.case import CheckCase
from xunjian.observe.flowrecord import NOT_JSON, CallRecord, FlowObservation, Proof, Reading
from xunjian.result import Result, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN
CODE0 = {"json": [{"path": "$.code", "equals": 0}]}
BEARER = {"Authorization": "Bearer {{ steps.login.token }}"}
PROOF = {
    "db": "ewc",
    "query": "SELECT COUNT(*) FROM wx_customer",
    "source_query": "SELECT COUNT(*) FROM upstream_customer",
}
FLOW: dict[str, Any] = {
    "kind": "flow",
    "name": "backfill",
    "base_url": "http://127.0.10.3:8081",
    "credentials": {"username": "${THQH_API_USERNAME}", "password": "${THQH_API_PASSWORD}"},
    "steps": [
        {
            "name": "login",
            "title": "获取Token",
            "method": "POST",
            "path": "/api/user/login",
            "body": {
                "username": "{{ credentials.username }}",
                "password": "{{ credentials.password }}",
            },
            "expect": CODE0,
            "capture": {"token": "$..access_token"},
        },
        {
            "name": "customer",
            "title": "拉取客户信息",
            "method": "POST",
            "path": "/api/wechat/customer/download",
            "secret_headers": BEARER,
            "expect": CODE0,
            "proof": PROOF,
        },
        {
            "name": "user",
            "title": "拉取员工信息",
            "method": "POST",
            "path": "/api/wechat/user/download",
            "secret_headers": BEARER,
            "expect": CODE0,
        },
    ],
}
MINIMAL: dict[str, Any] = {  # one call, no credentials, no database
    "kind": "flow",
    "name": "ping",
    "base_url": "http://127.0.10.3:8081",
    "steps": [{"name": "ping", "method": "POST", "path": "/api/ping"}],
}
DBS = {"ewc": {"user": "root", "password": "${THQH_MYSQL_PASSWORD}", "database": "ewc"}}


def flow_case(**changes: Any) -> CheckCase:
    return make_case(FLOW | changes, databases=DBS)


def call(name: str, status: int | None = 200, doc: Any = None, **kw: Any) -> CallRecord:
    doc = {"code": 0} if doc is None else doc
    excerpt = "" if doc is NOT_JSON else str(doc)
    return CallRecord(name, True, status=status, doc=doc, excerpt=excerpt, elapsed_ms=12, **kw)


LOGIN = call("login", doc={"code": 0, "data": {"access_token": "***"}}, captured=("token",))


def proof(before: Any, after: Any, source: Any = 0, **kw: Any) -> Proof:
    src = source if isinstance(source, Reading) or source is None else Reading(source)
    return Proof(Reading(before), Reading(after), src, **kw)


MOVED = call("customer", proof=proof(2, 5, 3))
USER = call("user")


def judge(*calls: CallRecord, credentials_error: str | None = None) -> Result:
    return flow.evaluate(flow_case(), FlowObservation(calls, credentials_error))


def test_every_call_answers_and_moves_its_table() -> None:
    result = judge(LOGIN, MOVED, USER)
    assert result.verdict is OK, result
    assert result.actual == "3 of 3 calls made: 3 OK"
    assert result.message == ""
    assert result.details == (
        "1. login 获取Token: OK — POST /api/user/login -> HTTP 200, code=0, 12 ms — "
        "{'code': 0, 'data': {'access_token': '***'}}",
        "2. customer 拉取客户信息: OK — POST /api/wechat/customer/download -> HTTP 200, "
        "code=0, 12 ms; wx_customer 2 -> 5 — {'code': 0}",
        "3. user 拉取员工信息: OK — POST /api/wechat/user/download -> HTTP 200, code=0, 12 ms "
        "— {'code': 0}",
    )


def test_expected_names_every_call_in_order() -> None:
    assert flow.expected(flow_case()) == (
        "login: POST /api/user/login -> 200, $.code == 0, captures token; "
        "customer: POST /api/wechat/customer/download -> 200, $.code == 0, wx_customer moves; "
        "user: POST /api/wechat/user/download -> 200, $.code == 0"
    )


def test_a_failed_login_is_said_once_and_the_downloads_are_not_run() -> None:
    blocked = [CallRecord.not_run(n, "login failed", "login") for n in ("customer", "user")]
    result = judge(call("login", doc={"code": 1, "msg": "用户名或密码错误"}), *blocked)
    assert result.verdict is CRIT
    assert result.message == (
        "login failed: $.code is 1, not 0 (answer {'code': 1, 'msg': '用户名或密码错误'}); "
        "not run: customer, user (login failed)"
    )
    assert result.actual == "1 of 3 calls made: 1 CRIT, 2 not run"
    assert result.details[1] == "2. customer 拉取客户信息: not run: login failed"
    assert result.details[2] == "3. user 拉取员工信息: not run: login failed"


@pytest.mark.parametrize(
    ("customer", "verdict", "message"),
    [
        pytest.param(
            call("customer", doc={"code": 500, "msg": "拉取失败"}, proof=proof(2, 2, 1)),
            CRIT,
            "customer failed: $.code is 500, not 0 (answer {'code': 500, 'msg': '拉取失败'})",
            id="code-not-0",
        ),
        pytest.param(
            call("customer", status=401, doc={"code": 401, "msg": "token已过期，请重新登录"}),
            CRIT,
            "customer failed: HTTP 401, not 200; $.code is 401, not 0 (answer "
            "{'code': 401, 'msg': 'token已过期，请重新登录'})",
            id="token-expired",
        ),
        pytest.param(
            call("customer", proof=proof(2, 2, 3)),
            CRIT,
            "customer failed: answered HTTP 200, code=0 but wx_customer did not move (2 -> 2) "
            "although the source had 3 new row(s)",
            id="code-0-wrote-nothing",
        ),
        pytest.param(
            call("customer", proof=proof(5, 5, 0)),
            WARN,
            "customer: no new rows: the source had none and wx_customer stayed at 5",
            id="quiet-week",
        ),
        pytest.param(
            call("customer", proof=proof(5, 5, None)),
            WARN,
            "customer: no new rows: wx_customer stayed at 5 (no source_query tells a quiet week "
            "apart)",
            id="no-source-query",
        ),
        pytest.param(
            call("customer", proof=proof(datetime(2026, 1, 5), datetime(2026, 1, 12), 1)),
            OK,
            "",
            id="newest-update-time-moved",
        ),
        pytest.param(
            call("customer", proof=proof(None, 1, 1)),
            OK,
            "",
            id="from-null-to-a-value",
        ),
        pytest.param(
            call("customer", proof=proof(2, 2, Reading(error="no answer within 5 s"))),
            UNKNOWN,
            "customer failed: could not read the source: no answer within 5 s",
            id="source-unreadable",
        ),
        pytest.param(
            call("customer", proof=proof(2, 2, "many")),
            UNKNOWN,
            "customer failed: source_query gave 'many', not a number",
            id="source-not-a-number",
        ),
        pytest.param(
            call(
                "customer",
                proof=Proof(Reading(error="Table 'ewc.wx_customer' doesn't exist"), Reading(2)),
            ),
            UNKNOWN,
            "customer failed: could not read wx_customer before the call: Table "
            "'ewc.wx_customer' doesn't exist",
            id="before-unreadable",
        ),
        pytest.param(
            call("customer", status=None, doc=NOT_JSON, error="no answer: Connection refused"),
            CRIT,
            "customer failed: no answer: Connection refused",
            id="refused",
        ),
        pytest.param(
            call(
                "customer",
                status=None,
                doc=NOT_JSON,
                error="POST /api/wechat/customer/download: no answer within 5 s (sent once, "
                "not repeated)",
                timed_out=True,
            ),
            UNKNOWN,
            "customer failed: POST /api/wechat/customer/download: no answer within 5 s (sent "
            "once, not repeated)",
            id="timed-out",
        ),
        pytest.param(
            dataclasses.replace(call("customer", doc=NOT_JSON), excerpt="<html>502</html>"),
            CRIT,
            "customer failed: the answer is not JSON (answer <html>502</html>)",
            id="not-json",
        ),
    ],
)
def test_a_download(customer: CallRecord, verdict: Verdict, message: str) -> None:
    """Exactly the step at fault is reported, with the call's own words."""
    result = judge(LOGIN, customer, USER)
    assert (result.verdict, result.message) == (verdict, message)
    assert result.details[2].startswith("3. user 拉取员工信息: OK")


def test_a_missing_capture_fails_the_step_that_should_give_it() -> None:
    login = call("login", capture_problems=("capture token: $..access_token holds no value",))
    blocked = [CallRecord.not_run(n, "login failed", "login") for n in ("customer", "user")]
    result = judge(login, *blocked)
    assert result.verdict is CRIT
    assert result.message.startswith(
        "login failed: capture token: $..access_token holds no value (answer"
    )


def test_credentials_that_cannot_log_in_are_unknown_and_stop_the_flow() -> None:
    why = "sys_user.password looks like a bcrypt hash: it cannot log in"
    blocked = [
        CallRecord.not_run(n, "no usable credentials", "credentials")
        for n in ("login", "customer", "user")
    ]
    result = judge(*blocked, credentials_error=why)
    assert result.verdict is UNKNOWN
    assert result.message == (
        f"credentials: {why}; not run: login, customer, user (no usable credentials)"
    )
    assert result.actual == "0 of 3 calls made: 3 not run"


def test_a_step_past_the_budget_is_unknown_and_its_dependents_follow() -> None:
    late = CallRecord.not_run("customer", "the flow's time budget ran out")
    result = judge(LOGIN, late, USER)
    assert result.verdict is UNKNOWN
    assert result.message == "not run: customer (the flow's time budget ran out)"


def test_warn_and_crit_together_are_crit_and_the_failure_is_said_first() -> None:
    result = judge(LOGIN, call("customer", proof=proof(5, 5, 0)), call("user", doc={"code": 2}))
    assert result.verdict is CRIT
    assert result.message == (
        "user failed: $.code is 2, not 0 (answer {'code': 2}); "
        "customer: no new rows: the source had none and wx_customer stayed at 5"
    )


def test_steps_that_fail_alike_are_named_together() -> None:
    """An expired token is refused by every download: one sentence, not four."""
    refused = {"code": 401, "msg": "token已过期，请重新登录"}
    expired = [call(n, status=401, doc=refused) for n in ("customer", "user")]
    result = judge(LOGIN, *expired)
    assert result.verdict is CRIT
    assert result.message == (
        "customer, user failed: HTTP 401, not 200; $.code is 401, not 0 (answer "
        "{'code': 401, 'msg': 'token已过期，请重新登录'})"
    )
    assert result.actual == "3 of 3 calls made: 2 CRIT, 1 OK"
