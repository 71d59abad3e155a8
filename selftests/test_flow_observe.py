"""flow: the observer against a stub API on 127.0.0.1 that records every request it gets.

Each call is sent once (never retried, never after the flow was given up), captures go from one
step to the next and are secrets from the moment they are read, a failed step stops only the
steps that need it, and a proof reads its table before and after its call.
"""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cases import make_case
from test_eval_flow import DBS, FLOW

from xunjian import checks
from xunjian.checks.flowspec import FlowCheck
from xunjian.inventory.case import CheckCase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import db, deadline, endpoints, flow, flowcall
from xunjian.observe.flowrecord import CallRecord
from xunjian.observe.rows import Rows
from xunjian.result import ObservationError, Verdict

USER, PASSWORD = "api-user-7f3a", "pw-canary-51c9e2"
TOKEN, REFRESH = "tok-canary-9d82b1f0", "refresh-canary-33aa"
TRUNCATED = {"code": 0, "data": "cut"}  # an answer whose body breaks off
Answer = Callable[[http.server.BaseHTTPRequestHandler], tuple[int, Any] | None]


class Api(http.server.ThreadingHTTPServer):
    """Answers by path; an answer of None closes the connection without a word."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[tuple[str, str, bytes]] = []  # (path, Authorization, body)
        self.answers: dict[str, Answer] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Api

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.log.append((self.path, self.headers.get("Authorization", ""), body))
        answer = self.server.answers.get(self.path, lambda _h: (200, {"code": 0}))(self)
        if answer is None:
            self.close_connection = True
            return
        status, doc = answer
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) + (100 if doc is TRUNCATED else 0)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = doc is TRUNCATED  # promised more than it sent

    def log_message(self, *args: object) -> None:
        pass


def login_ok(_h: object) -> tuple[int, Any]:
    return 200, {"code": 0, "data": {"access_token": TOKEN, "refresh_token": REFRESH}}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("THQH_API_USERNAME", USER)
    monkeypatch.setenv("THQH_API_PASSWORD", PASSWORD)
    server = Api()
    server.answers["/api/user/login"] = login_ok
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
    endpoints.reset()


def no_proofs(api: Api, **step_changes: Any) -> CheckCase:
    check = copy.deepcopy(FLOW) | {"base_url": api.url}
    for step in check["steps"]:
        step.pop("proof", None)
        step.update(step_changes.get(step["name"], {}))
    return make_case(check, databases=DBS)


def run(case: CheckCase) -> tuple[CallRecord, ...]:
    assert isinstance(case.spec, FlowCheck)
    return flow.run(case, case.spec).calls


def paths(api: Api) -> list[str]:
    return [p for p, _, _ in api.log]


def test_the_token_goes_to_every_download_and_is_a_secret_from_then_on(api: Api) -> None:
    login, customer, user = run(no_proofs(api))
    assert [r.status for r in (login, customer, user)] == [200, 200, 200]
    assert json.loads(api.log[0][2]) == {"username": USER, "password": PASSWORD}
    assert [a for _, a, _ in api.log[1:]] == [f"Bearer {TOKEN}"] * 2
    assert SECRETS.redact(f"x {TOKEN} y") == "x *** y"
    assert TOKEN not in login.excerpt and REFRESH not in login.excerpt  # captured; masked by key
    assert login.excerpt == '{"code":0,"data":{"access_token":"***","refresh_token":"***"}}'


def test_a_flow_of_one_step_is_run(api: Api) -> None:
    """Its budget is exactly its one step's limit: the step starts, not 'budget ran out'."""
    check = copy.deepcopy(FLOW) | {"base_url": api.url}
    check["steps"] = [s for s in check["steps"] if s["name"] == "login"]
    check["steps"][0].pop("proof", None)
    (login,) = run(make_case(check, databases=DBS))
    assert (login.sent, login.status) == (True, 200)


def test_a_failed_login_sends_no_download(api: Api) -> None:
    api.answers["/api/user/login"] = lambda _h: (200, {"code": 1, "msg": "用户名或密码错误"})
    _, customer, user = run(no_proofs(api))
    assert paths(api) == ["/api/user/login"]
    assert (customer.sent, customer.why, customer.blocker) == (False, "login failed", "login")
    assert (user.sent, user.why) == (False, "login failed")


