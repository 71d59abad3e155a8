"""Bulk data for the backup drills of runbook 000 part 3, so that their figures mean something:
105,000 rows over four tables (one without a primary key, with duplicate rows) plus a view, a
trigger, a procedure and an event in the wecom database ``thqh_enterprise_wechat``, and 1,000
objects of mixed sizes (three of them multipart uploads of 5.5 to 11 MiB; about 45 MiB in all)
under ``archive/`` in the bucket.

Deterministic (one seeded generator) and idempotent: a table whose comment, row count and
highest id are as generated is left alone, any other is reloaded with multi-row INSERTs; an
object of the right size and ETag is left alone. A lab already seeded costs a few queries and
one listing, a fresh one a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from xunjian.lab.mariadb import MariaDB

DATABASE = "thqh_enterprise_wechat"
VERSION = "xunjian bulk v1"  # in each table's comment: a new generator reloads the tables
BATCH = 5000
_START = datetime(2025, 1, 1, 8, 0, 0)
_WORDS = (
    "您好",
    "开户",
    "材料",
    "已收到",
    "谢谢",
    "请问",
    "合同",
    "报价",
    "明天",
    "会议",
    "hello",
    "ok",
    "price",
    "invoice",
    "meeting",
    "report",
    "2025",
    "#",
    "'",
    "\\",
)

Row = tuple[Any, ...]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(low, high)))


def _messages(rng: random.Random, n: int) -> Iterator[Row]:
    types = ("text", "image", "voice", "file", "revoke")
    for i in range(1, n + 1):
        at = _START + timedelta(seconds=37 * i)
        room = f"wr{rng.randint(1, 300):05d}" if rng.random() < 0.6 else None
        yield (
            i,
            f"m{i:08d}",
            i * 3,
            f"user{rng.randint(1, 2000):04d}",
            room,
            at,
            rng.choice(types),
            _text(rng, 1, 40),
        )


def _media(rng: random.Random, n: int) -> Iterator[Row]:
    for i in range(1, n + 1):
        key = f"archive/chat/2025/{rng.randint(0, 899):04d}.json"
        yield (
            i,
            f"m{rng.randint(1, 60000):08d}",
            key,
            rng.randint(100, 16384),
            rng.randbytes(32).hex(),
            _START + timedelta(minutes=i),
        )


def _events(rng: random.Random, n: int) -> Iterator[Row]:
    kinds = ("add_external_contact", "del_follow_user", "edit_external_contact", "transfer")
    for i in range(1, n + 1):
        detail = _text(rng, 0, 12) if rng.random() < 0.8 else None
        yield (
            i,
            f"wm{rng.randint(1, 5000):06d}",
            rng.choice(kinds),
            _START + timedelta(seconds=91 * i),
            detail,
            f"{rng.randint(0, 10**7) / 100:.2f}",
            rng.random() * 1000,
            rng.randbytes(16),
        )


def _members(rng: random.Random, n: int) -> Iterator[Row]:
    rows: list[Row] = []
    for i in range(n):
        if i % 50 == 49:  # a duplicate row: tables without a key hold them
            rows.append(rows[-1])
            continue
        rows.append(
            (
                f"wr{rng.randint(1, 300):05d}",
                f"user{rng.randint(1, 2000):04d}",
                _START + timedelta(hours=i),
            )
        )
    yield from rows


TABLES: dict[str, tuple[str, int, Callable[[random.Random, int], Iterator[Row]]]] = {
    "msg_archive": (
        "id BIGINT PRIMARY KEY, msgid VARCHAR(32) NOT NULL, seq BIGINT NOT NULL, "
        "from_user VARCHAR(32), roomid VARCHAR(16), msgtime DATETIME, msgtype VARCHAR(16), "
        "content TEXT, KEY (msgtime)",
        60_000,
        _messages,
    ),
    "media_index": (
        "id INT PRIMARY KEY, msgid VARCHAR(32), object_key VARCHAR(255), size INT, "
        "sha256 CHAR(64), created_at DATETIME",
        20_000,
        _media,
    ),
    "contact_event": (
        "id INT PRIMARY KEY, external_userid VARCHAR(32), event VARCHAR(32), at DATETIME, "
        "detail VARCHAR(255) NULL, amount DECIMAL(12,2), score DOUBLE, token VARBINARY(16)",
        15_000,
        _events,
    ),
    "room_member": (
        "roomid VARCHAR(16), userid VARCHAR(32), join_time TIMESTAMP NULL",  # no key at all
        10_000,
        _members,
    ),
}
OBJECTS = (  # created with the tables; the dump must carry them (--routines --triggers --events)
    "CREATE OR REPLACE VIEW v_msg_daily AS SELECT DATE(msgtime) AS day, COUNT(*) AS n "
    "FROM msg_archive GROUP BY DATE(msgtime)",
    "CREATE TRIGGER IF NOT EXISTS msg_archive_type BEFORE INSERT ON msg_archive FOR EACH ROW "
    "SET NEW.msgtype = COALESCE(NEW.msgtype, 'text')",
    "CREATE OR REPLACE PROCEDURE archive_count(OUT n BIGINT) SELECT COUNT(*) INTO n FROM msg_archive",
    "CREATE EVENT IF NOT EXISTS archive_purge ON SCHEDULE EVERY 1 DAY DISABLE "
    "DO DELETE FROM msg_archive WHERE msgtime < NOW() - INTERVAL 10 YEAR",
)


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _current(cur: Any, table: str, rows: int, keyed: bool) -> bool:
    cur.execute(
        "SELECT TABLE_COMMENT FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (DATABASE, table),
    )
    found = cur.fetchone()
    if not found or found[0] != VERSION:
        return False
    cur.execute(f"SELECT COUNT(*), {'MAX(id)' if keyed else 'COUNT(*)'} FROM {table}")
    return tuple(cur.fetchone()) == (rows, rows)


def seed_tables(db: MariaDB) -> list[str]:
    """Reload the tables that are not as generated; the names of those reloaded."""
    reloaded = []
    conn = db.connect(database=DATABASE)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION time_zone = '+00:00'")
            for n, (table, (columns, rows, make)) in enumerate(TABLES.items()):
                if _current(cur, table, rows, table != "room_member"):
                    continue
                cur.execute(f"DROP TABLE IF EXISTS {table}")
                cur.execute(f"CREATE TABLE {table} ({columns}) COMMENT '{VERSION}'")
                marks = ", ".join(["%s"] * _width(columns))
                for batch in _batches(make(random.Random(f"{VERSION} {n}"), rows)):
                    cur.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
                reloaded.append(table)
            for statement in OBJECTS:
                cur.execute(statement)
    finally:
        conn.close()
    return reloaded


def _width(columns: str) -> int:
    return sum(1 for part in columns.split(", ") if not part.startswith("KEY "))
