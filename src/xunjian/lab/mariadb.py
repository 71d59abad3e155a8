"""MariaDB: one mariadbd bound to the four database hosts' addresses on port 3306."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymysql

from xunjian.lab import process
from xunjian.lab.component import Component
from xunjian.lab.topology import MYSQL_ADDRS


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
        process.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                "--user=root",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            timeout=180,
        )

    def argv(self) -> list[str]:
        tmp = self.paths.root / "tmp"
        tmp.mkdir(exist_ok=True)
        return [
            "mariadbd",
            "--no-defaults",
            "--user=root",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--pid-file={self.paths.run / 'mariadbd.pid'}",
            f"--tmpdir={tmp}",
            f"--log-error={self.paths.log / 'mariadbd.err'}",
            f"--bind-address={','.join(MYSQL_ADDRS)}",
            "--port=3306",
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
