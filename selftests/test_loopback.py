"""The one loopback predicate of the guard, the alert channels and the lab receiver."""

from __future__ import annotations

import pytest

from xunjian.loopback import is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.10.3", "127.255.255.254", "::1", "[::1]",
                                  "localhost", "LocalHost"])  # fmt: skip
def test_loopback(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["172.17.10.202", "0.0.0.0", "128.0.0.1", "::", "",
                                  "localhost.example.com", "smtp.example.com", "127.0.0.1.nip.io"])  # fmt: skip
def test_not_loopback_and_names_are_not_resolved(host: str) -> None:
    assert not is_loopback(host)
