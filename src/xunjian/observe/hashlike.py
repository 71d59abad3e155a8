"""Whether a password read from a table is a stored hash rather than the password itself.

A login with a hash fails and, sent as a password, it leaks the hash to the API: a flow refuses
it and says what it looks like. Pure.
"""

from __future__ import annotations

import re

_CRYPT = (  # modular crypt format and friends, by their prefix
    ("$2a$", "a bcrypt"),
    ("$2b$", "a bcrypt"),
    ("$2x$", "a bcrypt"),
    ("$2y$", "a bcrypt"),
    ("$argon2", "an Argon2"),
    ("$pbkdf2", "a PBKDF2"),
    ("pbkdf2_sha", "a PBKDF2"),  # Django
    ("$scrypt$", "a scrypt"),
    ("$7$", "a scrypt"),
    ("$y$", "a yescrypt"),
    ("$1$", "an MD5-crypt"),
    ("$apr1$", "an Apache MD5"),
    ("$5$", "a SHA-256-crypt"),
    ("$6$", "a SHA-512-crypt"),
)
_HEX = {32: "an MD5", 40: "a SHA-1", 64: "a SHA-256", 128: "a SHA-512"}
_SPRING_ID = re.compile(r"^\{([A-Za-z0-9_-]+)\}")  # Spring Security's {id}encoded
_HEX_DIGITS = re.compile(r"^[0-9A-Fa-f]+$")


def plain(value: str) -> str:
    """The password itself: Spring's ``{noop}`` marks a password stored as it is."""
    return value.removeprefix("{noop}")


def hash_kind(value: str) -> str | None:
    """``"a bcrypt hash"`` when ``value`` looks like a stored hash, else None."""
    spring = _SPRING_ID.match(value)
    if spring and spring[1] != "noop":
        inner = hash_kind(value[spring.end() :])
        return inner or f"a {{{spring[1]}}}-encoded hash"
    for prefix, name in _CRYPT:
        if value.startswith(prefix):
            return f"{name} hash"
    digest = _HEX.get(len(value))
    if digest and _HEX_DIGITS.match(value):
        return f"{digest} hex digest"
    return None
