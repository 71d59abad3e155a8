"""The flow kind's references to values it learns while it runs: ``{{ steps.login.token }}``
(a value an earlier step captured from its answer) and ``{{ credentials.password }}``.

Double braces, never ``${...}``: ``${VAR}`` is an environment secret, which the inventory
resolves before the run; a reference is filled in by the flow itself, step by step. Pure: the
spec checks references at load (:mod:`xunjian.checks.flowspec`), the observer fills them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

STEP_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]*"
CAPTURE_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
CREDENTIALS = ("credentials.username", "credentials.password")

_BRACED = re.compile(r"\{\{([^{}]*)\}\}")
_NAME = re.compile(rf"^(?:steps\.{STEP_NAME}\.{CAPTURE_NAME}|credentials\.(?:username|password))$")
SYNTAX = "{{ steps.STEP.NAME }} or {{ credentials.username }} / {{ credentials.password }}"


class RefError(ValueError):
    """A template that is not well formed; the message names the bad text."""


def names(text: str) -> list[str]:
    """The references in ``text``, in order (``steps.login.token``); :class:`RefError` for a
    malformed one, a stray brace pair, or a ``${VAR}``, which a flow does not expand."""
    if "${" in text:
        raise RefError(
            "a ${VAR} environment secret is not expanded here: give it under credentials "
            "(password: ${VAR}) and refer to it as {{ credentials.password }}"
        )
    found = []
    for m in _BRACED.finditer(text):
        name = m[1].strip()
        if not _NAME.match(name):
            raise RefError(f"{m[0]!r} is not a reference: write {SYNTAX}")
        found.append(name)
    rest = _BRACED.sub("", text)
    if "{{" in rest or "}}" in rest:
        raise RefError(f"unbalanced {{{{ or }}}} in {text!r}: write {SYNTAX}")
    return found


def step_of(name: str) -> str | None:
    """``steps.login.token`` -> ``login``; None for a credential."""
    parts = name.split(".")
    return parts[1] if parts[0] == "steps" else None


def strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(key path, text) of every string in a JSON-like value (keys and values alike)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            key = f"{where}.{k}" if where else str(k)
            yield key, str(k)
            yield from strings(v, key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{where}[{i}]")


def fill(text: str, values: Mapping[str, Any]) -> Any:
    """``text`` with its references replaced; a text that is one reference alone becomes the
    value itself (a number stays a number in a JSON body). A KeyError names a missing value."""
    whole = _BRACED.fullmatch(text.strip())
    if whole and text.strip() == text:
        return values[whole[1].strip()]
    return _BRACED.sub(lambda m: str(values[m[1].strip()]), text)


def fill_json(value: Any, values: Mapping[str, Any]) -> Any:
    """A JSON-like value with every string's references replaced (keys are left as written)."""
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, dict):
        return {k: fill_json(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_json(v, values) for v in value]
    return value
