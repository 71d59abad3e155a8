"""webhook: a chat bot's failure-alert webhook is configured and signs as the vendor documents
(runbook 003 §7: 飞书群机器人, HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over an empty
message). The URL and the secret come from the environment; the signing code of
:mod:`xunjian.alerts.sign` must reproduce the known-answer vectors (computed outside Python,
with openssl); with the run's ``--notify`` a signed test message is sent and must be accepted
(``code 0``) — the runbook's ``python webhook_test.py --url <url> --secret <secret>``. Without
``--notify`` nothing is sent."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field

from xunjian import notifying
from xunjian.alerts.feishu import ANSWERS
from xunjian.alerts.sign import feishu_sign
from xunjian.alerts.webhook import judge
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, SecretRef
from xunjian.inventory.model import CheckBase
from xunjian.inventory.secrets import SECRETS, MissingSecret
from xunjian.observe import web
from xunjian.observe.facts import Fact
from xunjian.result import Result, Verdict

ORDER = 72
# (timestamp in seconds, secret, sign): printf '' | openssl dgst -sha256 -hmac "$TS\n$SECRET"
# -binary | base64 (the same vectors pin the alerts' own signer in selftests)
FEISHU_VECTORS = (
    (1700000000, "SECabc123", "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70="),
    (1599360473, "demo-secret-ff", "hlb/lZhrZq3SlQuQ4fE9aKXVoMfMxrM5rUmMk82ya5I="),
    (0, "x", "oXdk2ucwqNVLLZZVLnZykqSwABpHVZxD+yQJ/eSmZ5o="),
)


class WebhookCheck(CheckBase):
    kind: Literal["webhook"]
    name: Ident
    vendor: Literal["feishu"] = "feishu"
    # not `url`: a key holding a secret is never echoed in errors, and `url` is everyone's key
    webhook_url: SecretRef = Field(description="the bot's webhook URL (it holds the bot's token)")
    secret: SecretRef = Field(description="the bot's signing secret (签名校验)")
    text: str = Field("xunjian: 巡检测试消息 (webhook test)", description="the test message")


SPEC = WebhookCheck


@dataclass(frozen=True)
class WebhookObservation:
    configured: str  # "" if both are set, else what is missing
    vectors: tuple[tuple[int, str, str, str], ...]  # (timestamp, secret, expected, computed)
    sent: bool  # a test message was sent (--notify)
    accepted: bool = False
    answer: str = ""  # the vendor's words when it refused


def _spec(case: CheckCase) -> WebhookCheck:
    return spec_of(case, WebhookCheck)


def expected(case: CheckCase) -> str:
    return (
        f"{_spec(case).vendor} webhook URL and secret configured; its signature matches "
        f"{len(FEISHU_VECTORS)} known answers; with --notify a signed test message is accepted"
    )


def budget(case: CheckCase) -> float:
    return case.timeout


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    """The webhook's host (the URL is a secret: resolved where the run resolves them)."""
    try:
        return {urlsplit(SECRETS.resolve(_spec(case).webhook_url)).hostname or ""}
    except MissingSecret:
        return set()


def observe(case: CheckCase) -> WebhookObservation:
    spec = _spec(case)
    vectors = tuple((ts, s, want, feishu_sign(ts, s)) for ts, s, want in FEISHU_VECTORS)
    try:
        url, secret = SECRETS.resolve(spec.webhook_url), SECRETS.resolve(spec.secret)
    except MissingSecret as e:
        return WebhookObservation(str(e), vectors, False)
    for part in urlsplit(url).path.split("/"):  # the bot's token, wherever an answer echoes it
        if len(part) >= 16:
            SECRETS.remember(part, "the webhook URL's token")
    if not notifying.enabled():
        return WebhookObservation("", vectors, False)
    now = int(time.time())
    body = {"timestamp": str(now), "sign": feishu_sign(now, secret), "msg_type": "text",
            "content": {"text": spec.text}}  # fmt: skip
    try:
        with web.session() as http:
            resp = http.post(url, json=body, timeout=case.timeout)
    except requests.RequestException as e:
        return WebhookObservation("", vectors, True, False, f"no answer: {type(e).__name__}")
    attempt = judge(ANSWERS, resp.status_code, resp.text)
    return WebhookObservation("", vectors, True, attempt.ok, SECRETS.redact(attempt.reason))


def evaluate(case: CheckCase, obs: WebhookObservation) -> Result:
    exp = expected(case)
    if obs.configured:
        return Result.crit(
            exp, "not configured", f"the webhook is not configured: {obs.configured}"
        )
    wrong = [f"timestamp {ts}: {got} != {want}" for ts, _, want, got in obs.vectors if got != want]
    if wrong:
        return Result.crit(
            exp, f"{len(wrong)} known answer(s) differ", "the signing code is wrong", tuple(wrong)
        )
    signed = f"configured; {len(obs.vectors)} known answers match"
    if not obs.sent:
        return Result.ok(exp, f"{signed}; no test message sent (no --notify)")
    if not obs.accepted:
        return Result(Verdict.CRIT, exp, f"{signed}; test message refused", obs.answer or "refused")
    return Result.ok(exp, f"{signed}; signed test message accepted")
