"""A consistent, compressed dump of one database, with its figures read in the dump's snapshot.

``mariadb-dump --single-transaction --routines --triggers --events --hex-blob --databases DB``
(``mysqldump`` where there is no mariadb-dump), its password in an option file of mode 600,
its output gzipped into the backup directory with the sha256 of the file taken as it is
written. The figures' session starts its snapshot inside the commit pause that also covers the
dump's start (:mod:`xunjian.actions.mysql_pause`), and counts while the dump streams.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xunjian.actions import ActionError, subproc
from xunjian.actions import mysql_figures as figures_of
from xunjian.actions import mysql_pause as pause
from xunjian.actions.clock import Deadline
from xunjian.actions.mysql_figures import Figures
from xunjian.actions.mysql_source import Connection, Server, Source, connect, option_file, server
from xunjian.actions.progress import Progress, size

CHUNK = 1 << 20
TABLE_MARK = b"\n-- Dumping data for table "
SNAPSHOT_WAIT = 15.0  # seconds for the dump's session to show its snapshot


@dataclass(frozen=True)
class Dump:
    path: Path
    bytes: int  # of the gzip file
    raw_bytes: int  # of the SQL
    sha256: str  # of the gzip file
    figures: Figures
    server: Server
    tool: str
    pause: str  # how commits were held back, and for how long
    figures_seconds: float  # reading the figures, alongside the dump


class _Hashing:
    """A file that hashes and counts what is written to it (gzip writes through it)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.digest, self.bytes = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.bytes += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def argv(tool: str, options: Path, database: str) -> list[str]:
    return [
        tool,
        f"--defaults-extra-file={options}",  # first: the tools read it only there
        "--single-transaction",
        "--routines",
        "--triggers",
        "--events",
        "--hex-blob",
        "--default-character-set=utf8mb4",
        "--databases",
        database,
    ]


class _Counting(threading.Thread):
    """The source's figures, read in the counting session's snapshot while the dump streams."""

    def __init__(self, conn: Connection, database: str, progress: Progress) -> None:
        super().__init__(name="xunjian-figures", daemon=True)
        self.conn, self.database, self.progress = conn, database, progress
        self.figures: Figures | None = None
        self.error: BaseException | None = None
        self.seconds = 0.0

    def run(self) -> None:
        start = time.monotonic()
        try:
            self.figures = figures_of.take(self.conn, self.database, self.progress.show)
        except BaseException as e:  # handed to the caller
            self.error = e
        self.seconds = round(time.monotonic() - start, 2)


def _stream(
    proc: subprocess.Popen[bytes], target: Path, progress: Progress
) -> tuple[int, int, str]:
    """Gzip the dump's output into ``target``: (gzip bytes, SQL bytes, sha256 of the file)."""
    assert proc.stdout is not None
    raw = tables = 0
    with target.open("wb") as out:
        hashing = _Hashing(out)
        with gzip.GzipFile(filename="", mode="wb", fileobj=hashing, mtime=0) as gz:
            while chunk := proc.stdout.read(CHUNK):
                gz.write(chunk)
                raw += len(chunk)
                tables += chunk.count(TABLE_MARK)
                progress.show(
                    f"dumped {size(raw)} ({size(hashing.bytes)} gzipped), {tables} tables"
                )
    return hashing.bytes, raw, hashing.digest.hexdigest()


def dump(source: Source, target: Path, work: Path, deadline: Deadline, progress: Progress) -> Dump:
    """Dump ``source`` into ``target`` (a new file); :class:`ActionError` says what failed."""
    tool = subproc.tool("mariadb-dump", "mysqldump")
    options = option_file(work, source)
    limit = deadline.left("the dump")
    pauser, counter = connect(source, limit), connect(source, limit)
    try:
        with (work / "dump.stderr").open("w+b") as errors:
            srv = server(pauser)
            started = time.monotonic()
            with pause.commits_paused(pauser, srv, SNAPSHOT_WAIT) as how:
                with counter.cursor() as cur:
                    cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                proc = subproc.start(
                    argv(tool, options, source.database),
                    subproc.environment(work),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                )
                try:
                    aligned = pause.await_snapshot(pauser, proc, SNAPSHOT_WAIT)
                except BaseException:
                    subproc.kill(proc)
                    proc.wait()
                    raise
            held = (time.monotonic() - started) * 1000
            counting = _Counting(counter, source.database, progress)
            counting.start()
            watchdog = subproc.Watchdog(proc, deadline, "the dump")
            try:
                gz_bytes, raw, sha = _stream(proc, target, progress)
                rc = proc.wait()
            except BaseException:  # the disk full, say: the dump must not run on alone
                subproc.kill(proc)
                proc.wait()
                raise
            finally:
                watchdog.cancel()
            deadline.left("the dump")
            errors.seek(0)
            if rc != 0:
                raise ActionError(f"{Path(tool).name} exited {rc}: {subproc.said(errors.read())}")
        counting.join(deadline.left("the figures of the source"))
        if counting.error is not None:
            raise ActionError(f"the figures of the source could not be read: {counting.error}")
        if counting.figures is None:
            raise ActionError("the figures of the source were not read within the time limit")
        figures = counting.figures
    finally:
        pauser.close()
        counter.close()
    progress.done(f"dumped {size(raw)} of SQL ({size(gz_bytes)} gzipped)")
    return Dump(
        target,
        gz_bytes,
        raw,
        sha,
        figures,
        srv,
        Path(tool).name,
        f"{how} for {held:.0f} ms; {aligned}",
        counting.seconds,
    )
