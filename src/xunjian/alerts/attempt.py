"""One try at sending a message, and what every channel's sender offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Attempt:
    """Delivered, or why not; ``retry`` when another try may succeed (rate limit, HTTP 429 or
    5xx, an SMTP 4xx), ``wait`` when the service said how many seconds to wait."""

    ok: bool
    reason: str = ""
    retry: bool = False
    wait: float | None = None


DELIVERED = Attempt(ok=True)


class Sender(Protocol):
    """Sends the final text of a message through one channel, once."""

    def send(self, text: str) -> Attempt: ...
