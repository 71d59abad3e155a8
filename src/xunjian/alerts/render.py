"""The final text each channel would be sent for a run, and the dry run that prints it."""

from __future__ import annotations

from xunjian.alerts import dingtalk, feishu, mail, wecom
from xunjian.alerts.config import (
    AlertsConfig,
    Channel,
    DingtalkChannel,
    FeishuChannel,
    MailChannel,
    WecomChannel,
)
from xunjian.alerts.digest import Style, build
from xunjian.alerts.fit import utf8_len
from xunjian.alerts.route import route
from xunjian.alerts.summary import RunSummary


def style_and_limit(channel: Channel) -> tuple[Style, int]:
    """How the channel's service formats text, and how many UTF-8 bytes it takes."""
    match channel:
        case FeishuChannel():
            return feishu.STYLE, feishu.LIMIT
        case DingtalkChannel():
            return dingtalk.STYLE, dingtalk.LIMIT
        case WecomChannel():
            return wecom.STYLE, wecom.LIMIT
        case MailChannel():
            return mail.STYLE, mail.LIMIT


def render(config: AlertsConfig, summary: RunSummary) -> dict[str, str]:
    """Per channel to be sent to, the text it gets (what :func:`deliver` posts)."""
    return {
        name: build(part, *style_and_limit(config.channels[name]))
        for name, part in route(config, summary).items()
    }


def target(channel: Channel) -> str:
    """Where a channel sends, with its token or key shown as ``***``."""
    match channel:
        case FeishuChannel():
            signed = ", signed" if channel.secret else ""
            return f"POST {channel.base_url}/open-apis/bot/v2/hook/***{signed}"
        case DingtalkChannel():
            signed = ", signed" if channel.secret else ""
            return f"POST {channel.base_url}/robot/send?access_token=***{signed}"
        case WecomChannel():
            return f"POST {channel.base_url}/cgi-bin/webhook/send?key=***"
        case MailChannel():
            to = ", ".join(channel.to)
            return f"SMTP {channel.host}:{channel.smtp_port} ({channel.security}) to {to}"


def dry_run(config: AlertsConfig, summary: RunSummary) -> str:
    """What ``--notify-dry-run`` prints: per channel, where it would go and the exact text."""
    texts = render(config, summary)
    if not texts:
        return "alerts: nothing to send (no check failed or recovered, and no route has send_ok)"
    blocks = []
    for name, text in texts.items():
        channel = config.channels[name]
        _, limit = style_and_limit(channel)
        blocks.append(
            f"--- alert to {name} ({channel.kind}): {target(channel)}; "
            f"{utf8_len(text)} of {limit} bytes\n{text}"
        )
    return "\n\n".join(blocks)