def test_a_capture_too_short_to_hide_stops_the_steps_that_need_it(api: Api) -> None:
    api.answers["/api/user/login"] = lambda _h: (200, {"code": 0, "access_token": "abc"})
    login, customer, _ = run(no_proofs(api))
    assert login.capture_problems == (
        "the captured token is too short to be kept out of reports (at least 4 characters)",
    )
    assert paths(api) == ["/api/user/login"] and customer.why == "login failed"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param(lambda _h: None, "no answer: ", id="connection-dropped"),
        pytest.param(lambda _h: (500, {"code": 500}), "", id="server-error"),
        pytest.param(lambda _h: (503, {"code": 503}), "", id="unavailable"),
        pytest.param(lambda _h: (302, {"code": 0}), "", id="redirect-not-followed"),
        pytest.param(lambda _h: (200, TRUNCATED), "http", id="body-broke-off"),
    ],
)
def test_a_download_is_sent_once_whatever_it_answers(api: Api, answer: Answer, error: str) -> None:
    """No urllib3 retry, no redirect followed: a download has side effects."""
    api.answers["/api/wechat/customer/download"] = answer
    _, customer, user = run(no_proofs(api))
    assert paths(api).count("/api/wechat/customer/download") == 1
    assert customer.error.startswith(error)
    assert user.status == 200  # the other downloads do not need the customer one


def test_the_session_has_no_retry_for_any_method() -> None:
    with flowcall.session() as s:
        for url in ("http://h/", "https://h/"):
            retry = s.get_adapter(url).max_retries
            assert (retry.total, retry.read) == (0, False)


def test_a_call_that_times_out_is_not_repeated_and_the_api_is_left_alone(api: Api) -> None:
    api.answers["/api/wechat/customer/download"] = lambda _h: time.sleep(0.6) or (200, {})
    _, customer, user = run(no_proofs(api, customer={"timeout": 0.2}))
    assert customer.timed_out and customer.error == (
        "POST /api/wechat/customer/download: no answer within 0.2 s (sent once, not repeated)"
    )
    assert (user.sent, user.why) == (False, f"the API did not answer: {customer.error}")
    time.sleep(0.6)
    assert paths(api) == ["/api/user/login", "/api/wechat/customer/download"]


def test_a_flow_given_up_at_its_deadline_sends_nothing_more(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner stops waiting at budget + GRACE; the abandoned thread finishes the call in
    flight (sent once) and starts no other: its budget ended GRACE seconds before."""
    api.answers["/api/user/login"] = lambda h: time.sleep(0.5) or login_ok(h)
    monkeypatch.setattr(flow, "step_limit", lambda _case, _step: 0.05)  # a step overruns it
    monkeypatch.setattr(deadline, "GRACE", 0.2)
    result = checks.run(no_proofs(api))
    assert result.verdict is Verdict.UNKNOWN and "no answer within 0.35s" in result.message
    time.sleep(0.8)
    assert paths(api) == ["/api/user/login"]


def test_a_flow_runs_once_per_process(api: Api) -> None:
    """A rerun (pytest-rerunfailures, a second observe) would send the downloads twice."""
    case = no_proofs(api)
    run(case)
    with pytest.raises(ObservationError, match="this flow already ran in this process"):
        run(case)
    assert checks.run(case).verdict is Verdict.UNKNOWN
    assert paths(api).count("/api/wechat/customer/download") == 1


def test_a_proof_reads_before_and_after_its_call(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = iter([3, 2, 5])  # source, before, after
    order: list[str] = []

    def query(_case: CheckCase, name: str, sql: str) -> Rows:
        order.append(sql.split()[3])  # the table
        return Rows(("n",), ((next(counts),),), False)

    monkeypatch.setattr(db, "query", query)
    api.answers["/api/wechat/customer/download"] = lambda _h: order.append("POST") or (200, {})
    check = copy.deepcopy(FLOW) | {"base_url": api.url}
    _, customer, _ = run(make_case(check, databases=DBS))
    assert order == ["upstream_customer", "wx_customer", "POST", "wx_customer"]
    proof = customer.proof
    assert proof is not None and proof.source is not None
    assert (proof.source.value, proof.before.value, proof.after.value) == (3, 2, 5)
