"""A restore drill: the dump file checked against its manifest, then fed to the mariadb client
of a scratch server (:mod:`xunjian.actions.scratch_mariadb`), never to the source.

The file is read twice: once whole for its size and sha256 (a damaged file is not restored:
the figures would only say less), then decompressed into the client. A gzip stream that ends
early, a dump without its closing ``-- Dump completed`` line and the client's first error are
each what the drill reports.
"""

from __future__ import annotations

import gzip
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from xunjian.actions import mysql_translate, subproc
from xunjian.actions.clock import Deadline
from xunjian.actions.progress import Progress, size
from xunjian.actions.scratch_mariadb import ScratchMariaDB

CHUNK = 1 << 20
TRAILER = b"-- Dump completed"


@dataclass(frozen=True)
class Restored:
    raw_bytes: int  # SQL bytes fed to the client
    complete: bool  # the dump ends with its "-- Dump completed" line
    error: str | None  # the gzip stream's or the client's, None when it went through
    translated: str = ""  # what was translated for MariaDB, if anything


def client_error(stderr: bytes) -> str:
    """The client's ERROR lines only: before them it echoes the failing statement, which may
    be megabytes of the database's rows."""
    lines = stderr.decode(errors="replace").splitlines()
    errors = [ln.strip() for ln in lines if ln.startswith("ERROR ")]
    return "; ".join(errors)[:600] if errors else subproc.said(stderr, 300)


def _feed(
    path: Path,
    client: subprocess.Popen[bytes],
    translator: mysql_translate.Translator | None,
    progress: Progress,
) -> tuple[int, bytes, str | None]:
    """Decompress ``path`` into the client: (SQL bytes, the last bytes, a gzip error)."""
    assert client.stdin is not None
    raw, last = 0, b""
    try:
        with gzip.open(path, "rb") as sql:
            while chunk := sql.read(CHUNK):
                raw += len(chunk)
                last = (last + chunk)[-200:]
                client.stdin.write(translator.feed(chunk) if translator else chunk)
                progress.show(f"restored {size(raw)}")
            if translator:
                client.stdin.write(translator.end())
    except (EOFError, OSError, zlib.error) as e:
        if isinstance(e, BrokenPipeError):
            return raw, last, None  # the client stopped: its own error says why
        return raw, last, f"the gzip stream is damaged after {size(raw)} of SQL: {e}"
    finally:
        try:
            client.stdin.close()
        except BrokenPipeError:
            pass
    return raw, last, None


def restore(
    path: Path, scratch: ScratchMariaDB, translate: bool, deadline: Deadline, progress: Progress
) -> Restored:
    """Feed the dump to the scratch server's client and say how it went."""
    translator = mysql_translate.Translator() if translate else None
    errors = scratch.root / "restore.stderr"
    with errors.open("w+b") as err:
        client = subproc.start(
            scratch.client_argv(),
            subproc.environment(scratch.root),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        watchdog = subproc.Watchdog(client, deadline, "the restore")
        try:
            raw, last, broken = _feed(path, client, translator, progress)
            if broken:
                subproc.kill(client)
            rc = client.wait()
        finally:
            watchdog.cancel()
        deadline.left("the restore")
        err.seek(0)
        said = client_error(err.read())
    done = translator.summary() if translator else ""
    complete = TRAILER in last
    if broken:
        return Restored(raw, complete, broken, done)
    if rc != 0:
        return Restored(raw, complete, f"the mariadb client exited {rc}: {said}", done)
    progress.done(f"restored {size(raw)} of SQL into {scratch.server().major}")
    return Restored(raw, complete, None, done)
