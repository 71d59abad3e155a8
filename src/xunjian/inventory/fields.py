"""Field types of the inventory schema and their validators, with plain-language messages.

A validator whose input may hold a secret raises :func:`secret_error`: the message never
quotes the rejected value (see :mod:`xunjian.inventory.errors`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal, get_args

from jsonpath_ng import parse as jsonpath
from jsonpath_ng.exceptions import JSONPathError
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from xunjian.inventory import urls
from xunjian.inventory.urls import ENV_REF as ENV_REF  # secrets are ${ENV_VAR} references
from xunjian.threshold import Threshold

Level = Literal["P0", "P1", "P2", "P3"]  # alert levels: P0 wakes someone, P3 waits a day

Cadence = Literal["daily", "weekly", "biweekly"]
Severity = Literal["blocker", "critical", "normal", "minor", "trivial"]
Op = Literal["==", "!=", "<", "<=", ">", ">="]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
NonEmpty = Annotated[str, Field(min_length=1)]

SECRET_ERROR = "secret_value"  # the error type whose input is never echoed


def secret_error(message: str, key: str | None = None) -> PydanticCustomError:
    """A validation error about a value that may be a secret; ``key`` names a key below the
    field (a header name), so that the error's key path ends there."""
    return PydanticCustomError(SECRET_ERROR, message, {"subkey": key} if key else None)


def _secret_ref(value: str) -> str:
    if not ENV_REF.match(value):
        raise secret_error(
            "must be an environment reference such as ${THQH_MYSQL_PASSWORD}; "
            "secrets are never written into an inventory"
        )
    return value


_SECRET_REF = AfterValidator(_secret_ref)
SecretRef = Annotated[
    str,
    _SECRET_REF,
    Field(description="an ${ENV_VAR} reference, resolved at run time"),
]


def _text_or_ref(value: str) -> str:
    if "${" in value and not ENV_REF.match(value):
        raise secret_error("must be a plain value or one ${ENV_VAR} reference, not a mix")
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise secret_error("must be a non-empty value without control characters")
    return value


_TEXT_OR_REF = AfterValidator(_text_or_ref)
TextOrSecret = Annotated[
    str,
    _TEXT_OR_REF,
    Field(
        description="a plain value (a user name), or an ${ENV_VAR} reference resolved at run time"
    ),
]


def holds_secret(field: FieldInfo) -> bool:
    """Whether a model field is a :data:`SecretRef` (or :data:`TextOrSecret`) or a mapping of
    them."""
    if _SECRET_REF in field.metadata or _TEXT_OR_REF in field.metadata:
        return True
    return any(t in get_args(field.annotation) for t in (SecretRef, TextOrSecret))


_CREDENTIAL_NAME = re.compile(r"auth|token|key|secret|cookie|password|session", re.IGNORECASE)


def _no_credentials(headers: dict[str, str]) -> dict[str, str]:
    for name in headers:
        if _CREDENTIAL_NAME.search(name):
            raise secret_error(
                "looks like a credential, and headers are sent as written: put it under "
                "secret_headers as an ${ENV_VAR} reference",
                key=name,
            )
    return headers


Headers = Annotated[dict[str, str], AfterValidator(_no_credentials)]


def _checked(check: Callable[[str], urls.Problem | None]) -> Callable[[str], str]:
    """A validator from one of :mod:`~xunjian.inventory.urls`' checks."""

    def validate(value: str) -> str:
        problem = check(value)
        if problem is None:
            return value
        if problem.secret:
            raise secret_error(problem.message)
        raise ValueError(problem.message)

    return validate


Url = Annotated[
    str,
    AfterValidator(_checked(urls.url_problem)),
    Field(
        description="http(s)://host[:port]/path, no user:password@; a credential query "
        "parameter only as an ${ENV_VAR} reference",
        json_schema_extra={"pattern": r"^https?://[^/@\s]+(/|$)"},
    ),
]
Address = Annotated[
    str,
    AfterValidator(_checked(urls.address_problem)),
    Field(description="an IP address or a host name (RFC 1123); no scheme, port or user"),
]


def _jsonpath(value: str) -> str:
    try:
        jsonpath(value)
    except JSONPathError as e:  # the lexer's and the parser's errors
        raise ValueError(f"not a JSONPath ({str(e).strip()}); e.g. $.status") from None
    return value


JsonPath = Annotated[str, AfterValidator(_jsonpath), Field(description="a JSONPath, e.g. $.status")]


_CONNECTION = _checked(urls.connection_problem)


def _connection(spec: str | None) -> str | None:
    return None if spec is None else _CONNECTION(spec)


Connection = Annotated[str | None, AfterValidator(_connection)]


def _not_bool(value: object) -> object:
    """YAML reads yes, no, on, off, true and false as booleans; Python counts them as 1 and 0."""
    if isinstance(value, bool):
        raise ValueError(
            "expected a number, got a boolean (YAML reads yes, no, on, off, true and false "
            "as booleans)"
        )
    return value


NotBool = BeforeValidator(_not_bool)


def _age_shorthand(value: object) -> object:
    """``36h`` is short for ``{crit: "> 36h"}``."""
    return {"crit": f"> {value}"} if isinstance(value, str) else value


def _time_family(value: Threshold) -> Threshold:
    if value.family != "time":
        raise ValueError('an age needs a time unit (ms, s, min, h, d), e.g. 36h or {crit: "> 2 d"}')
    return value


Age = Annotated[
    Threshold,
    BeforeValidator(_age_shorthand),
    AfterValidator(_time_family),
    Field(description='an age: 36h (CRIT above) or {warn: "> 26 h", crit: "> 36 h"}'),
]
