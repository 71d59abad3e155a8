"""Every run's verdicts in an embedded SQLite file: record a run, read a check's past, prune.

Three tables: ``runs`` (id, started, finished, inventories, runner host; never the command line,
which may hold secrets), ``results`` (run_id, check_id, verdict, at, message) and ``memos``
(run_id, check_id, memo: the small JSON a check keeps for the next run, e.g. a restart counter;
schema version 2, added to a version 1 file when it is next written). Times are
stored as UTC ISO-8601 text. One writer per run: a run is written in one ``BEGIN IMMEDIATE``
transaction, and a second writer waits for it up to :data:`BUSY_SECONDS` (SQLite's busy
timeout); the journal is WAL, so readers do not wait for a writer.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from xunjian.history.status import WINDOW, Seen, Status, status
from xunjian.result import Verdict

DEFAULT_PATH = Path("reports/history.sqlite")
BUSY_SECONDS = 30.0
SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    inventories TEXT NOT NULL,  -- JSON list of the inventories' names
    host TEXT NOT NULL          -- the runner's host name
);
CREATE TABLE IF NOT EXISTS results (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('OK', 'WARN', 'CRIT', 'UNKNOWN')),
    at TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (check_id, run_id)
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE TABLE IF NOT EXISTS memos (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    memo TEXT NOT NULL,         -- a JSON object
    PRIMARY KEY (check_id, run_id)
);
"""
# each check's memo of the latest run that left one
LAST_MEMOS = """
SELECT m.check_id, m.memo FROM memos m
WHERE m.run_id = (SELECT MAX(n.run_id) FROM memos n WHERE n.check_id = m.check_id)
"""
# per wanted check: its last WINDOW - 1 rows, and every row of its current failing or warning
# streak (after the last pass, or after the last verdict other than WARN)
PAST = """
WITH marks AS (
    SELECT r.check_id,
           MIN(COALESCE(MAX(CASE WHEN r.verdict IN ('OK', 'WARN') THEN r.run_id END), 0),
               COALESCE(MAX(CASE WHEN r.verdict <> 'WARN' THEN r.run_id END), 0)) AS after
    FROM results r JOIN temp.wanted w ON w.check_id = r.check_id GROUP BY r.check_id
), ranked AS (
    SELECT r.check_id, r.run_id, r.verdict, r.at,
           ROW_NUMBER() OVER (PARTITION BY r.check_id ORDER BY r.run_id DESC) AS n
    FROM results r JOIN temp.wanted w ON w.check_id = r.check_id
)
SELECT k.check_id, k.verdict, k.at FROM ranked k JOIN marks m ON m.check_id = k.check_id
WHERE k.n < ? OR k.run_id > m.after ORDER BY k.check_id, k.run_id
"""


class HistoryError(Exception):
    """The history file cannot be used (not SQLite, a newer schema, missing for reading)."""


@dataclass(frozen=True)
class Row:
    """One past verdict of a check."""

    run_id: int
    at: datetime
    verdict: Verdict
    message: str


def _utc(at: datetime, what: str) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} {at.isoformat()} has no timezone: give an aware datetime")
    return at.astimezone(UTC).isoformat(timespec="seconds")


