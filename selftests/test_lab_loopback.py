"""The lab's own servers stay on loopback: no name lookups that would reach a DNS server."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler

import pytest

from xunjian.lab.apps.console import NoLookupHTTPServer, ThreadingHTTPServer


def refuse_lookup(*args: object) -> str:
    raise AssertionError(f"a name lookup for {args!r}: that query would leave loopback")


def test_http_server_binds_without_a_reverse_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getfqdn", refuse_lookup)
    with NoLookupHTTPServer(("127.0.10.3", 0), BaseHTTPRequestHandler) as server:
        assert server.server_name == "127.0.10.3"
        assert server.server_port == server.socket.getsockname()[1]


def test_the_plain_http_server_would_look_the_address_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin: what the console's server class avoids."""
    monkeypatch.setattr(socket, "getfqdn", refuse_lookup)
    with pytest.raises(AssertionError, match="name lookup"):
        ThreadingHTTPServer(("127.0.10.3", 0), BaseHTTPRequestHandler)
