"""The lab's chat bots and mail server: one HTTP server on loopback that answers like the Feishu,
DingTalk and WeCom custom webhooks, and an SMTP sink. Both record what they accept, in memory
and optionally as JSON lines that another process can read back (:func:`read_journal`).

A sender's ``base_url`` maps onto the vendor's own paths below a prefix::

    {url}/feishu   + /open-apis/bot/v2/hook/<token>
    {url}/dingtalk + /robot/send?access_token=<token>[&timestamp=<ms>&sign=<sign>]
    {url}/wecom    + /cgi-bin/webhook/send?key=<key>

Signatures are checked the way the vendors document them, by code of its own (this module
never imports the signer it is there to check), with the timestamp within one hour of now.

>>> bots = [Bot("feishu", "tok", "sec"), Bot("wecom", "key-1")]
>>> with Receiver(bots).start() as rx, MailSink().start() as mx:
...     rx.url("feishu"), mx.port
"""

from __future__ import annotations

import asyncio
import base64
import email.policy
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self, cast
from urllib.parse import parse_qs, unquote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from xunjian.loopback import is_loopback

BotChannel = Literal["feishu", "dingtalk", "wecom"]
Answer = tuple[int, dict[str, Any]]
HOUR = 3600

FEISHU_OK = {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}
FEISHU_BAD_SIGN = {
    "code": 19021,
    "msg": "sign match fail or timestamp is not within one hour from current time",
}
FEISHU_UNKNOWN = {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
FEISHU_BAD_REQUEST = {"code": 9499, "msg": "Bad Request"}
DINGTALK_OK = {"errcode": 0, "errmsg": "ok"}
DINGTALK_BAD_SIGN = {"errcode": 310000, "errmsg": "sign not match"}
DINGTALK_UNKNOWN = {"errcode": 300001, "errmsg": "token is not exist"}
DINGTALK_TOO_LONG = {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
DINGTALK_BAD_REQUEST = {"errcode": 40035, "errmsg": "缺少参数 json"}
WECOM_OK = {"errcode": 0, "errmsg": "ok"}
WECOM_UNKNOWN = {"errcode": 93000, "errmsg": "invalid webhook url"}
WECOM_TOO_LONG = {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
WECOM_BAD_REQUEST = {"errcode": 40008, "errmsg": "invalid message type"}
RATE_LIMITED: dict[BotChannel, dict[str, Any]] = {
    "feishu": {"code": 11232, "msg": "frequency limited"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
}
_MAX_BODY = 1 << 20


def feishu_expected(timestamp: str, secret: str) -> str:
    """Feishu's sign: the HMAC-SHA256 of nothing, keyed by timestamp, newline, secret."""
    mac = hmac.HMAC((timestamp + "\n" + secret).encode("utf-8"), digestmod="sha256")
    return base64.standard_b64encode(mac.digest()).decode("ascii")


def dingtalk_expected(timestamp: str, secret: str) -> str:
    """DingTalk's sign: the HMAC-SHA256 of timestamp, newline, secret, keyed by the secret."""
    mac = hmac.HMAC(secret.encode("utf-8"), digestmod="sha256")
    for part in (timestamp, "\n", secret):
        mac.update(part.encode("utf-8"))
    return base64.standard_b64encode(mac.digest()).decode("ascii")


def signed(
    timestamp: object,
    sign: object,
    secret: str,
    expected: Callable[[str, str], str],
    now: float,
    unit: int,
) -> bool:
    """Whether a (timestamp, sign) pair as received is right and at most an hour from now;
    ``unit`` is 1 for a timestamp in seconds, 1000 in milliseconds."""
    if not (isinstance(timestamp, str) and timestamp.isdigit() and isinstance(sign, str)):
        return False
    if abs(int(timestamp) / unit - now) > HOUR:
        return False
    return hmac.compare_digest(sign.encode(), expected(timestamp, secret).encode())


@dataclass(frozen=True)
class Bot:
    """A bot the receiver knows: its token (WeCom: key), its secret if it signs, and the name
    recorded with its messages (the token never is)."""

    channel: BotChannel
    token: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    name: str = ""


@dataclass(frozen=True)
class Delivery:
    """One accepted message: channel, bot (or mail sink) name, its text and the raw body
    (a mail's: from, to and subject)."""

    channel: str
    bot: str
    text: str
    body: Mapping[str, Any]


class _Journal:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.items: list[Delivery] = []
        self._lock = threading.Lock()

    def record(self, delivery: Delivery) -> None:
        with self._lock:
            self.items.append(delivery)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(asdict(delivery), ensure_ascii=False) + "\n")


def read_journal(path: Path) -> list[Delivery]:
    """The deliveries a receiver or sink (of this or another process) appended to ``path``."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Delivery(**json.loads(line)) for line in lines if line.strip()]


def _loopback(host: str) -> str:
    if not is_loopback(host):
        raise ValueError(f"the lab receiver binds loopback addresses only, not {host!r}")
    return host


def _text(body: object, kind_key: str, kinds: Mapping[str, tuple[str, str]]) -> str | None:
    """The text of a JSON body: ``kinds`` maps a message type to (holder key, text key)."""
    if not isinstance(body, dict) or body.get(kind_key) not in kinds:
        return None
    holder_key, text_key = kinds[body[kind_key]]
    holder = body.get(holder_key)
    text = holder.get(text_key) if isinstance(holder, dict) else None
    return text if isinstance(text, str) else None


class Receiver:
    """The three chat bots on one loopback HTTP server; :meth:`answer_next` makes a channel
    answer the next requests with a given status and body (a rate limit, a 503)."""

    def __init__(
        self,
        bots: Iterable[Bot],
        journal: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bots = {(b.channel, b.token): b for b in bots}
        self._journal = _Journal(journal)
        self._clock = clock
        self._queued: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def received(self) -> list[Delivery]:
        """The accepted messages, oldest first."""
        return list(self._journal.items)

    def url(self, channel: BotChannel) -> str:
        """The ``base_url`` a sender of ``channel`` is given."""
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{channel}"

    def answer_next(
        self, channel: BotChannel, status: int, body: dict[str, Any], times: int = 1
    ) -> None:
        """Answer the next ``times`` requests to ``channel`` with ``status`` and ``body``."""
        with self._lock:
            self._queued.setdefault(channel, []).extend([(status, body)] * times)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Listen on ``host:port`` (port 0: a free one) in a background thread."""
        server = ThreadingHTTPServer((_loopback(host), port), _Handler)
        server.daemon_threads = True
        cast(Any, server).receiver = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; what was received stays readable."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, path: str, raw: bytes) -> Answer:
        """The answer to a POST of ``raw`` to ``path`` (recording the message if accepted)."""
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        channel, _, rest = url.path.strip("/").partition("/")
        with self._lock:
            queued = self._queued.get(channel)
            if queued:
                return queued.pop(0)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if channel == "feishu" and rest.startswith("open-apis/bot/v2/hook/"):
            return self._feishu(unquote(rest.rsplit("/", 1)[1]), body, len(raw))
        if channel == "dingtalk" and rest == "robot/send":
            return self._dingtalk(query, body, len(raw))
        if channel == "wecom" and rest == "cgi-bin/webhook/send":
            return self._wecom(query.get("key", ""), body)
        return 404, {"error": f"no bot at {url.path}"}

    def _accept(self, bot: Bot, text: str, body: dict[str, Any], ok: dict[str, Any]) -> Answer:
        self._journal.record(Delivery(bot.channel, bot.name or bot.channel, text, body))
        return 200, ok

    def _feishu(self, token: str, body: object, size: int) -> Answer:
        bot = self._bots.get(("feishu", token))
        if bot is None:
            return 200, FEISHU_UNKNOWN
        if not isinstance(body, dict) or size > 20 * 1024:
            return 200, FEISHU_BAD_REQUEST
        if bot.secret is not None and not signed(
            body.get("timestamp"), body.get("sign"), bot.secret, feishu_expected, self._clock(), 1
        ):
            return 200, FEISHU_BAD_SIGN
        text = _text(body, "msg_type", {"text": ("content", "text")})
        return (
            (200, FEISHU_BAD_REQUEST) if text is None else self._accept(bot, text, body, FEISHU_OK)
        )

    def _dingtalk(self, query: dict[str, str], body: object, size: int) -> Answer:
        bot = self._bots.get(("dingtalk", query.get("access_token", "")))
        if bot is None:
            return 200, DINGTALK_UNKNOWN
        if bot.secret is not None and not signed(
            query.get("timestamp"),
            query.get("sign"),
            bot.secret,
            dingtalk_expected,
            self._clock(),
            1000,
        ):
            return 200, DINGTALK_BAD_SIGN
        if not isinstance(body, dict):
            return 200, DINGTALK_BAD_REQUEST
        if size > 20_000:
            return 200, DINGTALK_TOO_LONG
        text = _text(
            body, "msgtype", {"text": ("text", "content"), "markdown": ("markdown", "text")}
        )
        return (
            (200, DINGTALK_BAD_REQUEST)
            if text is None
            else self._accept(bot, text, body, DINGTALK_OK)
        )

    def _wecom(self, key: str, body: object) -> Answer:
        bot = self._bots.get(("wecom", key))
        if bot is None:
            return 200, WECOM_UNKNOWN
        text = _text(
            body, "msgtype", {"text": ("text", "content"), "markdown": ("markdown", "content")}
        )
        if text is None or not isinstance(body, dict):
            return 200, WECOM_BAD_REQUEST
        if len(text.encode()) > 4096:
            return 200, WECOM_TOO_LONG
        return self._accept(bot, text, body, WECOM_OK)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            status, answer = 413, {"error": "body too large"}
        else:
            receiver: Receiver = cast(Any, self.server).receiver
            status, answer = receiver.handle(self.path, self.rfile.read(length))
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a request line holds a bot's token."""


class _Controller(Controller):
    """aiosmtpd's controller, able to listen on port 0 (it connects to its port once up)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class MailSink:
    """A plain SMTP server on loopback that accepts every mail and records it."""

    def __init__(self, journal: Path | None = None, name: str = "mail") -> None:
        self._journal = _Journal(journal)
        self._name = name
        self._controller: _Controller | None = None

    @property
    def received(self) -> list[Delivery]:
        """The accepted mails, oldest first."""
        return list(self._journal.items)

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the mail sink is not started")
        return int(self._controller.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        msg = BytesParser(policy=email.policy.default).parsebytes(raw)
        part = msg.get_body(("plain",))
        text = str(cast(EmailMessage, part).get_content()) if part is not None else ""
        head = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(msg["Subject"])}
        text = text.replace("\r\n", "\n").rstrip("\n")  # SMTP's line ends
        self._journal.record(Delivery("mail", self._name, text, head))
        return "250 Message accepted for delivery"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Listen on ``host:port`` (port 0: a free one) in a background thread."""
        self._controller = _Controller(
            self, hostname=_loopback(host), port=port, server_hostname="xunjian-lab"
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; what was received stays readable."""
        if self._controller is not None:
            self._controller.stop()
        self._controller = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
