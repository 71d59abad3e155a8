"""Mail over SMTP with the standard library: STARTTLS or implicit TLS with a verified
certificate (plain SMTP only to a loopback host), a login only when the channel has one."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from xunjian.alerts.attempt import DELIVERED, Attempt
from xunjian.alerts.config import MailChannel
from xunjian.alerts.digest import TEXT, Style
from xunjian.inventory.secrets import Secrets

STYLE: Style = TEXT
LIMIT = 1_000_000  # bytes: no service limit, a bound against a runaway message


def message(channel: MailChannel, text: str) -> EmailMessage:
    """The mail: the text's first line is its subject."""
    msg = EmailMessage()
    msg["Subject"] = text.split("\n", 1)[0]
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=channel.sender.rsplit("@", 1)[1])
    msg.set_content(text)
    return msg


class MailSender:
    """Sends through one SMTP server; ``context`` verifies its certificate (the system's CAs
    unless given)."""

    def __init__(
        self,
        channel: MailChannel,
        login: tuple[str, str] | None,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._channel = channel
        self._login = login
        self._context = context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        ch = self._channel
        if ch.security == "tls":
            return smtplib.SMTP_SSL(
                ch.host, ch.smtp_port, timeout=ch.timeout, context=self._context
            )
        return smtplib.SMTP(ch.host, ch.smtp_port, timeout=ch.timeout)

    def send(self, text: str) -> Attempt:
        try:
            with self._connect() as smtp:
                if self._channel.security == "starttls":
                    smtp.starttls(context=self._context)
                if self._login:
                    smtp.login(*self._login)
                refused = smtp.send_message(message(self._channel, text))
        except smtplib.SMTPResponseException as e:
            said = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else ""
            transient = 400 <= e.smtp_code <= 499
            return Attempt(False, f"SMTP {e.smtp_code} {said}".rstrip(), retry=transient)
        except smtplib.SMTPRecipientsRefused as e:
            return Attempt(False, f"SMTP refused every recipient: {', '.join(e.recipients)}")
        except (smtplib.SMTPException, OSError) as e:
            return Attempt(False, f"SMTP with {self._channel.host}: {type(e).__name__}: {e}")
        if refused:
            return Attempt(False, f"SMTP refused recipients: {', '.join(sorted(refused))}")
        return DELIVERED


def sender(channel: MailChannel, secrets: Secrets) -> MailSender:
    """A sender with the login resolved (:class:`MissingSecret` names the variable)."""
    login = None
    if channel.user and channel.password:
        login = (secrets.resolve(channel.user), secrets.resolve(channel.password))
    return MailSender(channel, login)
