"""What a restore drill must translate when the source is MySQL 8 and the runner can only run
MariaDB: applied to the stream on its way into the scratch server, never to the dump itself.

- MySQL 8's ``utf8mb4_0900_*`` collations do not exist in MariaDB before 11.4.5: they become
  ``utf8mb4_unicode_520_ci`` (the nearest; the bytes stored are the same).
- ``/*!80xxx ... */`` comments hold MySQL 8 syntax (``DEFAULT ENCRYPTION='N'``), and MariaDB,
  whose version numbers are higher (10.x = 100000+), would run it: they are dropped.

The figures still compare: checksums read stored bytes, not their sort order.
"""

from __future__ import annotations

import re

from xunjian.actions.mysql_source import Server

_COLLATION = re.compile(rb"\butf8mb4_0900_[a-z_]+\b")
_MYSQL8_COMMENT = re.compile(rb"/\*!80\d{3}.*?\*/")
NEAREST = b"utf8mb4_unicode_520_ci"


def needed(source: Server, scratch: Server) -> bool:
    """A MySQL source restored into MariaDB."""
    return source.flavour == "MySQL" and scratch.flavour == "MariaDB"


class Translator:
    """Line by line (a rule never spans lines in a dump): ``feed`` what came, ``end`` last."""

    def __init__(self) -> None:
        self._carry = b""
        self.collations = 0
        self.comments = 0

    def feed(self, chunk: bytes) -> bytes:
        text = self._carry + chunk
        cut = text.rfind(b"\n") + 1
        self._carry = text[cut:]
        return self._line(text[:cut])

    def end(self) -> bytes:
        rest, self._carry = self._carry, b""
        return self._line(rest)

    def _line(self, text: bytes) -> bytes:
        text, n = _COLLATION.subn(NEAREST, text)
        self.collations += n
        text, n = _MYSQL8_COMMENT.subn(b"", text)
        self.comments += n
        return text

    def summary(self) -> str:
        return (
            f"translated for MariaDB: {self.collations} utf8mb4_0900 collation(s), "
            f"{self.comments} MySQL 8 comment(s) dropped"
        )
