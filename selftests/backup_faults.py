"""Faults for the backup drills, made in a copy of a proven backup: a dump cut short or with a
flipped byte (the manifest then disagrees), and dumps rewritten whole with their manifest
updated to match (a tool that silently left out a table, or wrote SQL that does not run), so
that only the restore drill can tell; a mirror missing an object or holding a changed one."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from pathlib import Path


def newest_dump(directory: Path) -> Path:
    return sorted(directory.glob("*.sql.gz"))[-1]


def manifest_of(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(".sql.gz") + ".manifest.json")


def truncate(dump: Path) -> None:
    with dump.open("r+b") as f:
        f.truncate(dump.stat().st_size // 2)


def flip_a_byte(dump: Path) -> None:
    with dump.open("r+b") as f:
        f.seek(dump.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def rewrite(dump: Path, sql: bytes) -> None:
    """The dump replaced by ``sql``, gzipped, and its manifest made to agree (size, sha256)."""
    data = gzip.compress(sql)
    dump.write_bytes(data)
    manifest = manifest_of(dump)
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    recorded |= {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    manifest.write_text(json.dumps(recorded), encoding="utf-8")


def without_table(sql: bytes, table: str) -> bytes:
    """The dump without one table's structure and data."""
    start = sql.index(b"--\n-- Table structure for table `" + table.encode() + b"`")
    following = re.compile(rb"--\n-- (Table structure for table|Dumping events|Dumping routines)")
    after = following.search(sql, start + 10)
    return sql[:start] + (sql[after.start() :] if after else b"")


def with_bad_statement(sql: bytes) -> bytes:
    """A statement the server refuses, after the dump's header."""
    cut = sql.index(b"\nCREATE DATABASE")
    return sql[:cut] + b"\nTHIS IS NOT SQL AT ALL;" + sql[cut:]


def copy_backup(source: Path, target: Path) -> Path:
    """A copy of a backup directory (without its lock file) to break."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".xunjian-backup.lock"))
    return target


def change_same_size(path: Path) -> None:
    """Other content, the same size and modification time: only a content diff sees it."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