class History:
    """The history file at ``path``; each call opens its own connection (safe across
    processes and threads)."""

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self, create: bool = False) -> Iterator[sqlite3.Connection]:
        if not create and not self.path.is_file():
            raise HistoryError(f"{self.path}: no such history file")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=BUSY_SECONDS)) as conn:
            conn.isolation_level = None  # transactions are begun explicitly
            try:
                self._prepare(conn, create)
            except sqlite3.DatabaseError as e:
                raise HistoryError(f"{self.path}: not a usable history database ({e})") from None
            yield conn

    def _prepare(self, conn: sqlite3.Connection, create: bool) -> None:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: schema version {version}, this xunjian reads up to {SCHEMA_VERSION}"
            )
        if not create and version < 1:
            raise HistoryError(f"{self.path}: not a xunjian history database (no schema)")
        if create and version < SCHEMA_VERSION:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(f"{SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};")

    def record_run(
        self,
        started: datetime,
        finished: datetime,
        inventories: Sequence[str],
        results: Iterable[tuple[str, Verdict, str]],
        host: str | None = None,
        memos: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> int:
        """Store one run and its ``(check_id, verdict, message)`` results, and the checks'
        ``memos`` (check_id -> JSON-able dict); return the run's id.

        Each result's time is the run's ``finished``; ``host`` defaults to this machine's name.
        """
        memo_rows = [
            (check_id, json.dumps(dict(memo), ensure_ascii=False, sort_keys=True))
            for check_id, memo in (memos or {}).items()
        ]
        start, at = _utc(started, "started"), _utc(finished, "finished")
        if finished < started:
            raise ValueError(f"finished {finished.isoformat()} is before {started.isoformat()}")
        rows: dict[str, tuple[str, str, str, str]] = {}
        for check_id, verdict, message in results:
            if not isinstance(verdict, Verdict):
                raise TypeError(f"{check_id}: verdict {verdict!r} is not a Verdict")
            if check_id in rows:
                raise ValueError(f"check {check_id!r} has two results in one run")
            rows[check_id] = (check_id, verdict.value, at, message)
        with self._connect(create=True) as conn:
            conn.execute("BEGIN IMMEDIATE")  # waits up to BUSY_SECONDS for another writer
            try:
                cursor = conn.execute(
                    "INSERT INTO runs (started, finished, inventories, host) VALUES (?, ?, ?, ?)",
                    (
                        start,
                        at,
                        json.dumps(list(inventories), ensure_ascii=False),
                        host if host is not None else socket.gethostname(),
                    ),
                )
                run_id = cursor.lastrowid
                assert run_id is not None
                conn.executemany(
                    "INSERT INTO results (run_id, check_id, verdict, at, message) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(run_id, *row) for row in rows.values()],
                )
                conn.executemany(
                    "INSERT INTO memos (run_id, check_id, memo) VALUES (?, ?, ?)",
                    [(run_id, *row) for row in memo_rows],
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return run_id

    def past(self, check_ids: Iterable[str]) -> dict[str, list[Seen]]:
        """Each check's stored verdicts, oldest first: enough of them for :func:`status`."""
        wanted = sorted(set(check_ids))
        found: dict[str, list[Seen]] = {c: [] for c in wanted}
        if not self.path.is_file() or not wanted:
            return found
        with self._connect() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (check_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.wanted")
            conn.executemany("INSERT INTO temp.wanted VALUES (?)", [(c,) for c in wanted])
            for check_id, verdict, at in conn.execute(PAST, (WINDOW,)):
                found[check_id].append(Seen(Verdict(verdict), datetime.fromisoformat(at)))
        return found

    def results_since(self, since: datetime) -> list[tuple[int, str, Verdict]]:
        """Every stored ``(run_id, check_id, verdict)`` of the runs started at or after
        ``since``, oldest run first ([] without a history file)."""
        if not self.path.is_file():
            return []
        with self._connect() as conn:
            found = conn.execute(
                "SELECT r.run_id, r.check_id, r.verdict FROM results r "
                "JOIN runs u ON u.id = r.run_id WHERE u.started >= ? ORDER BY r.run_id",
                (_utc(since, "since"),),
            ).fetchall()
        return [(run_id, check_id, Verdict(v)) for run_id, check_id, v in found]

    def last_memos(self) -> dict[str, dict[str, Any]]:
        """Each check's memo from the latest run that left one ({} without a history file)."""
        if not self.path.is_file():
            return {}
        with self._connect() as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "memos" not in tables:  # a version 1 file: no check kept anything yet
                return {}
            found: dict[str, dict[str, Any]] = {}
            for check_id, text in conn.execute(LAST_MEMOS):
                try:
                    memo = json.loads(text)
                except ValueError:
                    continue
                if isinstance(memo, dict):
                    found[check_id] = memo
            return found

    def statuses(self, current: Mapping[str, Verdict], at: datetime) -> dict[str, Status]:
        """Each check's status after this run's ``current`` verdicts (given at ``at``), from the
        runs stored before it: call it at the end of a run, then :meth:`record_run`."""
        _utc(at, "at")
        past = self.past(current)
        return {c: status([*past[c], Seen(v, at)]) for c, v in current.items()}

    def check_history(self, check_id: str, limit: int = 20) -> list[Row]:
        """A check's last ``limit`` verdicts, newest first."""
        if limit < 1:
            raise ValueError(f"limit {limit} is not a positive number of rows")
        with self._connect() as conn:
            found = conn.execute(
                "SELECT run_id, at, verdict, message FROM results WHERE check_id = ? "
                "ORDER BY run_id DESC LIMIT ?",
                (check_id, limit),
            ).fetchall()
        return [Row(r, datetime.fromisoformat(a), Verdict(v), m) for r, a, v, m in found]

    def prune(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete the runs started more than ``older_than_days`` days ago, with their results;
        return how many runs went."""
        if older_than_days < 0:
            raise ValueError(f"older_than_days {older_than_days} is negative")
        cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute("DELETE FROM runs WHERE started < ?", (_utc(cutoff, "now"),))
            conn.execute("COMMIT")
        return cursor.rowcount
