"""Unmasked personal data in a line of text (pure): mainland mobile numbers, 18-digit resident
ID numbers whose check digit is valid (GB 11643-1999, ISO 7064 MOD 11-2) and e-mail addresses.
Masked forms (``138****1234``, ``1101**********1234``, ``z***@example.com``) are not found.
A finding names its type only: the value itself is never returned."""

from __future__ import annotations

import re

# not inside a longer digit run, except after the country code: 86 / 0086 / +86
MOBILE = re.compile(r"(?:(?<![0-9])|(?<=(?<![0-9])86)|(?<=(?<![0-9])0086))1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
TYPES = ("mobile", "id_number", "email")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def valid_id(number: str) -> bool:
    return len(number) == 18 and id_check_digit(number[:17]) == number[17].upper()


def found(line: str, kinds: tuple[str, ...] = TYPES) -> list[str]:
    """The types of personal data unmasked in ``line``, one entry per occurrence."""
    hits: list[str] = []
    if "mobile" in kinds:
        hits += ["mobile"] * len(MOBILE.findall(line))
    if "id_number" in kinds:
        hits += ["id_number" for m in ID_NUMBER.findall(line) if valid_id(m)]
    if "email" in kinds:
        hits += ["email"] * len(EMAIL.findall(line))
    return hits
