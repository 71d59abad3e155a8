"""Posting to a chat bot's webhook and reading its answer: a 200 is a delivery only when the
code in its JSON is 0. Retried: HTTP 429 and 5xx, and the vendor's rate-limit codes; never a
bad signature or an unknown token."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from xunjian.alerts.attempt import DELIVERED, Attempt

_SNIPPET = 200
_MAX_WAIT = 60.0


@dataclass(frozen=True)
class Post:
    """One request to a webhook; the URL and the body hold the token and the signature."""

    url: str = field(repr=False)
    body: Mapping[str, object] = field(repr=False)


@dataclass(frozen=True)
class Answers:
    """How a vendor answers: the JSON keys of its code and message, the codes that mean "too
    fast" and a hint for the codes an operator has to act on."""

    vendor: str
    code_key: str
    msg_key: str
    rate_limited: frozenset[int]
    hints: Mapping[int, str] = field(default_factory=dict)


def _wait(retry_after: str | None) -> float | None:
    try:
        return min(max(float(retry_after or ""), 0.0), _MAX_WAIT)
    except ValueError:
        return None


def judge(answers: Answers, status: int, text: str, retry_after: str | None = None) -> Attempt:
    """The attempt that an HTTP answer stands for."""
    vendor, snippet = answers.vendor, text[:_SNIPPET]
    if status == 429 or 500 <= status <= 599:
        return Attempt(False, f"{vendor} answered HTTP {status}", True, _wait(retry_after))
    if status != 200:
        return Attempt(False, f"{vendor} answered HTTP {status}: {snippet}")
    try:
        payload = json.loads(text)
    except ValueError:
        return Attempt(False, f"{vendor} answered 200 with no JSON: {snippet}")
    code = payload.get(answers.code_key) if isinstance(payload, dict) else None
    if code == 0:
        return DELIVERED
    if not isinstance(code, int):
        return Attempt(False, f"{vendor} answered 200 with no {answers.code_key}: {snippet}")
    reason = f"{vendor} answered {answers.code_key} {code} ({payload.get(answers.msg_key, '')})"
    if hint := answers.hints.get(code):
        reason += f": {hint}"
    return Attempt(False, reason, retry=code in answers.rate_limited)


class WebhookSender:
    """Sends through one bot: each attempt builds (and signs) a fresh request."""

    def __init__(
        self,
        build: Callable[[str], Post],
        answers: Answers,
        session: requests.Session,
        timeout: float,
    ) -> None:
        self._build = build
        self._answers = answers
        self._session = session
        self._timeout = timeout

    def send(self, text: str) -> Attempt:
        post = self._build(text)
        data = json.dumps(post.body, ensure_ascii=False).encode()
        try:
            answer = self._session.post(
                post.url,
                data=data,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as e:
            return Attempt(False, f"could not post to {self._answers.vendor}: {e}")
        return judge(
            self._answers, answer.status_code, answer.text, answer.headers.get("Retry-After")
        )
