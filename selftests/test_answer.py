"""Application-level probes: each protocol's reply table (accept, read on, reject), the default
protocol by owner process, the port kind's `answer:` key, and the I/O against small servers
(one that answers, one silent, one that trickles, one that hangs up, one of another protocol)."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError
from scratch import Tarpit, says_then_stalls, trickles

from xunjian.checks import port
from xunjian.checks.port import PortCheck, PortObservation
from xunjian.observe.answer import (
    NAMES,
    PROTOCOLS,
    SSL_REQUEST,
    Answer,
    Heard,
    default_for,
    read_http,
    read_mysql,
    read_postgresql,
    read_redis,
    read_ssh,
    read_tls,
)
from xunjian.observe.ask import ask
from xunjian.observe.sockets import Listener
from xunjian.result import Verdict

ANSWERED, MORE, OTHER = Heard.ANSWERED, Heard.MORE, Heard.OTHER
GREETING = (
    b"\x0a10.11.6-MariaDB-0+deb12u1\x00\x05\x00\x00\x00abcdefgh\x00\xfe\xf7\x08\x02\x00"
    + b"\xff\x81\x15"
    + b"\x00" * 10
    + b"ijklmnopqrst\x00mysql_native_password\x00"
)
MYSQL_GREETING = len(GREETING).to_bytes(3, "little") + b"\x00" + GREETING
DENIED = b"\xff\x6a\x04#HY000Host '10.0.0.9' is not allowed to connect to this MariaDB server"
MYSQL_DENIED = len(DENIED).to_bytes(3, "little") + b"\x00" + DENIED
PG_ERROR = b"E\x00\x00\x00\x2aSFATAL\x00C53300\x00Msorry, too many clients\x00\x00"

Reader = Callable[[bytes], Any]


@pytest.mark.parametrize(
    ("read", "data", "heard", "text"),
    [
        # redis: a RESP reply line
        (read_redis, b"+PONG\r\n", ANSWERED, "+PONG"),
        (read_redis, b"-NOAUTH Authentication required.\r\n", ANSWERED, "-NOAUTH"),
        (read_redis, b"-LOADING Redis is loading the dataset in memory\r\n", ANSWERED, "LOADING"),
        (read_redis, b"", MORE, ""),
        (read_redis, b"+PO", MORE, ""),
        (read_redis, b"HTTP/1.1 400 Bad Request\r\n", OTHER, "HTTP/1.1 400"),
        (read_redis, b"SSH-2.0-OpenSSH_9.2\r\n", OTHER, "SSH-2.0"),
        (read_redis, b"+" + b"x" * 600, OTHER, "+xxx"),
        # mysql: the server speaks first, protocol byte 10 or an error packet
        (read_mysql, MYSQL_GREETING, ANSWERED, "protocol 10, 10.11.6-MariaDB-0+deb12u1"),
        (read_mysql, MYSQL_DENIED, ANSWERED, "error 1130: Host '10.0.0.9' is not allowed"),
        (read_mysql, MYSQL_GREETING[:4], MORE, ""),
        (read_mysql, MYSQL_GREETING[:20], MORE, ""),
        (read_mysql, b"SSH-2.0-OpenSSH_9.2\r\n", OTHER, "SSH-2.0"),
        (read_mysql, b"HTTP/1.1 400 Bad Request", OTHER, "HTTP"),
        (read_mysql, b"\x05\x00\x00\x01\x0axyz", OTHER, ""),  # a sequence number of 1
        (read_mysql, b"\x05\x00\x00\x00\x09xyz", OTHER, ""),  # protocol 9
        # postgresql: one byte answers the SSLRequest, or an error message
        (read_postgresql, b"S", ANSWERED, "SSL: yes"),
        (read_postgresql, b"N", ANSWERED, "SSL: no"),
        (read_postgresql, PG_ERROR, ANSWERED, "error: sorry, too many clients"),
        (read_postgresql, PG_ERROR[:9], MORE, ""),
        (read_postgresql, b"", MORE, ""),
        (read_postgresql, b"SSH-2.0-x\r\n", OTHER, "SSH-2.0"),
        (read_postgresql, b"HTTP/1.1 400 Bad Request\r\n", OTHER, "HTTP"),
        # http: any status line
        (read_http, b"HTTP/1.1 200 OK\r\nServer: nginx\r\n", ANSWERED, "HTTP/1.1 200 OK"),
        (read_http, b"HTTP/1.1 400 Bad Request\r\n", ANSWERED, "HTTP/1.1 400 Bad Request"),
        (read_http, b"HTTP/1.0 503 Service Unavailable\n", ANSWERED, "HTTP/1.0 503"),
        (read_http, b"HTTP/1.1 2", MORE, ""),
        (read_http, b"HTT", MORE, ""),
        (read_http, b"-ERR unknown command 'HEAD'\r\n", OTHER, "-ERR"),
        (read_http, b"HTTP/1.1 OK\r\n", OTHER, "HTTP/1.1 OK"),
        (read_http, MYSQL_GREETING, OTHER, ""),
        # ssh: the identification line
        (read_ssh, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", ANSWERED, "SSH-2.0-OpenSSH_9.2p1"),
        (read_ssh, b"SSH-2.0-Open", MORE, ""),
        (read_ssh, b"S", MORE, ""),
        (read_ssh, b"HTTP/1.1 400 Bad Request\r\n", OTHER, "HTTP"),
        (read_ssh, MYSQL_GREETING, OTHER, ""),
        # tls: a record header tells a TLS server that refused the handshake from another one
        (read_tls, b"\x16\x03\x03\x00\x7a\x02", ANSWERED, "a TLS handshake record"),
        (read_tls, b"\x15\x03\x03\x00\x02\x02\x28", ANSWERED, "a TLS alert"),
        (read_tls, b"\x16\x03", MORE, ""),
        (read_tls, b"HTTP/1.1 400 Bad Request\r\n", OTHER, "HTTP"),
        (read_tls, b"SSH-2.0-x\r\n", OTHER, "SSH"),
    ],
)
def test_a_reply_is_read_as_its_protocol(
    read: Reader, data: bytes, heard: Heard, text: str
) -> None:
    reading = read(data)
    assert reading.heard is heard, reading
    assert text in reading.text


def test_every_answer_name_has_a_probe() -> None:
    assert set(NAMES) == {*PROTOCOLS, "none"}
    assert (
        PROTOCOLS["postgresql"].hello("h:5432")
        == SSL_REQUEST
        == b"\x00\x00\x00\x08\x04\xd2\x16\x2f"
    )
    assert PROTOCOLS["redis"].hello("h:6379") == b"*1\r\n$4\r\nPING\r\n"
    assert (
        PROTOCOLS["http"]
        .hello("10.0.0.1:8080")
        .startswith(b"HEAD / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n")
    )
    for server_speaks_first in ("mysql", "ssh", "tls"):
        assert PROTOCOLS[server_speaks_first].hello("h:1") == b""


@pytest.mark.parametrize(
    ("processes", "protocol"),
    [
        (["redis-server"], "redis"),
        (["mysqld", "mariadbd"], "none"),  # max_connect_errors: only when asked for
        (["postgres"], "postgresql"),
        (["sshd"], "ssh"),
        (["nginx"], "http"),
        (["minio", "weed"], "http"),
        # not certain: none
        (["java"], "none"),  # HTTP, or DataX on 9999
        (["minio", "python", "python3"], "none"),  # one unknown name is enough
        (["nginx", "redis-server"], "none"),  # two protocols
        (None, "none"),
        ([], "none"),
    ],
)
def test_the_default_probe_comes_from_known_owners_only(
    processes: list[str] | None, protocol: str
) -> None:
    assert default_for(processes) == protocol


SPEC: dict[str, Any] = {"kind": "port", "port": 6379, "process": ["redis-server"]}


@pytest.mark.parametrize(
    ("spec", "asks"),
    [
        (SPEC, "redis PING"),
        (SPEC | {"answer": "none"}, None),
        (SPEC | {"process": ["java"]}, None),
        (SPEC | {"process": ["java"], "answer": "http"}, "http HEAD /"),
        (SPEC | {"process": None, "answer": "tls"}, "tls handshake"),
        (SPEC | {"outside": False}, None),  # asked from the runner only
    ],
)
def test_the_answer_key_and_its_default(spec: dict[str, Any], asks: str | None) -> None:
    case = make_case(spec)
    chosen = port.protocol(case)
    assert (f"{chosen.name} {chosen.asks}" if chosen else None) == asks
    assert (f"answers {asks} within 5 s" in port.expected(case)) == (asks is not None)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (SPEC | {"answer": "redis", "outside": False}, "answer: redis needs outside: true"),
        (SPEC | {"answer": "memcached"}, "answer"),
        (SPEC | {"answer": True}, "answer"),
    ],
)
def test_an_answer_that_cannot_be_asked_is_refused(spec: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        PortCheck.model_validate(spec | {"step": "1.1"})


LISTENING = (Listener("127.0.10.1", 6379, (("redis-server", 900),)),)


@pytest.mark.parametrize(
    ("answer", "verdict", "message"),
    [
        (Answer("redis", "PING", ANSWERED, "+PONG", 7, 5), Verdict.OK, ""),
        (
            Answer("redis", "PING", Heard.SILENT, "", 0, 5),
            Verdict.CRIT,
            "port 6379 listens but does not answer (redis PING: no reply within 5 s)",
        ),
        (
            Answer("redis", "PING", Heard.SILENT, "+PO", 3, 5),
            Verdict.CRIT,
            "does not answer (redis PING: 3 byte(s), then no complete reply within 5 s)",
        ),
        (
            Answer("redis", "PING", Heard.CLOSED, "", 0, 5),
            Verdict.CRIT,
            "does not answer (redis PING: the connection was closed without a reply)",
        ),
        (
            Answer("redis", "PING", OTHER, "HTTP/1.1 400", 20, 5),
            Verdict.CRIT,
            "port 6379 answers, but not as redis (redis PING: not a redis reply: HTTP/1.1 400)",
        ),
        (None, Verdict.OK, ""),  # not asked: the LISTEN row alone
    ],
)
def test_the_answer_is_judged_after_the_listen_row(
    answer: Answer | None, verdict: Verdict, message: str
) -> None:
    case = make_case(SPEC)
    result = port.evaluate(case, PortObservation(LISTENING, None, False, (), answer))
    assert_result(result, verdict, message)
    if answer is not None:
        assert answer.describe() in result.actual
    not_listening = port.evaluate(case, PortObservation((), None, False, (), answer))
    assert_result(not_listening, Verdict.CRIT, "port 6379 is not listening")


# -- the I/O against small servers ---------------------------------------------------------


def asked(pit: Tarpit, name: str, seconds: float = 0.5) -> tuple[Answer, float]:
    with socket.create_connection((pit.address, pit.port), timeout=1) as sock:
        start = time.monotonic()
        answer = ask(sock, PROTOCOLS[name], seconds, f"{pit.address}:{pit.port}")
        return answer, time.monotonic() - start


@pytest.fixture
def pits() -> Iterator[list[Tarpit]]:
    made: list[Tarpit] = []
    yield made
    for pit in made:
        pit.close()


def replies(data: bytes) -> Callable[[socket.socket, threading.Event], None]:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        conn.sendall(data)
        stop.wait()

    return behave


def hangs_up(conn: socket.socket, stop: threading.Event) -> None:
    conn.close()


@pytest.mark.parametrize(
    ("name", "behave", "heard", "text"),
    [
        ("redis", replies(b"+PONG\r\n"), ANSWERED, "+PONG"),
        ("redis", None, Heard.SILENT, ""),
        ("redis", trickles(b"+PONG\r\n", 0.2), Heard.SILENT, "+P"),  # cut as a whole
        ("redis", hangs_up, Heard.CLOSED, ""),
        ("redis", replies(b"HTTP/1.1 400 Bad Request\r\n\r\n"), OTHER, "HTTP/1.1 400"),
        ("mysql", says_then_stalls(MYSQL_GREETING), ANSWERED, "protocol 10"),
        ("mysql", says_then_stalls(MYSQL_GREETING[:10]), Heard.SILENT, ""),
        ("postgresql", replies(b"N"), ANSWERED, "SSL: no"),
        ("http", replies(b"HTTP/1.1 204 No Content\r\n\r\n"), ANSWERED, "HTTP/1.1 204"),
        ("http", says_then_stalls(b"HTTP/1.1 2"), Heard.SILENT, ""),
        ("ssh", says_then_stalls(b"SSH-2.0-OpenSSH_9.2\r\n"), ANSWERED, "SSH-2.0-OpenSSH_9.2"),
        ("ssh", None, Heard.SILENT, ""),
        ("tls", replies(b"HTTP/1.1 400 Bad Request\r\n\r\n"), OTHER, "HTTP/1.1 400"),
        ("tls", None, Heard.SILENT, ""),
    ],
)
def test_ask_reads_the_first_reply_within_one_deadline(
    pits: list[Tarpit],
    name: str,
    behave: Callable[[socket.socket, threading.Event], None] | None,
    heard: Heard,
    text: str,
) -> None:
    pits.append(Tarpit("127.0.40.6", behave))
    answer, took = asked(pits[-1], name)
    assert answer.heard is heard, answer
    assert text in answer.text
    assert took < 0.5 + 0.3


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A TLS server with a throwaway self-signed certificate."""
    where = tmp_path_factory.mktemp("tls")
    key, cert = where / "key.pem", where / "cert.pem"
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    argv += ["-nodes", "-subj", "/CN=xunjian-test", "-days", "1"]
    subprocess.run(
        [*argv, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(Path(cert), Path(key))
    server = socket.create_server(("127.0.40.6", 0))

    def serve() -> None:
        while True:
            try:
                conn = server.accept()[0]
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(2)
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    yield "127.0.40.6", int(server.getsockname()[1])
    server.close()


def test_a_tls_handshake_is_an_answer(tls_server: tuple[str, int]) -> None:
    with socket.create_connection(tls_server, timeout=1) as sock:
        answer = ask(sock, PROTOCOLS["tls"], 2, "x")
    assert answer.heard is ANSWERED and answer.text.startswith("TLSv1.3"), answer
