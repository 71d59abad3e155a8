"""The ``alerts`` part of an inventory: channels (chat bots, mail) and routes from levels to them.

Secrets are ``${ENV_VAR}`` references, resolved only when a message is sent. A bot's webhook is
its vendor's host (``base_url``, changeable for the lab) plus the token the bot was given::

    alerts:
      channels:
        ops-feishu: {kind: feishu, token: "${FEISHU_TOKEN}", secret: "${FEISHU_SECRET}"}
        dba-mail: {kind: mail, host: smtp.example.com, sender: xunjian@example.com,
                   to: [dba@example.com], user: "${SMTP_USER}", password: "${SMTP_PASSWORD}"}
      routes:
        - {levels: [P0, P1], channels: [ops-feishu, dba-mail]}
        - {levels: [P2, P3], channels: [dba-mail], send_ok: true}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from xunjian.alerts.levels import Level
from xunjian.inventory.fields import Address, Ident, SecretRef, Url
from xunjian.inventory.model import Model
from xunjian.loopback import is_loopback


def _base_url(value: str) -> str:
    if "?" in value or "#" in value:
        raise ValueError("a base URL has no query or fragment: the sender appends the bot's path")
    return value.rstrip("/")


BaseUrl = Annotated[Url, AfterValidator(_base_url)]
Email = Annotated[str, Field(pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+$")]
Seconds = Annotated[float, Field(gt=0, le=300)]


class FeishuChannel(Model):
    """A Feishu custom bot: ``{base_url}/open-apis/bot/v2/hook/{token}``, signed if it has a
    secret (签名校验)."""

    kind: Literal["feishu"]
    base_url: BaseUrl = "https://open.feishu.cn"
    token: SecretRef = Field(description="the last part of the bot's webhook URL")
    secret: SecretRef | None = None
    timeout: Seconds = 10.0


class DingtalkChannel(Model):
    """A DingTalk custom bot: ``{base_url}/robot/send?access_token={token}``, signed (加签) if
    it has a secret."""

    kind: Literal["dingtalk"]
    base_url: BaseUrl = "https://oapi.dingtalk.com"
    token: SecretRef = Field(description="the access_token of the bot's webhook URL")
    secret: SecretRef | None = None
    timeout: Seconds = 10.0


class WecomChannel(Model):
    """A WeCom (企业微信) group bot: ``{base_url}/cgi-bin/webhook/send?key={key}``."""

    kind: Literal["wecom"]
    base_url: BaseUrl = "https://qyapi.weixin.qq.com"
    key: SecretRef = Field(description="the key of the bot's webhook URL")
    timeout: Seconds = 10.0


Security = Literal["starttls", "tls", "none"]
DEFAULT_PORTS: dict[Security, int] = {"starttls": 587, "tls": 465, "none": 25}


class MailChannel(Model):
    """Mail over SMTP: STARTTLS (default, port 587), implicit TLS (465) or, on a loopback
    host only, none (25); login only when ``user`` and ``password`` are given."""

    kind: Literal["mail"]
    host: Address
    port: int | None = Field(None, ge=1, le=65535)
    security: Security = "starttls"
    sender: Email
    to: list[Email] = Field(min_length=1)
    user: SecretRef | None = None
    password: SecretRef | None = None
    timeout: Seconds = 30.0

    @model_validator(mode="after")
    def _safe(self) -> MailChannel:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security: none sends the mail (and any login) in clear text; it is allowed "
                f"only for a loopback host, not {self.host!r}: use starttls or tls"
            )
        if (self.user is None) != (self.password is None):
            raise ValueError("user and password go together: give both or neither")
        return self

    @property
    def smtp_port(self) -> int:
        """The port given, else the usual one of the security chosen."""
        return self.port or DEFAULT_PORTS[self.security]


Channel = Annotated[
    FeishuChannel | DingtalkChannel | WecomChannel | MailChannel, Field(discriminator="kind")
]


def secret_refs(channel: Channel) -> dict[str, str]:
    """The channel's keys that hold ``${ENV_VAR}`` references, with their references."""
    names = ("token", "secret", "key", "user", "password")
    found = {name: getattr(channel, name, None) for name in names}
    return {name: ref for name, ref in found.items() if isinstance(ref, str)}


class Route(Model):
    """Checks of these levels go to these channels; ``send_ok`` sends them a summary even when
    none of those checks failed and none recovered."""

    levels: list[Level] = Field(min_length=1)
    channels: list[Ident] = Field(min_length=1)
    send_ok: bool = False


class AlertsConfig(Model):
    """Channels by name, routes, and the retries of a delivery (``attempts`` in all, waiting
    ``backoff`` seconds, doubled each time, unless the service says how long)."""

    channels: dict[Ident, Channel] = Field(min_length=1)
    routes: list[Route] = Field(min_length=1)
    attempts: int = Field(3, ge=1, le=10)
    backoff: float = Field(2.0, ge=0, le=60)
    report_url: str = Field("", description="where readers find the report (a CI artifact URL)")

    @model_validator(mode="after")
    def _routes_name_channels(self) -> AlertsConfig:
        known = ", ".join(sorted(self.channels))
        routed: set[str] = set()
        for i, route in enumerate(self.routes):
            for name in route.channels:
                if name not in self.channels:
                    raise ValueError(
                        f"routes[{i}] names channel {name!r}, which is not under channels "
                        f"(known: {known})"
                    )
                routed.add(name)
        unrouted = sorted(set(self.channels) - routed)
        if unrouted:
            raise ValueError(f"in no route, so never sent to: channel {', '.join(unrouted)}")
        return self

    def levels_for(self, name: str) -> frozenset[Level]:
        """The levels routed to channel ``name``."""
        return frozenset(lv for r in self.routes if name in r.channels for lv in r.levels)

    def sends_ok(self, name: str) -> bool:
        """Whether channel ``name`` gets a summary of a run with nothing to report."""
        return any(r.send_ok for r in self.routes if name in r.channels)
