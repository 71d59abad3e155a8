"""Feishu (飞书) custom bot: a text message, signed when the bot has a secret."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import requests

from xunjian.alerts.config import FeishuChannel
from xunjian.alerts.digest import TEXT, Style
from xunjian.alerts.sign import feishu_sign
from xunjian.alerts.webhook import Answers, Post, WebhookSender
from xunjian.inventory.secrets import Secrets

STYLE: Style = TEXT
LIMIT = 18_000  # bytes of text: the whole JSON body may be 20 KB, and escapes add to it
ANSWERS = Answers(
    vendor="feishu",
    code_key="code",
    msg_key="msg",
    rate_limited=frozenset({11232}),
    hints={
        19001: "the webhook token is unknown to Feishu",
        19021: "check the bot's secret and this machine's clock (within one hour)",
        19022: "this machine's address is not in the bot's IP allow list",
        19024: "the message lacks the bot's keyword (关键词校验)",
    },
)


def request(channel: FeishuChannel, text: str, token: str, secret: str | None, now: float) -> Post:
    """The POST for ``text``; ``now`` in seconds since the epoch."""
    body: dict[str, object] = {"msg_type": "text", "content": {"text": text}}
    if secret is not None:
        timestamp = int(now)
        body = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret), **body}
    return Post(f"{channel.base_url}/open-apis/bot/v2/hook/{quote(token, safe='')}", body)


def sender(
    channel: FeishuChannel, secrets: Secrets, session: requests.Session, clock: Callable[[], float]
) -> WebhookSender:
    """A sender with the channel's secrets resolved (:class:`MissingSecret` names the variable)."""
    token = secrets.resolve(channel.token)
    secret = secrets.resolve(channel.secret) if channel.secret else None
    return WebhookSender(
        lambda text: request(channel, text, token, secret, clock()),
        ANSWERS,
        session,
        channel.timeout,
    )
