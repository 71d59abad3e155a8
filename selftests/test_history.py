"""Run history: the status rules (tables), the SQLite store, and ``python -m xunjian.history``."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from xunjian.history import History, HistoryError, Seen, Status, status
from xunjian.history.__main__ import main
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN
# 17:00 UTC is 01:00 the next day in Shanghai: every run below falls on day N + 1 there
T0 = datetime(2025, 1, 5, 17, 0, tzinfo=UTC)
CHECK = "thqh-miniapp-1.1-port-3306"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def runs(*verdicts: Verdict) -> list[Seen]:
    return [Seen(v, day(i)) for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(
    ("verdicts", "phrase"),
    [
        ((OK,), "new"),
        ((CRIT,), "new"),
        ((OK, OK, OK), ""),
        ((OK, CRIT), "failing since 2025-01-07 (1 run)"),
        ((OK, CRIT, CRIT, CRIT), "failing since 2025-01-07 (3 runs)"),
        ((CRIT, UNKNOWN, CRIT), "failing since 2025-01-06 (3 runs)"),  # UNKNOWN fails too
        ((WARN, CRIT), "failing since 2025-01-07 (1 run)"),
        ((CRIT, OK), "recovered"),
        ((UNKNOWN, WARN), "recovered"),  # a WARN passes
        ((CRIT, OK, OK), ""),
        ((OK, WARN), "warning since 2025-01-07 (1 run)"),
        ((OK, WARN, WARN), "warning since 2025-01-07 (2 runs)"),
        ((OK, CRIT, WARN, WARN), "warning since 2025-01-08 (2 runs)"),
        ((OK, CRIT, OK, CRIT, OK), "flapping"),  # 4 changes
        ((CRIT, OK, CRIT, OK, CRIT), "flapping"),
        ((OK, CRIT, OK, CRIT), "failing since 2025-01-09 (1 run)"),  # 3 changes
        ((OK, WARN, OK, WARN, OK, WARN), "warning since 2025-01-11 (1 run)"),  # no fail: no flap
        # the changes lie outside the last 10 runs: no longer flapping
        ((OK, CRIT, OK, CRIT, OK, *[OK] * 6), ""),
        ((OK, CRIT, OK, CRIT, OK, *[OK] * 5), "flapping"),
    ],
)
def test_status(verdicts: tuple[Verdict, ...], phrase: str) -> None:
    assert str(status(runs(*verdicts))) == phrase


def test_status_rejects() -> None:
    with pytest.raises(ValueError, match="no verdicts"):
        status([])
    with pytest.raises(ValueError, match="2025-01-06T01:00:00 has no timezone"):
        status([Seen(OK, datetime(2025, 1, 6, 1)), Seen(CRIT, datetime(2025, 1, 6, 1))])


def test_status_fields() -> None:
    assert status(runs(OK, CRIT, CRIT)) == Status("failing", date(2025, 1, 7), 2)
    assert status(runs(OK, OK)).kind == "ok"


def record(h: History, n: int, results: dict[str, Verdict], message: str = "") -> int:
    return h.record_run(
        day(n), day(n) + timedelta(minutes=3), ["inventory/lab.yml"],
        [(c, v, message) for c, v in results.items()], host="runner1",
    )  # fmt: skip


def test_failing_since_across_three_runs(tmp_path: Path) -> None:
    h = History(tmp_path / "reports" / "history.sqlite")
    assert record(h, 0, {CHECK: OK, "other": OK}) == 1
    assert record(h, 1, {CHECK: CRIT, "other": OK}) == 2
    assert record(h, 2, {CHECK: UNKNOWN, "other": OK}) == 3
    found = h.statuses({CHECK: CRIT, "other": OK, "fresh": CRIT}, day(3))
    assert {c: str(s) for c, s in found.items()} == {
        CHECK: "failing since 2025-01-07 (3 runs)",
        "other": "",
        "fresh": "new",
    }


def test_streaks_longer_than_the_window(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    record(h, 0, {"a": OK, "w": CRIT})
    for n in range(1, 16):
        record(h, n, {"a": CRIT, "w": WARN})
    found = h.statuses({"a": CRIT, "w": WARN}, day(16))
    assert str(found["a"]) == "failing since 2025-01-07 (16 runs)"
    assert str(found["w"]) == "warning since 2025-01-07 (16 runs)"


def test_recovered_flapping_and_new(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    assert str(h.statuses({"a": CRIT}, day(0))["a"]) == "new"  # no file yet
    for n, v in enumerate([OK, CRIT, OK, CRIT]):
        record(h, n, {"flap": v, "rec": CRIT if n == 3 else OK})
    found = h.statuses({"flap": OK, "rec": OK, "new": OK}, day(4))
    assert {c: s.kind for c, s in found.items()} == {
        "flap": "flapping",
        "rec": "recovered",
        "new": "new",
    }


def test_check_history_and_the_stored_run(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    h = History(path)
    for n, v in enumerate([OK, CRIT, WARN]):
        record(h, n, {CHECK: v}, message=f"run {n}: 端口 3306")
    rows = h.check_history(CHECK, limit=2)
    assert [(r.run_id, r.verdict, r.message) for r in rows] == [
        (3, WARN, "run 2: 端口 3306"),
        (2, CRIT, "run 1: 端口 3306"),
    ]
    assert rows[0].at == day(2) + timedelta(minutes=3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT inventories, host FROM runs WHERE id = 1").fetchone() == (
            '["inventory/lab.yml"]',
            "runner1",
        )
    assert h.check_history("nope") == []
    with pytest.raises(ValueError, match="limit 0 is not a positive"):
        h.check_history(CHECK, limit=0)


def test_prune(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    for n in range(5):
        record(h, n, {CHECK: OK, "b": CRIT})
    assert h.prune(2, now=day(4) - timedelta(hours=1)) == 2  # the runs of day 0 and 1
    assert [r.run_id for r in h.check_history(CHECK)] == [5, 4, 3]
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM results").fetchone() == (6,)
    assert h.prune(0) == 3
    with pytest.raises(ValueError, match="older_than_days -1 is negative"):
        h.prune(-1)


def test_record_run_rejects(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    naive = datetime(2025, 1, 6, 9)
    with pytest.raises(ValueError, match="started 2025-01-06T09:00:00 has no timezone"):
        h.record_run(naive, day(0), [], [])
    with pytest.raises(ValueError, match="finished 2025-01-05T17:00:00\\+00:00 is before"):
        h.record_run(day(1), day(0), [], [])
    with pytest.raises(ValueError, match="check 'a' has two results in one run"):
        h.record_run(day(0), day(0), [], [("a", OK, ""), ("a", CRIT, "")])
    with pytest.raises(TypeError, match="a: verdict 'OK' is not a Verdict"):
        h.record_run(day(0), day(0), [], [("a", "OK", "")])  # type: ignore[list-item]


def test_unusable_files(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    with pytest.raises(HistoryError, match=f"{missing}: no such history file"):
        History(missing).check_history(CHECK)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database, just text " * 100)
    with pytest.raises(HistoryError, match=f"{junk}: not a usable history database"):
        History(junk).check_history(CHECK)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(HistoryError, match=f"{empty}: not a xunjian history database"):
        History(empty).statuses({CHECK: OK}, day(0))
    record(History(empty), 0, {CHECK: OK})  # the first run makes the schema
    assert len(History(empty).check_history(CHECK)) == 1
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 9")
    with pytest.raises(HistoryError, match="schema version 9, this xunjian reads up to 2"):
        record(History(newer), 0, {CHECK: OK})


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    record(h, 0, {CHECK: OK})
    holder = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another run's writer, mid-transaction
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    start = time.monotonic()
    ids = []
    writers = [threading.Thread(target=lambda n=n: ids.append(record(h, n, {CHECK: OK}))) for n in (1, 2)]  # fmt: skip
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    holder.close()
    assert time.monotonic() - start >= 0.4
    assert sorted(ids) == [2, 3]


def test_cli_show_and_prune(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    h = History(db)
    record(h, 0, {CHECK: OK})
    record(h, 1, {CHECK: CRIT}, message="port 3306 is not listening")
    assert main(["show", CHECK, "--db", str(db), "--limit", "5"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "time (Asia/Shanghai)  verdict  message",
        "2025-01-07 01:03:00   CRIT     port 3306 is not listening",
        "2025-01-06 01:03:00   OK",
    ]
    assert main(["show", "nope", "--db", str(db)]) == 1
    assert capsys.readouterr().err == f"{db}: no verdict of check 'nope'\n"
    assert main(["prune", "--days", "0", "--db", str(db)]) == 0
    assert capsys.readouterr().out == f"{db}: 2 run(s) older than 0 days deleted\n"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["show", CHECK, "--limit", "0"], "argument --limit: 0 is less than 1"),
        (["show", CHECK, "--limit", "ten"], "argument --limit: 'ten' is not a whole number"),
        (["prune", "--days", "-3"], "argument --days: -3 is less than 0"),
        (["prune"], "the following arguments are required: --days"),
        (["drop"], "invalid choice: 'drop'"),
    ],
)
def test_cli_rejects(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert said in capsys.readouterr().err


def test_cli_missing_file_names_the_path(tmp_path: Path) -> None:
    db = tmp_path / "reports" / "history.sqlite"
    for argv in (["show", CHECK], ["prune", "--days", "30"]):
        done = subprocess.run(
            [sys.executable, "-m", "xunjian.history", *argv, "--db", str(db)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == f"{db}: no such history file\n"


def test_past_reads_the_window_and_the_streak_only(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    for n in range(15):
        record(h, n, {"stable": OK, "streak": OK if n < 2 else CRIT})
    past = h.past(["stable", "streak", "unseen"])
    assert len(past["stable"]) == 9  # with the current run: the last 10
    assert [s.verdict for s in past["streak"]] == [CRIT] * 13  # after the last pass
    assert past["unseen"] == []
