"""retention: files by the date in their names (none older than keep, no day missing) and rows
by a time column (oldest within keep) (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import retention
from xunjian.inventory.errors import InventoryError
from xunjian.observe.datednames import Names
from xunjian.observe.rowage import RowAge, statement
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
TODAY = date(2026, 11, 25)
DAY = 86400
FILES: dict[str, Any] = {"kind": "retention", "name": "behaviour-logs", "path": "/var/log/mindguard/behaviour",
                         "pattern": r"behaviour-(\d{4}-\d{2}-\d{2})\.log", "keep": "180d", "gaps": True}  # fmt: skip
ROWS: dict[str, Any] = {"kind": "retention", "name": "audit-rows", "db": "mg", "table": "audit_events",
                        "column": "created_at", "keep": "365d"}  # fmt: skip
DBS = {
    "mg": {"user": "mg", "password": "${MG_PASSWORD}", "database": "mindguard"},
    "lite": {"engine": "sqlite", "path": "/data/app.db"},
}


def days(first: int, last: int, skip: tuple[int, ...] = ()) -> tuple[str, ...]:
    """Files for the days ``first`` .. ``last`` days ago, but those in ``skip``."""
    return tuple(
        f"behaviour-{TODAY - timedelta(n)}.log" for n in range(last, first - 1, -1) if n not in skip
    )


def names(*names: str) -> Names:
    return Names(TODAY, names)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(names(*days(0, 180)), OK, "181 file(s), 2026-05-29 .. 2026-11-25", id="full-keep"),
        # keep 180d + grace 1d: the day cleaned tonight is not yet a finding
        pytest.param(names(*days(1, 181)), OK, "", id="grace-day"),
        pytest.param(names(*days(1, 200)), CRIT, "19 day(s) older than 180d: oldest 2026-05-09 (200 d)",
                     id="too-old"),
        pytest.param(names(*days(1, 30, skip=(5, 6, 7, 20))), CRIT,
                     "4 day(s) missing: 2026-11-05, 2026-11-18..2026-11-20", id="gaps"),
        # today's file is not required; yesterday's is
        pytest.param(names(*days(1, 10)), OK, "", id="today-not-required"),
        pytest.param(names(*days(2, 10)), CRIT, "1 day(s) missing: 2026-11-24", id="yesterday-missing"),
        pytest.param(names("behaviour.log", "notes.txt", *days(1, 3)), OK, "3 file(s)", id="others-ignored"),
        pytest.param(names("behaviour.log"), CRIT, "no file in /var/log/mindguard/behaviour matches",
                     id="nothing-dated"),
        pytest.param(None, CRIT, "/var/log/mindguard/behaviour does not exist", id="no-directory"),
    ],
)  # fmt: skip
def test_files(obs: Names | None, verdict: Verdict, text: str) -> None:
    assert_result(retention.evaluate(make_case(FILES), obs), verdict, text)


def test_gaps_off_ignores_missing_days() -> None:
    case = make_case({**FILES, "gaps": False})
    assert_result(retention.evaluate(case, names(*days(1, 30, skip=(5,)))), OK, "29 file(s)")


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(RowAge(100.5 * DAY, 0), OK, "oldest row 100.5 d old", id="young"),
        pytest.param(RowAge(365.5 * DAY, 0), OK, "", id="within-grace"),
        pytest.param(RowAge(400 * DAY, 42), CRIT, "42 row(s) kept beyond 365d", id="too-old"),
        pytest.param(RowAge(None, 0), OK, "audit_events has no row", id="empty"),
    ],
)
def test_rows(obs: RowAge, verdict: Verdict, text: str) -> None:
    assert_result(retention.evaluate(make_case(ROWS, databases=DBS), obs), verdict, text)


def test_statements_quote_identifiers_per_engine() -> None:
    assert statement("mysql", "app.audit", "created_at", 60) == (
        "SELECT TIMESTAMPDIFF(SECOND, MIN(`created_at`), NOW()), (SELECT COUNT(*) FROM "
        "`app`.`audit` WHERE `created_at` < NOW() - INTERVAL 60 SECOND) FROM `app`.`audit`"
    )
    assert '"audit"' in statement("postgresql", "audit", "created_at", 60)


def test_three_years() -> None:
    assert make_case({**ROWS, "keep": "3y"}, databases=DBS).spec.limit == (3 * 365 + 1) * DAY  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**ROWS, "table": "audit; DROP TABLE x"}, "table"),
        ({**ROWS, "column": "a.b"}, "column"),
        ({**ROWS, "column": "`x`"}, "column"),
        ({**FILES, "db": "mg"}, "give files \\(path and pattern\\) or rows"),
        ({**FILES, "pattern": r"behaviour-\d+\.log"}, "pattern needs a group capturing the date"),
        ({**FILES, "pattern": "behaviour-(["}, "pattern: not a regular expression"),
        ({k: v for k, v in FILES.items() if k != "pattern"}, "files need both path and pattern"),
        ({**ROWS, "gaps": True}, "gaps is for files"),
        ({**ROWS, "keep": "180 days"}, "keep"),
        ({**ROWS, "db": "lite"}, "database 'lite' is sqlite"),
    ],
)
def test_bad_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises((ValidationError, InventoryError), match=message):
        make_case(spec, databases=DBS)
