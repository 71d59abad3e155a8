"""Figures taken in the dump's own snapshot: a short pause of commits on the source.

mariadb-dump ``--single-transaction`` reads everything in one REPEATABLE READ snapshot, taken
when it starts its transaction; our figures must be read in a snapshot of the same moment.
Two snapshots see the same data when no transaction commits between them. So, as mydumper
synchronises its threads: commits are held back (MariaDB 10.4+: ``BACKUP STAGE
BLOCK_COMMIT``, which lets reads and uncommitted writes go on; MySQL and older MariaDB:
``FLUSH TABLES WITH READ LOCK``), the figures' session starts its snapshot, the dump starts,
and commits resume as soon as the dump's session has its snapshot: it is found by the TCP
port of the dump's connection (the runner's side, in ``/proc``), matched to the server's
process list, and its transaction in ``information_schema.INNODB_TRX``. Writers wait for that
long, typically tens of milliseconds. Waiting for the pause itself is bounded by
``lock_wait_timeout``, so a long query on the source cannot make the backup stall its writers.
Needs RELOAD (for the pause) and PROCESS (to see the dump's session) on the source.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql

from xunjian.actions import ActionError
from xunjian.actions.mysql_source import Connection, Server

POLL = 0.005


def pause_statements(server: Server) -> tuple[list[str], str]:
    """(statements that hold commits back, the statement that lets them go)."""
    if server.flavour == "MariaDB" and server.numbers >= (10, 4, 1):
        return ["BACKUP STAGE START", "BACKUP STAGE BLOCK_COMMIT"], "BACKUP STAGE END"
    return ["FLUSH TABLES WITH READ LOCK"], "UNLOCK TABLES"


@contextmanager
def commits_paused(conn: Connection, server: Server, wait: float) -> Iterator[str]:
    """Hold commits back on the source for the duration of the block; yields how."""
    hold, release = pause_statements(server)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = %s", (max(1, round(wait)),))
            for statement in hold:
                cur.execute(statement)
    except pymysql.MySQLError as e:
        said = e.args[-1] if e.args else type(e).__name__
        raise ActionError(
            f"could not pause commits on the source within {wait:g} s ({hold[-1]}: {said}); "
            "without the pause the figures cannot be read in the dump's snapshot"
        ) from None
    try:
        yield hold[-1]
    finally:
        with conn.cursor() as cur:
            cur.execute(release)


def client_ports(pid: int) -> set[int]:
    """The local TCP ports of a process's sockets (/proc: its fds, then the TCP tables)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cells = line.split()
            if len(cells) > 9 and cells[9] in inodes:
                ports.add(int(cells[1].rsplit(":", 1)[1], 16))
    return ports


def _session_with_snapshot(conn: Connection, ports: set[int]) -> int | None:
    """The source's id of the session connected from one of ``ports`` once it has a
    transaction (its snapshot); None before."""
    with conn.cursor() as cur:
        for port in sorted(ports):
            cur.execute(
                "SELECT p.ID FROM information_schema.PROCESSLIST p"
                " JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID"
                " WHERE p.HOST LIKE %s",
                (f"%:{port}",),
            )
            row = cur.fetchone()
            if row:
                return int(row[0])
    return None


def await_snapshot(conn: Connection, dump: subprocess.Popen[bytes], seconds: float) -> str:
    """Return once the dump's session holds its snapshot (or the dump has ended: then all of
    it ran inside the pause); :class:`ActionError` if neither happens within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if dump.poll() is not None:
            return "the dump ran whole inside the pause"
        ports = client_ports(dump.pid)
        if ports:
            session = _session_with_snapshot(conn, ports)
            if session is not None:
                waited = (time.monotonic() - start) * 1000
                return f"the dump's session {session} had its snapshot after {waited:.0f} ms"
        time.sleep(POLL)
    raise ActionError(
        f"the dump's session did not show a snapshot on the source within {seconds:g} s "
        "(is the runner's connection seen through a proxy, so that its port differs?): "
        "the figures cannot be aligned with it"
    )
