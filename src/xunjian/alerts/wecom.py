"""WeCom (企业微信) group bot: a markdown message; the webhook's ``key`` is its only secret."""

from __future__ import annotations

from urllib.parse import quote

import requests

from xunjian.alerts.config import WecomChannel
from xunjian.alerts.digest import MARKDOWN, Style
from xunjian.alerts.webhook import Answers, Post, WebhookSender
from xunjian.inventory.secrets import Secrets

STYLE: Style = MARKDOWN
LIMIT = 4096  # bytes of markdown.content (40058 beyond)
ANSWERS = Answers(
    vendor="wecom",
    code_key="errcode",
    msg_key="errmsg",
    rate_limited=frozenset({45009}),
    hints={
        93000: "the webhook key is unknown to WeCom",
        40058: "the message is too long",
    },
)


def request(channel: WecomChannel, text: str, key: str) -> Post:
    """The POST for ``text``."""
    body = {"msgtype": "markdown", "markdown": {"content": text}}
    return Post(f"{channel.base_url}/cgi-bin/webhook/send?key={quote(key, safe='')}", body)


def sender(channel: WecomChannel, secrets: Secrets, session: requests.Session) -> WebhookSender:
    """A sender with the key resolved (:class:`MissingSecret` names the variable)."""
    key = secrets.resolve(channel.key)
    return WebhookSender(
        lambda text: request(channel, text, key), ANSWERS, session, channel.timeout
    )
