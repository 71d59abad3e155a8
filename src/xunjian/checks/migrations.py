"""migrations: every migration of the application's journal has its row in the database's
migrations table (runbook 004 §3: ``SELECT * FROM drizzle.__drizzle_migrations``; a failed
migration leaves no row), named when missing.

    - {step: "3.1", kind: migrations, name: drizzle, db: ctea,
       journal: /app/current/drizzle/meta/_journal.json}

drizzle-orm's convention: the journal (``drizzle/meta/_journal.json``) lists ``entries`` with a
``tag`` (the file ``<tag>.sql`` beside ``meta/``) and ``when`` (ms); its migrator records each
applied one as a row of ``drizzle.__drizzle_migrations`` with ``created_at = when`` and
``hash = sha256(<tag>.sql)``. With ``hashes: true`` the files are hashed on the host and a row
whose hash differs (a migration edited after it ran) is named too. A row with no journal entry
(the code rolled back, the database not) is a WARN.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe import db
from xunjian.observe.batch import Section
from xunjian.observe.db import Rows
from xunjian.observe.facts import Fact, Tail
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict

ORDER = 33
JOURNAL_LINES = 100000


class MigrationsCheck(CheckBase):
    kind: Literal["migrations"]
    name: Ident
    db: str = Field(description="a key of the host's databases")
    journal: str = Field(
        pattern=r"^/.*\.json$", description="drizzle's meta/_journal.json on the host"
    )
    table: str = Field(
        "drizzle.__drizzle_migrations",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$",
        description="the migrations table, [schema.]name",
    )
    hashes: bool = Field(False, description="also compare sha256 of each <tag>.sql on the host")

    def databases(self) -> list[str]:
        return [self.db]

    def queries(self) -> list[tuple[str, str, str]]:
        return [(self.db, self.sql, "table")]

    @property
    def sql(self) -> str:
        return f"SELECT hash, created_at FROM {self.table} ORDER BY created_at"

    @property
    def folder(self) -> str:
        """The migrations folder: the journal's meta/ directory's parent."""
        return posixpath.dirname(posixpath.dirname(self.journal))


SPEC = MigrationsCheck


@dataclass(frozen=True)
class Sha256s(Fact[dict[str, str]]):
    """``sha256sum`` of the ``*.sql`` files of a folder: file name -> hex digest."""

    folder: str

    def command(self) -> str:
        return f"cd {shlex.quote(self.folder)} && LC_ALL=C sha256sum -- *.sql"

    def parse(self, section: Section) -> dict[str, str]:
        if section.rc != 0:
            raise self.failed(section)
        found = {}
        for line in section.stdout.splitlines():
            digest, _, name = line.partition("  ")
            if name:
                found[name.lstrip("*")] = digest
        return found


@dataclass(frozen=True)
class Entry:
    tag: str
    when: int


@dataclass(frozen=True)
class MigrationsObservation:
    journal: tuple[str, ...] | None  # the journal's lines; None: no such file
    rows: Rows
    files: dict[str, str] | None  # <tag>.sql -> sha256, when hashes are compared


def _spec(case: CheckCase) -> MigrationsCheck:
    return spec_of(case, MigrationsCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    also = " with the file's sha256" if spec.hashes else ""
    return f"every entry of {spec.journal} has its row in {spec.table}{also}"


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    return probe_for(case).limit + db.query_limit(case, spec.db)


def _facts(spec: MigrationsCheck) -> list[Fact[Any]]:
    found: list[Fact[Any]] = [Tail(spec.journal, JOURNAL_LINES)]
    return found + ([Sha256s(spec.folder)] if spec.hashes else [])


def facts(case: CheckCase) -> list[Fact[Any]]:
    return _facts(_spec(case))


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> MigrationsObservation:
    spec = _spec(case)
    probe = probe_for(case)
    journal = probe.get(Tail(spec.journal, JOURNAL_LINES))
    files = probe.get(Sha256s(spec.folder)) if spec.hashes else None
    return MigrationsObservation(journal, db.query(case, spec.db, spec.sql), files)


def entries(text: str) -> list[Entry]:
    """The journal's entries; ValueError naming what is wrong with it."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueError(f"not JSON ({e})") from None
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise ValueError("no list 'entries'")
    found = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("tag"), str):
            raise ValueError(f"entries[{i}] has no tag")
        when = item.get("when")
        if isinstance(when, bool) or not isinstance(when, int):
            raise ValueError(f"entries[{i}] ({item['tag']}) has no integer 'when'")
        found.append(Entry(item["tag"], when))
    return found


def evaluate(case: CheckCase, obs: MigrationsObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.journal is None:
        return Result.crit(exp, f"{spec.journal} does not exist", "the journal is missing")
    try:
        journal = entries("\n".join(obs.journal))
    except ValueError as bad:
        return Result.crit(exp, f"{spec.journal}: {bad}", "the journal cannot be read")
    if "created_at" not in obs.rows.columns or "hash" not in obs.rows.columns:
        raise ObservationError(f"{spec.table} has no hash/created_at columns")
    at = obs.rows.columns.index("created_at")
    hx = obs.rows.columns.index("hash")
    rows: dict[int, str] = {}
    for row in obs.rows.rows:
        if row[at] is not None:
            rows[int(row[at])] = str(row[hx])
    missing = [e.tag for e in journal if e.when not in rows]
    changed = []
    if obs.files is not None:
        for e in journal:
            digest = obs.files.get(f"{e.tag}.sql")
            if e.when in rows and digest is not None and rows[e.when] != digest:
                changed.append(e.tag)
    unknown = sorted(set(rows) - {e.when for e in journal})
    actual = f"{len(journal)} journal entries, {len(obs.rows.rows)} rows in {spec.table}"
    if missing:
        said = f"{len(missing)} migration(s) not applied: {', '.join(missing)}"
        return Result(Verdict.CRIT, exp, actual, said, tuple(missing))
    if changed:
        said = f"{len(changed)} migration file(s) differ from what ran: {', '.join(changed)}"
        return Result(Verdict.CRIT, exp, actual, said, tuple(changed))
    if unknown:
        said = f"{len(unknown)} row(s) with no journal entry (created_at {unknown[:5]})"
        return Result(Verdict.WARN, exp, actual, said)
    return Result.ok(exp, actual)
