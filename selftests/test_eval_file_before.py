"""file, runbook 004 §1.2/§2: the newest /app/backup_* directory predates the code's last pull
(``.git/FETCH_HEAD``) by a lead within limits (pure tables, and the find on a real directory)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import file
from xunjian.checks.file import FileObservation
from xunjian.observe.batch import Section
from xunjian.observe.facts import FileStat, Stat
from xunjian.observe.newest import Newest, NewestStat
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
NOW = 1_800_000_000
CHECK: dict[str, Any] = {
    "kind": "file",
    "name": "backup-before-pull",
    "path": "/app",
    "type": "directory",
    "newest": "backup_*",
    "before": {"path": "/app/current/.git/FETCH_HEAD", "lead": {"warn": "> 1 h", "crit": "> 1 d"}},
}


def backup(mtime: int) -> NewestStat:
    return NewestStat("directory", 4096, mtime, NOW, "backup_20260106_100000", 3)


def pulled(mtime: int) -> FileStat:
    return FileStat("regular file", 60, mtime, NOW)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(
            FileObservation(backup(NOW - 400), None, pulled(NOW - 220)),
            OK,
            "180 s before",
            id="minutes-before-the-pull",
        ),
        pytest.param(
            FileObservation(backup(NOW - 4 * 3600), None, pulled(NOW - 100)),
            WARN,
            "lead",
            id="hours-is-warn",
        ),
        pytest.param(
            FileObservation(backup(NOW - 9 * 86400), None, pulled(NOW - 100)),
            CRIT,
            "lead",
            id="days-is-crit",
        ),
        pytest.param(
            FileObservation(backup(NOW - 10), None, pulled(NOW - 100)),
            CRIT,
            "not before it",
            id="taken-after-the-pull",
        ),
        pytest.param(
            FileObservation(backup(NOW - 10), None, None),
            CRIT,
            "FETCH_HEAD does not exist",
            id="no-reference",
        ),
        pytest.param(
            FileObservation(None, None, pulled(NOW)),
            CRIT,
            "no directory matching backup_*",
            id="no-backup-at-all",
        ),
    ],
)
def test_before(obs: FileObservation, verdict: Verdict, text: str) -> None:
    assert_result(file.evaluate(make_case(CHECK), obs), verdict, text)


def test_facts_ask_for_directories_and_the_reference() -> None:
    case = make_case(CHECK)
    assert file.facts(case) == [
        Newest("/app", "backup_*", "d"),
        Stat("/app/current/.git/FETCH_HEAD"),
    ]
    assert "before /app/current/.git/FETCH_HEAD by" in file.expected(case)


def test_newest_directory_on_a_real_tree(tmp_path: Path) -> None:
    for name, age in (("backup_20260101_000000", 900), ("backup_20260102_000000", 300)):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (NOW - age, NOW - age))
    (tmp_path / "backup_notes.txt").write_text("a file is not a backup directory\n")
    fact = Newest(str(tmp_path), "backup_*", "d")
    out = subprocess.run(["sh", "-c", fact.command()], capture_output=True, text=True, check=False)
    found = fact.parse(Section(out.returncode, out.stdout, out.stderr))
    assert isinstance(found, NewestStat)
    assert (found.name, found.kind, found.matches) == ("backup_20260102_000000", "directory", 2)
