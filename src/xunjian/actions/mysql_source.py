"""The MySQL/MariaDB source of a backup: how to log in (pymysql, and an option file of mode 600
for the command-line tools, so the password is never on a command line) and what server it is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pymysql

from xunjian.actions import CannotStart

Connection: TypeAlias = "pymysql.connections.Connection[Any]"


@dataclass(frozen=True, repr=False)
class Source:
    """Where the database is and how to log in; ``repr`` leaves the password out."""

    host: str
    port: int
    user: str
    password: str
    database: str
    connect_timeout: float

    @property
    def where(self) -> str:
        return f"mysql {self.user}@{self.host}:{self.port}/{self.database}"

    def __repr__(self) -> str:
        return f"Source({self.where!r})"


@dataclass(frozen=True)
class Server:
    """``VERSION()`` read: flavour and major version decide how figures compare."""

    version: str  # as the server says it: 10.11.19-MariaDB-0+deb12u1, 8.0.36

    @property
    def flavour(self) -> str:
        return "MariaDB" if "mariadb" in self.version.lower() else "MySQL"

    @property
    def numbers(self) -> tuple[int, int, int]:
        m = re.match(r"(\d+)\.(\d+)\.(\d+)", self.version)
        if not m:
            raise ValueError(f"server version {self.version!r} does not start with X.Y.Z")
        return int(m[1]), int(m[2]), int(m[3])

    @property
    def major(self) -> str:
        """``MariaDB 10.11``, ``MySQL 8.0``: restores compare alike within one."""
        major, minor, _ = self.numbers
        return f"{self.flavour} {major}.{minor}"


def connect(source: Source, read_timeout: float) -> Connection:
    """A session for the backup's own statements; :class:`CannotStart` when the server cannot
    be reached or refuses the login."""
    try:
        return pymysql.connect(
            host=source.host,
            port=source.port,
            user=source.user,
            password=source.password,
            connect_timeout=source.connect_timeout,
            read_timeout=read_timeout,
            write_timeout=source.connect_timeout,
            charset="utf8mb4",
            autocommit=True,
        )
    except pymysql.MySQLError as e:
        said = e.args[-1] if e.args else type(e).__name__
        raise CannotStart(f"{source.where}: {said}") from None


def server(conn: Connection) -> Server:
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        row = cur.fetchone()
    return Server(str(row[0]) if row else "")


def _quoted(value: str) -> str:
    """An option file value in double quotes: a ``#`` or a space is then part of it."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def option_file(directory: Path, source: Source) -> Path:
    """``[client]`` options for mariadb-dump and mysqldump, mode 600 from its first byte;
    passed as ``--defaults-extra-file``, so no password reaches a command line."""
    path = directory / "client.cnf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(
            "[client]\n"
            f"host={_quoted(source.host)}\n"
            f"port={source.port}\n"
            f"user={_quoted(source.user)}\n"
            f"password={_quoted(source.password)}\n"
            "protocol=tcp\n"
        )
    return path
