"""What a query returned, whatever the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ROWS = 1000  # rows kept of a result; more are reported as truncated


@dataclass(frozen=True)
class Rows:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
