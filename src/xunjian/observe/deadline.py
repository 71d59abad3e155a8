"""A deadline for work whose own time limits apply per read or per step, not to the whole.

A socket timeout restarts with every byte, so a server that trickles bytes is never cut off by
it. The work runs in a daemon thread and the caller stops waiting at the deadline; the thread
is abandoned (Python cannot stop it) and ends when its own limits or the peer let it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from xunjian.result import ObservationError

GRACE = 5  # seconds a transport may add to its own time limits before it counts as silent

T = TypeVar("T")


class Overrun(ObservationError):
    """The work gave no answer within its deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g}s")
        self.seconds = seconds


def call_within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s value or exception; :class:`Overrun` once ``seconds`` have passed."""
    value: list[T] = []
    error: list[BaseException] = []

    def call() -> None:
        try:
            value.append(work())
        except BaseException as e:  # handed to the caller below
            error.append(e)

    worker = threading.Thread(target=call, name="xunjian-deadline", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Overrun(seconds)
    if error:
        raise error[0]
    return value[0]
