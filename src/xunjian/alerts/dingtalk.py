"""DingTalk (钉钉) custom bot: a text message; when the bot has a secret (加签), ``timestamp``
(milliseconds) and ``sign`` go into the query string, the sign URL-encoded exactly once."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, quote_plus

import requests

from xunjian.alerts.config import DingtalkChannel
from xunjian.alerts.digest import TEXT, Style
from xunjian.alerts.sign import dingtalk_sign
from xunjian.alerts.webhook import Answers, Post, WebhookSender
from xunjian.inventory.secrets import Secrets

STYLE: Style = TEXT
LIMIT = 19_000  # bytes: DingTalk refuses more than 20000 (460101), envelope included
ANSWERS = Answers(
    vendor="dingtalk",
    code_key="errcode",
    msg_key="errmsg",
    rate_limited=frozenset({130101}),
    hints={
        300001: "the access_token is unknown to DingTalk",
        310000: "check the bot's secret, this machine's clock (within one hour), and the "
        "bot's keyword and IP rules",
        460101: "the message is too long",
    },
)


def request(
    channel: DingtalkChannel, text: str, token: str, secret: str | None, now: float
) -> Post:
    """The POST for ``text``; ``now`` in seconds since the epoch. The query is built here, so
    nothing encodes it a second time."""
    query = f"access_token={quote(token, safe='')}"
    if secret is not None:
        timestamp = int(now * 1000)
        query += f"&timestamp={timestamp}&sign={quote_plus(dingtalk_sign(timestamp, secret))}"
    body = {"msgtype": "text", "text": {"content": text}}
    return Post(f"{channel.base_url}/robot/send?{query}", body)


def sender(
    channel: DingtalkChannel,
    secrets: Secrets,
    session: requests.Session,
    clock: Callable[[], float],
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
