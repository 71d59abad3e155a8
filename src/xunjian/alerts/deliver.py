"""Sending a run's alerts: every routed channel is tried, a failing one never hides the others,
and each gets an outcome. Rate limits, HTTP 429 and 5xx are retried with backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from xunjian.alerts import dingtalk, feishu, mail, wecom
from xunjian.alerts.attempt import Attempt, Sender
from xunjian.alerts.config import (
    AlertsConfig,
    Channel,
    DingtalkChannel,
    FeishuChannel,
    MailChannel,
    WecomChannel,
    secret_refs,
)
from xunjian.alerts.render import render
from xunjian.alerts.summary import RunSummary
from xunjian.inventory.secrets import SECRETS, MissingSecret, Secrets, redact_urls

log = logging.getLogger("xunjian.alerts")
_MAX_WAIT = 60.0
_HTTP_LOGGER = "urllib3.connectionpool"  # logs each request line, a bot's token in it, at DEBUG


class _Redact(logging.Filter):
    """Rewrites a log record with the secrets masked."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self._mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._mask(record.getMessage()), None
        return True


@dataclass(frozen=True)
class Outcome:
    """What became of one channel's message; ``reason`` never holds a secret."""

    channel: str
    delivered: bool
    attempts: int
    reason: str = ""

    def __str__(self) -> str:
        if self.delivered:
            return f"{self.channel}: delivered (attempt {self.attempts})"
        return f"{self.channel}: NOT delivered after {self.attempts} attempt(s): {self.reason}"


def make_sender(
    channel: Channel,
    secrets: Secrets,
    session: requests.Session,
    clock: Callable[[], float],
) -> Sender:
    """The channel's sender, its secrets resolved (:class:`MissingSecret` names the variable)."""
    match channel:
        case FeishuChannel():
            return feishu.sender(channel, secrets, session, clock)
        case DingtalkChannel():
            return dingtalk.sender(channel, secrets, session, clock)
        case WecomChannel():
            return wecom.sender(channel, secrets, session)
        case MailChannel():
            return mail.sender(channel, secrets)


def send_with_retry(
    sender: Sender, text: str, attempts: int, backoff: float, sleep: Callable[[float], None]
) -> tuple[Attempt, int]:
    """The last attempt and how many were made: up to ``attempts``, retrying only what may
    succeed later, after the wait the service asked for or ``backoff`` doubled each time."""
    for n in range(1, attempts + 1):
        attempt = sender.send(text)
        if attempt.ok or not attempt.retry or n == attempts:
            return attempt, n
        wait = attempt.wait if attempt.wait is not None else backoff * 2 ** (n - 1)
        sleep(min(wait, _MAX_WAIT))
    raise ValueError(f"attempts must be 1 or more, got {attempts}")


def check_secrets(config: AlertsConfig, secrets: Secrets = SECRETS) -> list[str]:
    """One problem per secret of a channel that cannot be resolved, by key path and variable;
    for a configure-time check that stops the run before any check runs."""
    problems = []
    for name, channel in config.channels.items():
        for key, ref in secret_refs(channel).items():
            try:
                secrets.resolve(ref)
            except MissingSecret as e:
                problems.append(f"alerts.channels.{name}.{key}: {e}")
    return problems


def deliver(
    config: AlertsConfig,
    summary: RunSummary,
    *,
    secrets: Secrets = SECRETS,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> list[Outcome]:
    """Send each routed channel its message; one outcome per channel, in config order."""
    texts = render(config, summary)
    own = session is None
    http = requests.Session() if session is None else session

    def mask(text: str) -> str:
        return redact_urls(secrets.redact(text))

    outcomes = []
    redact = _Redact(mask)
    logging.getLogger(_HTTP_LOGGER).addFilter(redact)
    try:
        for name, text in texts.items():
            try:
                sender = make_sender(config.channels[name], secrets, http, clock)
                attempt, n = send_with_retry(sender, text, config.attempts, config.backoff, sleep)
                outcome = Outcome(name, attempt.ok, n, mask(attempt.reason))
            except MissingSecret as e:
                outcome = Outcome(name, False, 0, mask(str(e)))
            except Exception as e:  # a bug in one channel must not silence the others
                outcome = Outcome(name, False, 0, mask(f"internal error: {type(e).__name__}: {e}"))
            (log.info if outcome.delivered else log.warning)("alert %s", outcome)
            outcomes.append(outcome)
    finally:
        logging.getLogger(_HTTP_LOGGER).removeFilter(redact)
        if own:
            http.close()
    return outcomes
