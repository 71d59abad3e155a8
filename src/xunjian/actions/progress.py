"""Progress of a long action on one terminal line, rewritten in place, when stderr is a
terminal (bytes and objects); silent otherwise (under pytest's capture, in CI, in cron)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def size(n: float) -> str:
    """``3355443`` -> ``3.2 MiB``."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class Progress:
    """``show()`` as often as you like: the line is rewritten at most every ``interval`` s."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.25) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.live = _isatty(self.stream)
        self.interval = interval
        self._last = 0.0
        self._lock = threading.Lock()  # the dump's figures run in a thread of their own

    def show(self, text: str) -> None:
        if not self.live:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval:
                return
            self._last = now
            self.stream.write(f"\r\x1b[K{self.label}: {text}")
            self.stream.flush()

    def done(self, text: str) -> None:
        """The phase's last word, left on its own line."""
        if not self.live:
            return
        with self._lock:
            self.stream.write(f"\r\x1b[K{self.label}: {text}\n")
            self.stream.flush()
            self._last = 0.0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or a replaced stream
        return False
