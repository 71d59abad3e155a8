"""Endpoints that gave no answer this run, as an unreachable ssh host is remembered
(:mod:`xunjian.observe.host`): a database or HTTP service (address, port) that timed out once
makes every later check on it UNKNOWN at once, with the same reason, so a hung server costs
one timeout per run, not one per check. Per process: xdist runs a machine's checks on one worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from xunjian.observe.deadline import Overrun, call_within
from xunjian.result import ObservationError

T = TypeVar("T")
Endpoint = tuple[str, int]

_SILENT: dict[Endpoint, str] = {}
_LOCK = threading.Lock()


class Silent(ObservationError):
    """The endpoint gave no answer in time (now, or earlier this run)."""


def remembered(address: str, port: int) -> str | None:
    """Why the endpoint is known not to answer, or None."""
    with _LOCK:
        return _SILENT.get((address, port))


def remember(address: str, port: int, reason: str) -> Silent:
    """Note that the endpoint did not answer (the first reason stays); the error to raise."""
    with _LOCK:
        return Silent(_SILENT.setdefault((address, port), reason))


def check(address: str, port: int) -> None:
    """Raise :class:`Silent` with the remembered reason if the endpoint did not answer before."""
    reason = remembered(address, port)
    if reason is not None:
        raise Silent(reason)


def within(
    address: str,
    port: int,
    seconds: float,
    said: str,
    work: Callable[[], T],
    discard: Callable[[T], None] | None = None,
) -> T:
    """``work()`` within ``seconds`` in all; past them the endpoint is remembered as silent with
    ``said`` (e.g. ``mysql root@127.0.10.1:3306/thqh: no answer within 15 s (connect)``), and
    whatever the abandoned work returns later is handed to ``discard`` (close a connection)."""
    check(address, port)
    late = threading.Event()

    def attempt() -> T:
        value = work()
        if late.is_set() and discard is not None:
            discard(value)
        return value

    try:
        return call_within(seconds, attempt)
    except Overrun:
        late.set()
        raise remember(address, port, said) from None


def reset() -> None:
    """Forget every endpoint (end of a session)."""
    with _LOCK:
        _SILENT.clear()
