"""Secrets: ``${ENV_VAR}`` references resolved from the environment, and their redaction."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from urllib.parse import quote, quote_plus, unquote_plus

from xunjian.inventory.urls import ENV_REF, credential_name

_REDACTED = "***"
_REF_IN_TEXT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_MIN_LENGTH = 4  # shorter values would redact common words out of every message


class MissingSecret(KeyError):
    """A secret that is not in the environment, or that cannot be kept out of reports."""

    def __str__(self) -> str:
        return str(self.args[0])


def forms(value: str) -> set[str]:
    """The value and the ways a message can spell it: Python's and JSON's escapes, URL quoting.

    ``repr`` escapes a single quote only when the text around the value holds both kinds of
    quote, so both spellings are kept.
    """
    spelled = {
        value,
        repr(value)[1:-1],
        repr(value + "'\"")[1:-4],  # as inside a repr that escapes the single quote
        ascii(value)[1:-1],
        repr(value.encode())[2:-1],  # a bytes repr
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    return {s for s in spelled if len(s) >= _MIN_LENGTH}


def unusable(value: str) -> str | None:
    """Why ``value`` cannot be kept out of reports (too short, a control character), or None."""
    if len(value) < _MIN_LENGTH:
        return f"is too short to be kept out of reports (at least {_MIN_LENGTH} characters)"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "holds a control character (a stray newline?)"
    return None


class Secrets:
    """Resolves references and remembers every resolved value so that it can be redacted."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._seen: set[str] = set()

    def name(self, ref: str) -> str:
        m = ENV_REF.match(ref)
        if not m:
            raise ValueError(f"not an environment reference: {ref!r}")
        return m.group(1)

    def resolve(self, ref: str) -> str:
        """The value, remembered for :meth:`redact`; :class:`MissingSecret` names the variable
        (never the value) when it is unset, too short or holds a control character."""
        var = self.name(ref)
        value = self._environ.get(var)
        if not value:
            raise MissingSecret(f"environment variable {var} is not set")
        if problem := unusable(value):
            raise MissingSecret(f"environment variable {var} {problem}")
        self._seen |= forms(value)
        return value

    def remember(self, value: str, what: str) -> None:
        """Treat ``value``, learnt at run time (a token from an answer, a password read from a
        table), as a secret of this process from now on; :class:`MissingSecret` names ``what``
        (never the value) when it cannot be kept out of reports."""
        if problem := unusable(value):
            raise MissingSecret(f"{what} {problem}")
        self._seen |= forms(value)

    def expand(self, text: str) -> str:
        """``text`` (a URL) with each ``${VAR}`` replaced by its resolved value."""
        return _REF_IN_TEXT.sub(lambda m: self.resolve(m[0]), text)

    def redact(self, text: str) -> str:
        for value in sorted(self._seen, key=len, reverse=True):
            text = text.replace(value, _REDACTED)
        return text


_URL_PASSWORD = re.compile(r"(://[^/:@\s]+:)[^@/\s]+@")
_QUERY_VALUE = re.compile(r"([?&;]([^=&#?;\s'\"<>]+)=)([^&#;\s'\"<>]+)")


def _query_value(m: re.Match[str]) -> str:
    keep = not credential_name(unquote_plus(m[2])) or ENV_REF.match(m[3])
    return m[0] if keep else f"{m[1]}{_REDACTED}"


def redact_urls(text: str) -> str:
    """Hide ``user:password@`` and the values of credential-looking query parameters
    (``?access_token=...``, ``&X-Amz-Signature=...``) in URLs, wherever they come from."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _QUERY_VALUE.sub(_query_value, text) if "=" in text else text


SECRETS = Secrets()
