"""file with newest: the newest file of a directory matching a glob (the latest of a series of
dated backups) exists, is big enough and fresh; the fact's command run through sh for real."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import file
from xunjian.observe.batch import Section
from xunjian.observe.facts import FileStat
from xunjian.observe.newest import Newest, NewestStat
from xunjian.result import ObservationError, Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
DAY = 86400
NOW = 1_800_000_000
NEWEST: dict[str, Any] = {
    "kind": "file",
    "name": "mysql-backup-fresh",
    "path": "/var/backups/xunjian/thqh",
    "newest": "thqh-*.sql.gz",
    "size": {"crit": "< 1 KiB"},
    "max_age": "15 d",
}


def newest(age: int = DAY, size: int = 4_520_161, matches: int = 3) -> NewestStat:
    return NewestStat("regular file", size, NOW - age, NOW, "thqh-20261125T211958Z.sql.gz", matches)


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(
            newest(),
            OK,
            "thqh-20261125T211958Z.sql.gz: regular file, 4520161 B, modified 86400 s ago "
            "(newest of 3)",
            id="fresh",
        ),
        pytest.param(newest(age=15 * DAY), OK, "modified 1296000 s ago", id="fifteen-days-is-ok"),
        pytest.param(
            newest(age=15 * DAY + 1),
            CRIT,
            "age 15 d > 15 d",
            id="older-than-fifteen-days-the-job-did-not-run",
        ),
        pytest.param(newest(size=100), CRIT, "size 0.0976562 KiB < 1 KiB", id="too-small"),
        pytest.param(
            None, CRIT, "no file matching thqh-*.sql.gz in /var/backups/xunjian/thqh", id="none"
        ),
    ],
)
def test_newest(obs: NewestStat | None, verdict: Verdict, text: str) -> None:
    assert_result(file.evaluate(make_case(NEWEST), obs), verdict, text)


def test_expected_and_fact() -> None:
    case = make_case(NEWEST)
    assert file.expected(case) == (
        "the newest thqh-*.sql.gz in /var/backups/xunjian/thqh is a regular file; "
        "size CRIT if < 1 KiB; age CRIT if > 15 d"
    )
    assert file.facts(case) == [Newest("/var/backups/xunjian/thqh", "thqh-*.sql.gz")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"newest": "sub/thqh-*.sql.gz"}, "String should match pattern '^[^/]+$'"),
        (  # runbook 004: a directory series is judged too (type: directory), see
            # test_eval_file_before.py; a bad reference path is refused by name
            {"before": {"path": "app/current", "lead": "1d"}},
            "String should match pattern '^/'",
        ),
    ],
)
def test_newest_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        make_case(NEWEST | change)
    assert message in str(err.value)


def run(fact: Newest) -> FileStat | None:
    done = subprocess.run(["sh", "-c", fact.command()], capture_output=True, text=True, check=False)
    return fact.parse(Section(done.returncode, done.stdout, done.stderr))


def test_the_command_finds_the_newest_match(tmp_path: Path) -> None:
    for name, age in (
        ("thqh-1.sql.gz", 3 * DAY),
        ("thqh-2.sql.gz", DAY),
        ("thqh-3.sql.gz.unproven", 0),
    ):
        (tmp_path / name).write_bytes(b"x" * 2048)
        os.utime(tmp_path / name, (NOW - age, NOW - age))
    (tmp_path / "thqh-9.sql.gz").mkdir()  # a directory never counts
    found = run(Newest(str(tmp_path), "thqh-*.sql.gz"))
    assert isinstance(found, NewestStat)
    assert (found.name, found.size, found.mtime, found.matches) == (
        "thqh-2.sql.gz",
        2048,
        NOW - DAY,
        2,
    )
    assert run(Newest(str(tmp_path), "nothing-*")) is None
    assert run(Newest(str(tmp_path / "absent"), "thqh-*")) is None


def test_a_name_with_spaces_and_quotes(tmp_path: Path) -> None:
    (tmp_path / "it's a backup.gz").write_bytes(b"1")
    found = run(Newest(str(tmp_path), "it's *"))
    assert isinstance(found, NewestStat) and found.name == "it's a backup.gz"


def test_unexpected_output_is_an_observation_error() -> None:
    with pytest.raises(ObservationError, match="printed something unexpected"):
        Newest("/x", "*").parse(Section(0, "garbage\n1800000000\n", ""))
