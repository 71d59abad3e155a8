"""MariaDB: one mariadbd bound to the four database hosts' addresses on port 3306."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql

from xunjian.lab import process
from xunjian.lab.component import Component
from xunjian.lab.topology import MYSQL_ADDRS


def install_argv(datadir: Path) -> list[str]:
    """A fresh data directory whose root logs in through the unix socket only."""
    return [
        "mariadb-install-db",
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        "--auth-root-authentication-method=socket",
        "--skip-test-db",
    ]


@dataclass(frozen=True)
class ServerFiles:
    """Where one mariadbd keeps its data, socket, pid file, temporary files and error log."""

    datadir: Path
    socket: Path
    pidfile: Path
    tmpdir: Path
    error_log: Path


def server_argv(files: ServerFiles, binds: Sequence[str], port: int) -> list[str]:
    """A small, private mariadbd: no binary log, no performance schema, little memory. The lab
    runs one; restore drills (:mod:`xunjian.actions.scratch_mariadb`) start throwaway ones."""
    return [
        "mariadbd",
        "--no-defaults",
        "--user=root",
        f"--datadir={files.datadir}",
        f"--socket={files.socket}",
        f"--pid-file={files.pidfile}",
        f"--tmpdir={files.tmpdir}",
        f"--log-error={files.error_log}",
        f"--bind-address={','.join(binds)}",
        f"--port={port}",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--performance-schema=OFF",
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=16M",
        "--key-buffer-size=1M",
        "--max-connections=200",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
    ]


class MariaDB(Component):
    name = "mariadb"
    ready_timeout = 60.0
    stop_timeout = 30.0

    @property
    def datadir(self) -> Path:
        return self.paths.data("mariadb")

    @property
    def socket(self) -> Path:
        return self.paths.run / "mariadb.sock"

    def listen(self) -> list[tuple[str, int]]:
        return [(a, 3306) for a in MYSQL_ADDRS]

    def prepare(self) -> None:
        if (self.datadir / "mysql").is_dir():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        process.run(install_argv(self.datadir), timeout=180)

    def argv(self) -> list[str]:
        tmp = self.paths.root / "tmp"
        tmp.mkdir(exist_ok=True)
        files = ServerFiles(
            self.datadir,
            self.socket,
            self.paths.run / "mariadbd.pid",
            tmp,
            self.paths.log / "mariadbd.err",
        )
        return server_argv(files, MYSQL_ADDRS, 3306)

    def healthy(self) -> bool:
        self.query("SELECT 1", database=None)
        return True

    def connect(self, database: str | None = "thqh") -> pymysql.connections.Connection[Any]:
        """An admin connection through the lab's socket (root by unix_socket authentication)."""
        return pymysql.connect(
            unix_socket=str(self.socket),
            user="root",
            database=database,
            connect_timeout=5,
            read_timeout=30,
            write_timeout=30,
            charset="utf8mb4",
            autocommit=True,
        )

    def query(
        self, statement: str, database: str | None = "thqh", args: tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, args)
                return [tuple(row) for row in cur.fetchall()]
        finally:
            conn.close()
