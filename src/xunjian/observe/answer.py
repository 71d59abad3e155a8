"""Application-level probes, the pure half: what each protocol sends first and how its first
reply is read (:data:`PROTOCOLS`), and which protocol a known owner process speaks.

A hung server (a SIGSTOPped Redis, a wedged MariaDB) still completes TCP handshakes: the kernel
accepts for it. Only a reply in the service's protocol shows that it is alive. The I/O is in
:mod:`xunjian.observe.ask`. Nothing logs in: every probe leaves before authentication.
"""

from __future__ import annotations

import enum
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

AnswerName = Literal["redis", "mysql", "postgresql", "http", "tls", "ssh", "none"]


class Heard(enum.Enum):
    ANSWERED = "answered"  # a reply in the protocol (an error reply is one too)
    MORE = "more"  # the bytes so far may begin a reply: read on
    OTHER = "other"  # bytes, but not this protocol's
    CLOSED = "closed"  # the server closed the connection without a reply
    SILENT = "silent"  # no complete reply before the deadline


@dataclass(frozen=True)
class Reading:
    heard: Heard
    text: str = ""  # what the reply says, for a message


MORE = Reading(Heard.MORE)


def shown(data: bytes, limit: int = 60) -> str:
    return repr(data[:limit])[2:-1] + ("..." if len(data) > limit else "")


def read_redis(data: bytes) -> Reading:
    """A RESP reply's first line: ``+PONG``, or an error (``-NOAUTH ...``, ``-LOADING ...``)."""
    if not data:
        return MORE
    if data[:1] not in b"+-:$*_":
        return Reading(Heard.OTHER, shown(data))
    line, newline, _ = data.partition(b"\r\n")
    if not newline:
        return MORE if len(data) < 512 else Reading(Heard.OTHER, shown(data))
    return Reading(Heard.ANSWERED, line.decode("utf-8", "replace")[:100])


