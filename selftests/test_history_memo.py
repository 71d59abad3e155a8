"""A check's memo of its last run: stored with the run, read back by the next run's checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from xunjian.history import History, memo
from xunjian.inventory.case import CheckCase
from xunjian.outcome import PREFIX
from xunjian.report.runend import RunEnd
from xunjian.result import Result, Verdict

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
V1_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL,
    finished TEXT NOT NULL, inventories TEXT NOT NULL, host TEXT NOT NULL);
CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL, verdict TEXT NOT NULL, at TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (check_id, run_id));
PRAGMA user_version = 1;
"""


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    memo.use(None)


def record(db: History, n: int, memos: dict[str, dict[str, object]]) -> None:
    at = T0 + timedelta(days=n)
    db.record_run(at, at, ["lab.yml"], [(c, Verdict.OK, "") for c in memos], memos=memos)


def test_the_latest_memo_of_each_check_is_read_back(tmp_path: Path) -> None:
    db = History(tmp_path / "h.sqlite")
    assert db.last_memos() == {}  # no file yet
    record(db, 0, {"a": {"restarts": 1}, "b": {"env": {"X": "9f"}}})
    record(db, 1, {"a": {"restarts": 4}})
    assert db.last_memos() == {"a": {"restarts": 4}, "b": {"env": {"X": "9f"}}}


def test_a_version_1_file_has_no_memos_until_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
    db = History(path)
    assert db.last_memos() == {}
    record(db, 0, {"a": {"restarts": 2}})
    assert db.last_memos() == {"a": {"restarts": 2}}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_previous_reads_the_run_history_once_per_process(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    record(History(path), 0, {"sys-host-1-unit": {"restarts": 3}})
    case = cast(CheckCase, SimpleNamespace(id="sys-host-1-unit"))
    other = cast(CheckCase, SimpleNamespace(id="sys-host-1-other"))
    memo.use(path)
    assert memo.previous(case) == {"restarts": 3}
    assert memo.previous(other) is None
    memo.use(None)
    assert memo.previous(case) is None  # no history: first run


def test_the_controller_stores_what_a_result_kept(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    end = RunEnd({}, {}, history_path=path)
    result = Result(Verdict.OK, "no restarts", "0", memo={"restarts": 7})
    props = [
        (PREFIX + k, v)
        for k, v in {
            "system": "s S", "host": "h 127.0.0.1", "step": "4", "title": "t",
            "verdict": result.verdict.value, "severity": "critical",
        }.items()
    ]  # fmt: skip
    props.append((PREFIX + "memo", '{"restarts": 7}'))
    report = SimpleNamespace(
        nodeid="tests/daily/test_daily.py::test_unit[s-h-4-datasync]", when="call",
        user_properties=props,
    )  # fmt: skip
    end.pytest_runtest_logreport(cast(pytest.TestReport, report))
    end.pytest_sessionfinish(cast(pytest.Session, None))
    assert History(path).last_memos() == {"s-h-4-datasync": {"restarts": 7}}
