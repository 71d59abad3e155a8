"""log with ``newest:``: the newest file of a directory matching a glob (runbook 001 §5:
/tmp/logs/Server_*.log), its last lines and its age, in one command of the host's batch. The
command runs in a local shell on a temporary directory; the evaluation is the log kind's own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import log
from xunjian.checks.log import LogObservation
from xunjian.observe.batch import Section
from xunjian.observe.newest_tail import NewestTail
from xunjian.result import ObservationError, Verdict

SERVER: dict[str, Any] = {
    "kind": "log",
    "name": "server-log",
    "path": "/tmp/logs",
    "newest": "Server_*.log",
    "lines": 100,
    "failure": ["ERROR"],
    "max_age": {"warn": "> 24 h"},
}


def run(fact: NewestTail) -> Section:
    done = subprocess.run(["bash", "-c", fact.command()], capture_output=True, text=True)
    return Section(done.returncode, done.stdout, done.stderr)


def write(path: Path, lines: list[str], mtime: float) -> None:
    path.write_text("".join(f"{ln}\n" for ln in lines))
    os.utime(path, (mtime, mtime))


def test_the_newest_match_is_tailed_with_its_stat(tmp_path: Path) -> None:
    write(tmp_path / "Server_20261124.log", ["old ERROR"], 1_000)
    write(tmp_path / "Server_20261125.log", [f"line {i}" for i in range(5)], 2_000)
    write(tmp_path / "Accounting_API_1.log", ["newer, other name"], 3_000)
    write(tmp_path / "Server_x.txt", ["not .log"], 4_000)
    found = NewestTail(str(tmp_path), "Server_*.log", 2).parse(
        run(NewestTail(str(tmp_path), "Server_*.log", 2))
    )
    assert found is not None
    assert found.path == str(tmp_path / "Server_20261125.log")
    assert found.lines == ("line 3", "line 4")
    assert found.stat.mtime == 2_000 and found.stat.size == len(
        "".join(f"line {i}\n" for i in range(5))
    )


def test_an_empty_newest_file_has_no_lines(tmp_path: Path) -> None:
    write(tmp_path / "Server_1.log", [], 1_000)
    fact = NewestTail(str(tmp_path), "Server_*.log", 5)
    found = fact.parse(run(fact))
    assert found is not None and found.lines == ()


@pytest.mark.parametrize("sub", ["", "missing"], ids=["no-match", "no-directory"])
def test_no_match_or_no_directory_is_none(tmp_path: Path, sub: str) -> None:
    (tmp_path / "Other.log").write_text("x\n")
    fact = NewestTail(str(tmp_path / sub), "Server_*.log", 5)
    assert fact.parse(run(fact)) is None


def test_a_failure_is_said_with_the_hosts_words() -> None:
    with pytest.raises(ObservationError, match="rc=2"):
        NewestTail("/d", "S*.log", 5).parse(Section(2, "", "tail: cannot open"))


def test_the_check_asks_one_fact_and_names_the_glob() -> None:
    case = make_case(SERVER)
    assert log.facts(case) == [NewestTail("/tmp/logs", "Server_*.log", 100)]
    assert log.expected(case).startswith("the last 100 lines of the newest Server_*.log")


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        pytest.param(
            LogObservation("/tmp/logs/Server_*.log", None),
            Verdict.CRIT,
            "does not exist",
            id="none",
        ),
        pytest.param(
            LogObservation("/tmp/logs/Server_2.log", ("INFO GET /api/health 200", "ERROR GET /x")),
            Verdict.CRIT,
            "1 failure line(s)",
            id="error",
        ),
    ],
)
def test_verdicts(obs: LogObservation, verdict: Verdict, text: str) -> None:
    assert_result(log.evaluate(make_case(SERVER), obs), verdict, text)


def test_newest_is_a_name_not_a_path() -> None:
    with pytest.raises(ValidationError, match="newest"):
        make_case(SERVER | {"newest": "logs/Server_*.log"})
