"""Inventory errors that name the file, the key path and what was expected."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError


class InventoryError(Exception):
    """A malformed inventory. ``str()`` is the message the run stops with."""

    def __init__(self, path: Path | str, problems: Iterable[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid inventory {self.path}:\n{lines}")


def key_path(loc: Iterable[int | str]) -> str:
    """``('systems', 'miniapp', 'hosts', 'prod', 'checks', 0, 'port', 'port')`` -> a dotted path.

    pydantic puts the discriminator value of a tagged union into ``loc``; it is not a key of the
    file, so it is dropped when it repeats the ``kind`` the user wrote.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


_KINDS = {"port", "process", "sql", "log", "http", "s3"}
_SECRET_KEYS = {
    "password",
    "secret_key",
    "secret_headers",
    "connection",
}  # a rejected value is never echoed


def from_validation(path: Path | str, error: ValidationError) -> InventoryError:
    problems = []
    for e in error.errors(include_url=False):
        raw = list(e["loc"])
        # the tag of a tagged union follows the list index: checks[0].port.port -> checks[0].port
        loc = [
            p for i, p in enumerate(raw) if not (p in _KINDS and i and isinstance(raw[i - 1], int))
        ]
        secret = any(isinstance(p, str) and p in _SECRET_KEYS for p in loc)
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        if (
            not secret
            and "input" in e
            and e["type"] not in ("missing", "extra_forbidden")
            and not _is_mapping(e["input"])
        ):
            msg += f" (got {e['input']!r})"
        problems.append(f"{key_path(loc)}: {msg}")
    return InventoryError(path, problems)


def _is_mapping(value: object) -> bool:
    return isinstance(value, dict | list)
