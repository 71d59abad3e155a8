"""Application-level probes, the I/O half: send a protocol's probe on a connected socket and
read its first reply, the whole exchange within one deadline (a socket timeout restarts with
every byte, so a server that trickles bytes would otherwise never be cut off)."""

from __future__ import annotations

import socket
import ssl
import time

from xunjian.observe.answer import Answer, Heard, Protocol, Reading, read_tls, shown


def ask(sock: socket.socket, protocol: Protocol, seconds: float, where: str) -> Answer:
    """Send the probe on a connected socket and read the first reply within ``seconds`` in
    all (not per read). ``where`` is the ``host:port`` an HTTP request names."""
    end = time.monotonic() + seconds

    def answer(reading: Reading, got: int) -> Answer:
        return Answer(protocol.name, protocol.asks, reading.heard, reading.text, got, seconds)

    if protocol.read is None:
        return answer(*_handshake(sock, end))
    data = b""
    try:
        _send(sock, protocol.hello(where), end)
        while (reading := protocol.read(data)).heard is Heard.MORE:
            chunk = _recv(sock, end)
            if chunk is None:
                return answer(Reading(Heard.SILENT, shown(data)), len(data))
            if not chunk:
                return answer(Reading(Heard.CLOSED, shown(data)), len(data))
            data += chunk
    except TimeoutError:
        return answer(Reading(Heard.SILENT), len(data))
    except OSError as e:
        return answer(Reading(Heard.CLOSED, e.strerror or type(e).__name__), len(data))
    if protocol.name == "postgresql" and data == b"S":
        _handshake(sock, end)  # finish TLS, so the server logs no "could not accept SSL"
    return answer(reading, len(data))


def _send(sock: socket.socket, data: bytes, end: float) -> None:
    if data:
        sock.settimeout(max(0.001, end - time.monotonic()))
        sock.sendall(data)


def _recv(sock: socket.socket, end: float) -> bytes | None:
    """What arrived, b"" when the peer closed, None when the time is up."""
    left = end - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(4096)
    except TimeoutError:
        return None


def _handshake(sock: socket.socket, end: float) -> tuple[Reading, int]:
    """A TLS handshake through memory buffers, so that the deadline bounds it as a whole. No
    certificate is checked: the question is whether the server speaks, not whom to trust."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing)
    first = b""
    got = 0
    try:
        while True:
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            _send(sock, outgoing.read(), end)
            if done:
                said = f"{tls.version()} {(tls.cipher() or ('?',))[0]}"
                _goodbye(sock, tls, outgoing, end)
                return Reading(Heard.ANSWERED, said), got
            chunk = _recv(sock, end)
            if chunk is None:
                return Reading(Heard.SILENT, shown(first)), got
            if not chunk:
                return Reading(Heard.CLOSED, shown(first)), got
            first = first or chunk[:16]
            got += len(chunk)
            incoming.write(chunk)
    except ssl.SSLError as e:
        record = read_tls(first)
        if record.heard is Heard.ANSWERED:
            return Reading(Heard.ANSWERED, f"{record.text} ({e.reason or e})"), got
        return record if record.heard is Heard.OTHER else Reading(Heard.CLOSED, str(e)), got
    except TimeoutError:
        return Reading(Heard.SILENT), got
    except OSError as e:
        return Reading(Heard.CLOSED, e.strerror or type(e).__name__), got


def _goodbye(sock: socket.socket, tls: ssl.SSLObject, outgoing: ssl.MemoryBIO, end: float) -> None:
    """Send close_notify; the server's own is not waited for."""
    try:
        tls.unwrap()
    except ssl.SSLError:
        pass
    try:
        _send(sock, outgoing.read(), end)
    except OSError:
        pass