def read_mysql(data: bytes) -> Reading:
    """The server's first packet: a v10 handshake (protocol byte 10, server version) or an
    error packet (``Host ... is not allowed``, ``Too many connections``)."""
    if len(data) < 5:
        return MORE
    length, seq, first = int.from_bytes(data[:3], "little"), data[3], data[4]
    if seq != 0 or not 1 <= length <= 0x4000 or first not in (0x0A, 0xFF):
        return Reading(Heard.OTHER, shown(data))
    if len(data) < 4 + length:
        return MORE
    payload = data[4 : 4 + length]
    if first == 0xFF:
        code = int.from_bytes(payload[1:3], "little")
        text = payload[9:] if payload[3:4] == b"#" else payload[3:]
        return Reading(Heard.ANSWERED, f"error {code}: {text.decode('utf-8', 'replace')[:100]}")
    version = payload[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
    return Reading(Heard.ANSWERED, f"protocol 10, {version[:60]}")


SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def read_postgresql(data: bytes) -> Reading:
    """The one-byte answer to an SSLRequest (``S`` or ``N``), or an error message (``E``)."""
    if not data:
        return MORE
    if data[:1] in (b"S", b"N") and len(data) == 1:
        return Reading(Heard.ANSWERED, "SSL: yes" if data == b"S" else "SSL: no")
    if data[:1] != b"E":
        return Reading(Heard.OTHER, shown(data))
    if len(data) < 5:
        return MORE
    length = int.from_bytes(data[1:5], "big")
    if not 4 <= length <= 0x4000:
        return Reading(Heard.OTHER, shown(data))
    if len(data) < 1 + length:
        return MORE
    fields = dict((f[:1], f[1:]) for f in data[5 : 1 + length].split(b"\0") if f)
    said = (fields.get(b"M") or data[5 : 1 + length]).decode("utf-8", "replace")
    return Reading(Heard.ANSWERED, f"error: {said[:100]}")


_STATUS = re.compile(rb"HTTP/\d(?:\.\d)? \d{3}\b")


def read_http(data: bytes) -> Reading:
    """A status line; any status counts (a 400 from a TLS port's plain-HTTP guard too)."""
    if b"HTTP/"[: len(data)] != data[:5]:
        return Reading(Heard.OTHER, shown(data))
    line, newline, _ = data.partition(b"\n")
    if not newline:
        return MORE if len(data) < 1024 else Reading(Heard.OTHER, shown(data))
    if not _STATUS.match(line):
        return Reading(Heard.OTHER, shown(data))
    return Reading(Heard.ANSWERED, line.rstrip(b"\r").decode("latin-1")[:100])


def read_ssh(data: bytes) -> Reading:
    """The identification line, ``SSH-2.0-OpenSSH_9.2p1 ...``."""
    if b"SSH-"[: len(data)] != data[:4]:
        return Reading(Heard.OTHER, shown(data))
    line, newline, _ = data.partition(b"\n")
    if not newline:
        return MORE if len(data) < 256 else Reading(Heard.OTHER, shown(data))
    return Reading(Heard.ANSWERED, line.rstrip(b"\r").decode("utf-8", "replace")[:100])


_TLS_RECORDS = {0x15: "a TLS alert", 0x16: "a TLS handshake record"}


def read_tls(data: bytes) -> Reading:
    """A TLS record header (``16 03 0x``: handshake, ``15 03 0x``: alert): read when the
    handshake itself failed, to tell a TLS server that refused us from a server of another
    protocol (``HTTP/1.1 400``, an SSH banner)."""
    if len(data) < 3:
        return MORE
    kind = _TLS_RECORDS.get(data[0])
    if kind is None or data[1] != 3 or data[2] > 4:
        return Reading(Heard.OTHER, shown(data))
    return Reading(Heard.ANSWERED, kind)


@dataclass(frozen=True)
class Protocol:
    """One probe: what the client sends first (nothing when the server speaks first) and how
    the first reply is read; ``read`` None is a TLS handshake."""

    name: str
    asks: str  # how a message names the exchange: "PING", "greeting"
    hello: Callable[[str], bytes]  # given "host:port" as the request should name it
    read: Callable[[bytes], Reading] | None


def _head(where: str) -> bytes:
    return (
        f"HEAD / HTTP/1.1\r\nHost: {where}\r\nUser-Agent: xunjian\r\nConnection: close\r\n\r\n"
    ).encode()


def _nothing(where: str) -> bytes:
    return b""


PROTOCOLS: dict[str, Protocol] = {
    "redis": Protocol("redis", "PING", lambda _: b"*1\r\n$4\r\nPING\r\n", read_redis),
    "mysql": Protocol("mysql", "greeting", _nothing, read_mysql),
    "postgresql": Protocol("postgresql", "SSLRequest", lambda _: SSL_REQUEST, read_postgresql),
    "http": Protocol("http", "HEAD /", _head, read_http),
    "tls": Protocol("tls", "handshake", _nothing, None),
    "ssh": Protocol("ssh", "banner", _nothing, read_ssh),
}

# Owner process names (ss shows them) whose protocol is certain. java is not here: a Java
# service may speak HTTP, or not (DataX on 9999); nor are proxies such as haproxy. Nor are
# mysqld/mariadbd: a greeting read and dropped counts as a connection error against the
# runner's address, and after max_connect_errors (default 100) the server blocks the runner.
# A port-only check of a database that the runner never logs in to would do that in 100 days;
# ask for it explicitly (answer: mysql) where sql checks from the runner reset the count.
DEFAULTS: dict[str, AnswerName] = {
    "redis-server": "redis",
    "postgres": "postgresql",
    "sshd": "ssh",
    "nginx": "http",
    "httpd": "http",
    "apache2": "http",
    "minio": "http",
    "weed": "http",
}


def default_for(processes: list[str] | None) -> AnswerName:
    """The probe for a port whose owner must be one of ``processes``: only when every name is a
    known server and all speak one protocol; otherwise none."""
    found = {DEFAULTS.get(p) for p in processes or []}
    if len(found) != 1:
        return "none"
    (only,) = found
    return only or "none"


def chosen(answer: AnswerName | None, processes: list[str] | None) -> Protocol | None:
    """The protocol a port check asks in: the inventory's ``answer``, else the default."""
    name = answer or default_for(processes)
    return PROTOCOLS.get(name)


@dataclass(frozen=True)
class Answer:
    """How a service replied to its probe."""

    protocol: str
    asks: str
    heard: Heard
    text: str = ""  # the reply, or what came instead, or why the connection ended
    got: int = 0  # bytes received
    seconds: float = 0.0  # the probe's time limit

    @property
    def answered(self) -> bool:
        return self.heard is Heard.ANSWERED

    def describe(self) -> str:
        """``redis PING: +PONG``; ``redis PING: no reply within 5 s`` ..."""
        what = f"{self.protocol} {self.asks}"
        if self.heard is Heard.ANSWERED:
            return f"{what}: {self.text}"
        if self.heard is Heard.SILENT and self.got:
            return f"{what}: {self.got} byte(s), then no complete reply within {self.seconds:g} s"
        if self.heard is Heard.SILENT:
            return f"{what}: no reply within {self.seconds:g} s"
        if self.heard is Heard.CLOSED:
            said = f" ({self.text})" if self.text else ""
            return f"{what}: the connection was closed without a reply{said}"
        return f"{what}: not a {self.protocol} reply: {self.text}"


def host_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


NAMES: tuple[str, ...] = get_args(AnswerName)
