"""Secrets: ``${ENV_VAR}`` references resolved from the environment, and their redaction."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from xunjian.inventory.schema import ENV_REF

_REDACTED = "***"


class MissingSecret(KeyError):
    pass


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

    def missing(self, ref: str) -> bool:
        return not self._environ.get(self.name(ref))

    def resolve(self, ref: str) -> str:
        var = self.name(ref)
        value = self._environ.get(var)
        if not value:
            raise MissingSecret(f"environment variable {var} is not set")
        if len(value) < 4:
            raise MissingSecret(
                f"environment variable {var} is too short to be kept out of reports"
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise MissingSecret(
                f"environment variable {var} holds a control character (a stray newline?)"
            )
        self._seen.add(value)
        return value

    def redact(self, text: str) -> str:
        for value in sorted(self._seen, key=len, reverse=True):
            text = text.replace(value, _REDACTED)
        return text


_URL_PASSWORD = re.compile(r"(://[^/:@\s]+:)[^@/\s]+@")


def redact_urls(text: str) -> str:
    """Hide ``user:password@`` in URLs, wherever they come from."""
    return _URL_PASSWORD.sub(r"\1***@", text)


SECRETS = Secrets()
