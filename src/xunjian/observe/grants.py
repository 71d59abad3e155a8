"""MySQL/MariaDB ``SHOW GRANTS`` lines, read for what they allow beyond reading (pure).

Read-only, and so not reported: SELECT, SHOW VIEW, USAGE (no privilege at all), SHOW
DATABASES, PROCESS (see other sessions and ``SHOW ENGINE ... STATUS``), REPLICATION CLIENT and
MariaDB's BINLOG MONITOR / SLAVE MONITOR / REPLICA MONITOR (replication status), SHOW_ROUTINE:
each reads data or server status. Everything else is named, with its scope (``INSERT, UPDATE ON
`thqh`.*``, ``ALL PRIVILEGES ON *.*``, ``SUPER ON *.*``), and so are WITH GRANT OPTION, WITH
ADMIN OPTION and PROXY. A grant line is never shown as such: it may hold a password hash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

READ_ONLY = frozenset(
    {
        "SELECT",
        "SHOW VIEW",
        "USAGE",
        "SHOW DATABASES",
        "PROCESS",
        "REPLICATION CLIENT",
        "BINLOG MONITOR",
        "SLAVE MONITOR",
        "REPLICA MONITOR",
        "SHOW_ROUTINE",
    }
)

_QUOTED = r"`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'"
_OBJECT = rf"(?:(?:PROCEDURE|FUNCTION|PACKAGE BODY|PACKAGE|TABLE) )?(?:{_QUOTED}|[^\s`'])+"
_ON = re.compile(
    rf"^GRANT (?P<privs>(?:{_QUOTED}|[^`'])+?) ON (?P<obj>{_OBJECT}) TO (?P<rest>.*)$", re.DOTALL
)
_ROLES = re.compile(r"^GRANT (?P<roles>.+?) TO (?P<rest>.*)$", re.DOTALL)
_SKIPPED = ("SET DEFAULT ROLE", "REVOKE ")  # a default role; MySQL's partial revokes (less)


@dataclass
class Grants:
    beyond: list[str] = field(default_factory=list)  # privileges beyond reading, with scope
    roles: list[str] = field(default_factory=list)  # granted roles, as the server quotes them


def read(lines: Iterable[str]) -> Grants:
    """What ``SHOW GRANTS`` lines allow beyond reading, and the roles they grant."""
    out = Grants()
    for line in (ln.strip() for ln in lines):
        if not line or line.upper().startswith(_SKIPPED):
            continue
        if m := _ON.match(line):
            obj = m["obj"]
            extra = [p for p in split(m["privs"]) if _name(p) not in READ_ONLY]
            if extra:
                out.beyond.append(f"{', '.join(extra)} ON {obj}")
            if "GRANT OPTION" in _unquoted(m["rest"]):
                out.beyond.append(f"GRANT OPTION ON {obj}")
        elif m := _ROLES.match(line):
            roles = split(m["roles"])
            out.roles += roles
            if "ADMIN OPTION" in _unquoted(m["rest"]):
                out.beyond.append(f"ADMIN OPTION ON role {', '.join(roles)}")
        else:
            out.beyond.append("a grant line xunjian cannot read (not shown: it may hold a hash)")
    return out


def split(text: str) -> list[str]:
    """``SELECT (`a`, `b`), INSERT`` -> [``SELECT (`a`, `b`)``, ``INSERT``]: top-level commas."""
    parts, depth, quote, start = [], 0, "", 0
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote  # a doubled quote reopens at once: same result
        elif c in "`'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _name(privilege: str) -> str:
    """``UPDATE (`a`)`` -> ``UPDATE``; ``show  view`` -> ``SHOW VIEW``."""
    return " ".join(privilege.split("(", 1)[0].upper().split())


def _unquoted(text: str) -> str:
    """The text without its quoted names and strings (a password hash, a user name)."""
    return re.sub(_QUOTED, "", text).upper()
