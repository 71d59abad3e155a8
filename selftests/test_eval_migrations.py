"""migrations: journal entries against the migrations table, drizzle's convention (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import migrations
from xunjian.checks.migrations import MigrationsObservation, Sha256s
from xunjian.inventory.errors import InventoryError
from xunjian.observe.batch import Section
from xunjian.observe.rows import Rows
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
DB = {"ctea": {"engine": "postgresql", "user": "ro", "password": "${PW}", "database": "ctea"}}
CHECK: dict[str, Any] = {
    "kind": "migrations",
    "name": "drizzle",
    "db": "ctea",
    "journal": "/app/current/drizzle/meta/_journal.json",
}
ENTRIES = [("0000_initial", 1000), ("0001_add_composite_fk", 2000), ("0002_iiko", 3000)]


def journal(entries: list[tuple[str, int]] = ENTRIES) -> tuple[str, ...]:
    data = {
        "version": "7",
        "dialect": "postgresql",
        "entries": [
            {"idx": i, "version": "7", "when": w, "tag": t, "breakpoints": True}
            for i, (t, w) in enumerate(entries)
        ],
    }
    return tuple(json.dumps(data, indent=2).splitlines())


def rows(*pairs: tuple[str, int]) -> Rows:
    return Rows(("hash", "created_at"), tuple(pairs), False)


ALL = rows(("h0", 1000), ("h1", 2000), ("h2", 3000))


def judge(obs: MigrationsObservation, **spec: Any) -> Any:
    return migrations.evaluate(make_case({**CHECK, **spec}, databases=DB), obs)


@pytest.mark.parametrize(
    ("lines", "table", "verdict", "text"),
    [
        pytest.param(journal(), ALL, OK, "3 journal entries, 3 rows", id="all-applied"),
        pytest.param(
            journal(),
            rows(("h0", 1000), ("h2", 3000)),
            CRIT,
            "not applied: 0001_add_composite_fk",
            id="failed-one-leaves-no-row",
        ),
        pytest.param(
            journal([*ENTRIES, ("0003_coupon_unique", 4000)]),
            ALL,
            CRIT,
            "0003_coupon_unique",
            id="new-entry-not-run",
        ),
        pytest.param(journal(ENTRIES[:2]), ALL, WARN, "no journal entry", id="db-ahead-of-code"),
        pytest.param(None, ALL, CRIT, "journal is missing", id="no-journal"),
        pytest.param(("{not json",), ALL, CRIT, "not JSON", id="garbled-journal"),
        pytest.param(
            ('{"entries": [{"tag": "x"}]}',), ALL, CRIT, "no integer 'when'", id="no-when"
        ),
        pytest.param(journal([]), rows(), OK, "0 journal entries", id="empty-both"),
    ],
)
def test_verdicts(lines: tuple[str, ...] | None, table: Rows, verdict: Verdict, text: str) -> None:
    assert_result(judge(MigrationsObservation(lines, table, None)), verdict, text)


def test_missing_migrations_are_named_in_the_details() -> None:
    result = judge(MigrationsObservation(journal(), rows(("h0", 1000)), None))
    assert result.details == ("0001_add_composite_fk", "0002_iiko")


def test_hashes_compare_each_file_with_its_row() -> None:
    files = {"0000_initial.sql": "h0", "0001_add_composite_fk.sql": "h1", "0002_iiko.sql": "h2"}
    same = MigrationsObservation(journal(), ALL, files)
    assert_result(judge(same, hashes=True), OK, "3 rows")
    edited = MigrationsObservation(journal(), ALL, {**files, "0002_iiko.sql": "other"})
    assert_result(judge(edited, hashes=True), CRIT, "differ from what ran: 0002_iiko")


def test_the_query_and_facts_follow_the_spec() -> None:
    case = make_case({**CHECK, "hashes": True, "table": "public.migs"}, databases=DB)
    spec = migrations._spec(case)
    assert spec.sql == "SELECT hash, created_at FROM public.migs ORDER BY created_at"
    assert Sha256s("/app/current/drizzle") in migrations.facts(case)
    parsed = Sha256s("/d").parse(Section(0, "ab12  0000_a.sql\ncd34  0001_b.sql\n", ""))
    assert parsed == {"0000_a.sql": "ab12", "0001_b.sql": "cd34"}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"journal": "drizzle/meta/_journal.json"}, "journal"),
        ({"journal": "/app/journal.yml"}, "journal"),
        ({"table": "x; DROP TABLE y"}, "table"),
    ],
)
def test_bad_specs_are_refused_by_name(change: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        make_case({**CHECK, **change}, databases=DB)


def test_an_undeclared_database_is_refused_by_name() -> None:
    with pytest.raises(InventoryError, match="database 'nope' is not declared"):
        make_case({**CHECK, "db": "nope"}, databases=DB)
