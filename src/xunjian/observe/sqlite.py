"""SQLite: the database file lives on the app server, so it is read there, read-only, through
the host's connection, as one fact of the host's batch (``python3`` on the host runs it).

Three walls: the file is opened with ``mode=ro``, ``PRAGMA query_only`` refuses every write,
and sqlite3 runs one statement per call. A progress handler stops a statement at its limit.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.observe.rows import Rows
from xunjian.result import ObservationError

# Runs on the host: argv = path, statement, row limit, seconds. Exit 2: the statement or the
# file was refused (message on stderr); 3: no such file.
_SCRIPT = """
import json, os, sqlite3, sys, time, urllib.parse
path, sql, limit, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
if not os.path.isfile(path):
    sys.stderr.write("no such file: " + path); sys.exit(3)
try:
    conn = sqlite3.connect("file:" + urllib.parse.quote(path) + "?mode=ro", uri=True, timeout=seconds)
    conn.execute("PRAGMA query_only = ON")
    end = time.monotonic() + seconds
    conn.set_progress_handler(lambda: 1 if time.monotonic() > end else 0, 1000)
    cur = conn.execute(sql)
    rows = cur.fetchmany(limit + 1) if cur.description is not None else None
except sqlite3.Error as e:
    sys.stderr.write(type(e).__name__ + ": " + str(e)); sys.exit(2)
if rows is None:
    sys.stderr.write("the query returned no result set"); sys.exit(2)
def cell(v):
    return v.hex() if isinstance(v, bytes) else v
json.dump({"columns": [d[0] for d in cur.description],
           "rows": [[cell(v) for v in r] for r in rows]}, sys.stdout)
"""


@dataclass(frozen=True)
class SqliteQuery(Fact[Rows]):
    """One read-only statement against a database file on the host."""

    path: str
    sql: str
    max_rows: int
    seconds: float

    def command(self) -> str:
        args = (self.path, self.sql, str(self.max_rows), f"{self.seconds:g}")
        return "exec python3 -c " + shlex.join((_SCRIPT, *args))

    def describe(self) -> str:
        return f"sqlite3 {shlex.quote(self.path)} (read-only)"

    def parse(self, section: Section) -> Rows:
        said = section.stderr.strip()[:300]
        if section.rc == 3:
            raise ObservationError(f"sqlite {self.path}: {said}")
        if section.rc == 2:
            raise ObservationError(f"query rejected by {self.path}: {said}")
        if section.rc == 127:
            raise ObservationError(f"sqlite {self.path}: python3 is not on the host ({said})")
        if section.rc != 0:
            raise self.failed(section)
        try:
            doc: Any = json.loads(section.stdout)
            columns = tuple(str(c) for c in doc["columns"])
            rows = tuple(tuple(r) for r in doc["rows"])
        except (ValueError, KeyError, TypeError):
            raise ObservationError(
                f"sqlite {self.path}: unexpected output {section.stdout[:120]!r}"
            ) from None
        return Rows(columns, rows[: self.max_rows], len(rows) > self.max_rows)
