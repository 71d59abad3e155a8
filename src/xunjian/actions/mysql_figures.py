"""The figures of a database that a restore must reproduce: per base table its row count and
a checksum of its content, and the names of its views, routines, triggers and events.

A table's checksum is the sum, modulo 2**64 for each half, of the MD5 of every row: the same
whatever order the rows come in, so it needs no sort and no agreement on a collation; a sum,
not an XOR, so two equal rows do not cancel out. Each row is every column in its stored
order as ``LENGTH:BYTES`` (``N`` for NULL), so that ``('ab', 'c')`` and ``('a', 'bc')``
differ. The server computes it: only three numbers per table cross the network. Sessions run
in UTC, so a TIMESTAMP reads the same on the source and on the restored copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xunjian.actions.mysql_source import Connection

OBJECTS = ("views", "routines", "triggers", "events")
_OBJECT_QUERIES = {
    "views": "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
    "routines": "SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) "
    "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s",
    "triggers": "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
    "events": "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
}


@dataclass(frozen=True)
class TableFigure:
    rows: int
    checksum: str  # 32 hex digits


@dataclass(frozen=True)
class Figures:
    tables: Mapping[str, TableFigure]
    objects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # OBJECTS -> names

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "tables": {n: {"rows": t.rows, "checksum": t.checksum} for n, t in self.tables.items()},
            **{kind: list(self.objects.get(kind, ())) for kind in OBJECTS},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figures:
        """From a manifest; ValueError names what is malformed."""
        tables = data.get("tables")
        if not isinstance(tables, dict):
            raise ValueError(f"figures: tables is {tables!r}, expected an object")
        parsed = {}
        for name, t in tables.items():
            rows, checksum = (t.get("rows"), t.get("checksum")) if isinstance(t, dict) else (0, 0)
            if not isinstance(rows, int) or not isinstance(checksum, str):
                raise ValueError(f"figures: table {name} is {t!r}, expected rows and checksum")
            parsed[name] = TableFigure(rows, checksum)
        objects = {kind: tuple(str(n) for n in data.get(kind, [])) for kind in OBJECTS}
        return cls(parsed, objects)


def ident(name: str) -> str:
    """A quoted identifier: `name`, a backtick in it doubled."""
    return "`" + name.replace("`", "``") + "`"


def checksum_sql(database: str, table: str, columns: list[str]) -> str:
    """The one statement that counts a table's rows and sums their MD5s (see the module)."""
    values = ", ".join(
        f"IFNULL(CONCAT(OCTET_LENGTH({ident(c)}), ':', CAST({ident(c)} AS BINARY)), 'N')"
        for c in columns
    )
    half = "CAST(CONV(SUBSTRING(h, {}, 16), 16, 10) AS UNSIGNED)"
    return (
        f"SELECT COUNT(*), COALESCE(SUM({half.format(1)}), 0), COALESCE(SUM({half.format(17)}), 0)"
        f" FROM (SELECT MD5(CONCAT({values})) AS h FROM {ident(database)}.{ident(table)}) AS r"
    )


def checksum_of(first: object, second: object) -> str:
    """The two sums, each modulo 2**64, as 32 hex digits (pymysql gives Decimal sums)."""
    return f"{int(str(first)) % 2**64:016x}{int(str(second)) % 2**64:016x}"


def _names(conn: Connection, sql: str, database: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(sql, (database,))
        return sorted(str(r[0]) for r in cur.fetchall())


def take(conn: Connection, database: str, told: Callable[[str], None] | None = None) -> Figures:
    """The figures as ``conn`` sees them: inside its transaction's snapshot, if it has one."""
    with conn.cursor() as cur:
        cur.execute("SET SESSION time_zone = '+00:00'")
        cur.execute(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS c"
            " JOIN information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME)"
            " WHERE TABLE_SCHEMA = %s AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')"
            " ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (database,),
        )
        columns: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            columns.setdefault(str(table), []).append(str(column))
        tables = {}
        for n, (table, cols) in enumerate(sorted(columns.items()), 1):
            cur.execute(checksum_sql(database, table, cols))
            row = cur.fetchone()
            assert row is not None  # an aggregate always answers one row
            tables[table] = TableFigure(int(row[0]), checksum_of(row[1], row[2]))
            if told:
                told(f"{n}/{len(columns)} tables counted")
    objects = {kind: tuple(_names(conn, _OBJECT_QUERIES[kind], database)) for kind in OBJECTS}
    return Figures(tables, objects)
