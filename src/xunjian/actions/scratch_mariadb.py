"""A throwaway MariaDB for restore drills: the lab's own recipe (:mod:`xunjian.lab.mariadb`),
in a temporary directory, on 127.0.0.1 and a free port, root logging in by its socket only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pymysql

from xunjian.actions import ActionError, subproc
from xunjian.actions.mysql_source import Connection, Server, server
from xunjian.actions.scratch import (
    LOOPBACK,
    ScratchServer,
    free_ports,
    start_retrying,
    wait_ready,
)
from xunjian.lab.mariadb import ServerFiles, install_argv, server_argv

READY = 120.0  # seconds for a fresh server to answer


class ScratchMariaDB(ScratchServer):
    """``with ScratchMariaDB(parent, deadline) as db:`` a server that is gone afterwards."""

    PREFIX = ".drill-mariadb-"

    @property
    def socket(self) -> Path:
        return self.sockets / "mariadb.sock"

    def _start(self) -> None:
        data, log = self.root / "data", self.root / "mariadbd.err"
        env = subproc.environment(self.root)
        done = subproc.run(install_argv(data), env, self.deadline, "preparing a scratch MariaDB")
        if done.returncode != 0:
            raise ActionError(
                f"mariadb-install-db exited {done.returncode}: {subproc.said(done.stderr)}"
            )
        (self.root / "tmp").mkdir()
        start_retrying(lambda: self._serve(data, log, env), self._stop)

    def _serve(self, data: Path, log: Path, env: dict[str, str]) -> None:
        self.port = free_ports(1)[0]
        files = ServerFiles(data, self.socket, self.root / "mariadbd.pid", self.root / "tmp", log)
        # the dump's events must not run on the copy before it is counted
        extra = ["--max-allowed-packet=1G", "--event-scheduler=OFF"]
        argv = [*server_argv(files, [LOOPBACK], self.port), *extra]
        self._proc = subproc.start(
            argv,
            env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_ready(self._proc, self._answers, "the scratch MariaDB", log, self.deadline, READY)

    def _answers(self) -> bool:
        self.connect().close()
        return True

    def connect(self, read_timeout: float = 3600) -> Connection:
        return pymysql.connect(
            unix_socket=str(self.socket),
            user="root",
            charset="utf8mb4",
            connect_timeout=5,
            read_timeout=read_timeout,
            autocommit=True,
        )

    def server(self) -> Server:
        conn = self.connect()
        try:
            return server(conn)
        finally:
            conn.close()

    def client_argv(self) -> list[str]:
        """The mariadb client, logged in to this server and no other (its socket)."""
        return [
            subproc.tool("mariadb", "mysql"),
            "--no-defaults",
            f"--socket={self.socket}",
            "--user=root",
            "--default-character-set=utf8mb4",
            "--max-allowed-packet=1G",
        ]
