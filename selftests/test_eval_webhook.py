"""webhook: configured, the signer reproduces the known answers, a test message only with
--notify and then accepted (pure evaluation; observe with a stub server for the sending)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from cases import assert_result, make_case

from xunjian import notifying
from xunjian.alerts.sign import feishu_sign
from xunjian.checks import webhook
from xunjian.checks.webhook import FEISHU_VECTORS, WebhookObservation
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
SPEC: dict[str, Any] = {
    "kind": "webhook",
    "name": "alert",
    "webhook_url": "${W_URL}",
    "secret": "${W_SECRET}",
}
GOOD = tuple((ts, s, want, want) for ts, s, want in FEISHU_VECTORS)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        (WebhookObservation("", GOOD, False), OK, "no test message sent (no --notify)"),
        (WebhookObservation("", GOOD, True, True), OK, "signed test message accepted"),
        (
            WebhookObservation(
                "", GOOD, True, False, "feishu answered code 19021 (sign match fail)"
            ),
            CRIT,
            "19021",
        ),
        (
            WebhookObservation("environment variable W_SECRET is not set", GOOD, False),
            CRIT,
            "W_SECRET is not set",
        ),
        (
            WebhookObservation("", ((0, "x", "oXdk", "other"),), False),
            CRIT,
            "the signing code is wrong",
        ),
    ],
)
def test_webhook(obs: WebhookObservation, verdict: Verdict, text: str) -> None:
    assert_result(webhook.evaluate(make_case(SPEC), obs), verdict, text)


def test_the_alerts_signer_reproduces_the_known_answers() -> None:
    for ts, secret, want in FEISHU_VECTORS:
        assert feishu_sign(ts, secret) == want


class _Bot(BaseHTTPRequestHandler):
    secret = "lab-secret-for-test"
    got: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).got.append(body)
        ok = body["sign"] == feishu_sign(int(body["timestamp"]), self.secret)
        answer = {"code": 0, "msg": "success"} if ok else {"code": 19021, "msg": "sign match fail"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bot(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Bot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Bot.got.clear()
    monkeypatch.setenv("W_URL", f"http://127.0.0.1:{server.server_port}/open-apis/bot/v2/hook/tok")
    yield _Bot.secret
    server.shutdown()
    notifying.use(False)


@pytest.mark.parametrize(("notify", "right", "verdict", "sent"), [
    (False, True, OK, 0), (True, True, OK, 1), (True, False, CRIT, 1), (False, False, OK, 0),
])  # fmt: skip
def test_observe_sends_only_with_notify(
    bot: str,
    monkeypatch: pytest.MonkeyPatch,
    notify: bool,
    right: bool,
    verdict: Verdict,
    sent: int,
) -> None:
    monkeypatch.setenv("W_SECRET", bot if right else "a-wrong-secret")
    notifying.use(notify)
    case = make_case(SPEC)
    result = webhook.evaluate(case, webhook.observe(case))
    assert result.verdict is verdict, result
    assert len(_Bot.got) == sent
    if not right and notify:
        assert "19021" in result.message


def test_a_refusal_that_echoes_the_token_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's token is in the URL's path: an answer that echoes the path must not show it."""

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = json.dumps({"error": f"no bot at {self.path}"}).encode()
            self.send_response(404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "tok-0123456789abcdef-SECRET"
    monkeypatch.setenv(
        "W_URL", f"http://127.0.0.1:{server.server_port}/open-apis/bot/v2/hook/{token}"
    )
    monkeypatch.setenv("W_SECRET", "a-secret-of-the-bot")
    notifying.use(True)
    try:
        case = make_case(SPEC)
        result = webhook.evaluate(case, webhook.observe(case))
    finally:
        notifying.use(False)
        server.shutdown()
    assert result.verdict is CRIT and "404" in result.message
    assert token not in str(result)
