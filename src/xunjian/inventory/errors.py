"""Inventory errors that name the file, the key path and what was expected."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from xunjian.inventory.fields import SECRET_ERROR
from xunjian.inventory.model import ENGINES
from xunjian.inventory.secrets import redact_urls


class InventoryError(Exception):
    """A malformed inventory. ``str()`` is the message the run stops with."""

    def __init__(self, path: Path | str, problems: Iterable[str]) -> None:
        self.path = str(path)
        self.problems = [redact_urls(p) for p in problems]
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


def _tag(raw: list[int | str], i: int, kinds: tuple[str, ...]) -> bool:
    """Whether ``raw[i]`` is the tag of a tagged union rather than a key of the file: a kind
    after a list index (checks[0].port.port), an engine after a database's name."""
    p = raw[i]
    if p in kinds and i and isinstance(raw[i - 1], int):
        return True
    return p in ENGINES and i >= 2 and raw[i - 2] == "databases"


def from_validation(path: Path | str, error: ValidationError) -> InventoryError:
    from xunjian.inventory.schema import KINDS, SECRET_KEYS  # the schema needs the registry

    # a rejected value under these keys is never echoed: it may be a secret, or carry one
    no_echo = SECRET_KEYS | {"connection", "headers"}
    problems = []
    for e in error.errors(include_url=False):
        raw = list(e["loc"])
        loc = [p for i, p in enumerate(raw) if not _tag(raw, i, KINDS)]
        if below := e.get("ctx", {}).get("subkey"):  # a validator named the key it rejects
            loc.append(str(below))
        secret = e["type"] == SECRET_ERROR or any(isinstance(p, str) and p in no_echo for p in loc)
        msg = _strict(e["type"], e.get("input")) or e["msg"].removeprefix("Value error, ")
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


_NUMBER_TYPES = {"int_type": "integer", "float_type": "number"}
_ARTICLE = {"integer": "an integer", "number": "a number"}


def _strict(kind: str, value: object) -> str | None:
    """Plain words for what strict types refuse: YAML's booleans and quoted or fractional numbers
    where a number is meant, a quoted or numeric boolean."""
    noun = _NUMBER_TYPES.get(kind)
    if noun and isinstance(value, bool):
        return (
            f"Input should be a valid {noun}, not a boolean (YAML reads yes, no, on, off, "
            "true and false as booleans)"
        )
    if noun and isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"Input should be a valid {noun}, unable to parse string as {_ARTICLE[noun]}"
        return f"Input should be a valid {noun}, not a quoted string: write it without quotes"
    if kind == "int_type" and isinstance(value, float):
        return "Input should be a valid integer, not a number with a decimal point"
    if kind == "bool_type":
        return "Input should be a valid boolean: true or false, unquoted"
    if kind == "finite_number":
        return "Input should be a finite number (.inf and .nan are not)"
    return None


def _is_mapping(value: object) -> bool:
    return isinstance(value, dict | list)
