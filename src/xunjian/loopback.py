"""Whether a host is this machine's loopback: ``localhost`` or an address in 127.0.0.0/8 or
``::1``. Other names are not resolved: resolving them would already be traffic."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
