"""env_backup: the weekly env_backup_YYYY-MM-DD.json (runbook 001 §6): names, presence, length
and keyed hash, never a value; changes against the previous backup file (the action on a
temporary directory, the kind's evaluate from tables)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.actions import ActionError
from xunjian.actions import env_backup as action
from xunjian.checks import env_backup
from xunjian.checks.env_backup import EnvBackupObservation
from xunjian.checks.env_source import EnvReading
from xunjian.observe.envdigest import Seen, key_id, keyed, sha256_hex
from xunjian.result import Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
KEY = b"lab-hash-key-0123456789"
NAMES = ("GOOGLE_PROJECT_ID", "DOCPARSER_API_KEY", "DOCPARSER_PARSER_ID")
ENV = {
    "GOOGLE_PROJECT_ID": "creditpilot-lab-4711",
    "DOCPARSER_API_KEY": "docparser-secret-api-key-0815",
    "DOCPARSER_PARSER_ID": "parser-xyz-123",
}
ENV_BACKUP: dict[str, Any] = {
    "kind": "env_backup",
    "name": "env-backup",
    "process": "creditpilot_app",
    "vars": list(NAMES),
    "backup_dir": "/var/backups/creditpilot-env",
}
MON, NEXT_MON = date(2026, 11, 23), date(2026, 11, 30)


def reading(env: dict[str, str], key: bytes | None = KEY) -> EnvReading:
    seen = {
        n: Seen(True, len(env[n].encode()), sha256_hex(env[n])) if n in env else Seen(False)
        for n in NAMES
    }
    if key is None:
        return EnvReading("pid 7 (python3)", seen, key_problem="XUNJIAN_ENV_HASH_KEY is not set")
    hashes = {n: keyed(key, s) for n, s in seen.items()}
    return EnvReading("pid 7 (python3)", seen, "", key_id(key), "", hashes)


def backup(directory: Path, day: date, env: dict[str, str], key: bytes | None = KEY) -> Any:
    return action.run(directory, day, "app 127.0.11.1", reading(env, key))


def test_the_first_backup_is_written_with_no_value(tmp_path: Path) -> None:
    report = backup(tmp_path, MON, ENV)
    assert report.written == tmp_path / "env_backup_2026-11-23.json"
    assert report.changes is None and report.previous is None
    assert report.why == "the first backup: nothing to compare with"
    text = report.written.read_text()
    data = json.loads(text)
    assert data["format"] == "xunjian env backup 1"
    assert data["vars"]["DOCPARSER_API_KEY"]["present"] is True
    assert data["vars"]["DOCPARSER_API_KEY"]["length"] == len(ENV["DOCPARSER_API_KEY"])
    assert len(data["vars"]["DOCPARSER_API_KEY"]["hmac"]) == 64
    for value in ENV.values():
        assert value not in text and sha256_hex(value) not in text


def test_changes_against_the_previous_backup_file(tmp_path: Path) -> None:
    backup(tmp_path, MON, ENV)
    now = {**ENV, "DOCPARSER_API_KEY": "rotated-api-key-0000000"}
    del now["DOCPARSER_PARSER_ID"]
    report = backup(tmp_path, NEXT_MON, now)
    assert report.previous == tmp_path / "env_backup_2026-11-23.json"
    assert report.changes.changed == ("DOCPARSER_API_KEY",)
    assert report.changes.vanished == ("DOCPARSER_PARSER_ID",)
    assert sorted(p.name for p in action.backups(tmp_path)) == [
        "env_backup_2026-11-23.json",
        "env_backup_2026-11-30.json",
    ]


def test_a_second_backup_on_one_day_replaces_it_and_compares_with_the_one_before(
    tmp_path: Path,
) -> None:
    backup(tmp_path, MON, ENV)
    backup(tmp_path, NEXT_MON, ENV)
    report = backup(tmp_path, NEXT_MON, {**ENV, "GOOGLE_PROJECT_ID": "other-project"})
    assert report.previous is not None and report.previous.name == "env_backup_2026-11-23.json"
    assert report.changes.changed == ("GOOGLE_PROJECT_ID",)
    assert len(action.backups(tmp_path)) == 2


def test_without_the_key_nothing_is_compared_and_it_says_so(tmp_path: Path) -> None:
    backup(tmp_path, MON, ENV)
    report = backup(tmp_path, NEXT_MON, ENV, key=None)
    assert report.changes is None
    assert report.why == "change detection not possible: XUNJIAN_ENV_HASH_KEY is not set"
    data = json.loads(report.written.read_text())
    assert data["key_id"] is None and data["vars"]["GOOGLE_PROJECT_ID"]["hmac"] is None


def test_another_key_is_not_taken_for_changes(tmp_path: Path) -> None:
    backup(tmp_path, MON, ENV)
    report = backup(tmp_path, NEXT_MON, ENV, key=b"a-new-key-abcdefghijkl")
    assert report.changes is None and "hashed with another key" in report.why


def test_nothing_read_is_not_backed_up(tmp_path: Path) -> None:
    with pytest.raises(ActionError, match="nothing to back up: no process matches"):
        action.run(tmp_path, MON, "h", EnvReading("p", None, "no process matches 'x'"))
    assert not list(tmp_path.iterdir())


def judge(tmp_path: Path, *runs: tuple[date, dict[str, str], bytes | None]) -> Any:
    case = make_case({**ENV_BACKUP, "backup_dir": str(tmp_path)})
    result = None
    for day, env, key in runs:
        read = reading(env, key)
        obs = EnvBackupObservation(read, action.run(tmp_path, day, "app", read))
        result = env_backup.evaluate(case, obs)
    return result


@pytest.mark.parametrize(
    ("second", "key", "verdict", "text"),
    [
        pytest.param(ENV, KEY, OK, "no change since env_backup_2026-11-23.json", id="same"),
        pytest.param(
            {**ENV, "GOOGLE_PROJECT_ID": "moved"}, KEY, WARN, "changed: GOOGLE_PROJECT_ID", id="chg"
        ),
        pytest.param(
            {k: v for k, v in ENV.items() if k != "DOCPARSER_API_KEY"},
            KEY,
            WARN,
            "vanished: DOCPARSER_API_KEY",
            id="vanished",
        ),
        pytest.param(ENV, None, WARN, "change detection not possible", id="no-key"),
    ],
)
def test_evaluate(
    tmp_path: Path, second: dict[str, str], key: bytes | None, verdict: Verdict, text: str
) -> None:
    result = judge(tmp_path, (MON, ENV, KEY), (NEXT_MON, second, key))
    assert_result(result, verdict, text)
    assert "env_backup_2026-11-30.json: 3 variables" in result.actual
    shown = json.dumps([result.actual, result.message, result.details])
    assert not any(v in shown for v in ENV.values())


def test_evaluate_first_backup_is_ok(tmp_path: Path) -> None:
    assert_result(judge(tmp_path, (MON, ENV, KEY)), OK, "the first backup")


def test_evaluate_failures_are_crit(tmp_path: Path) -> None:
    case = make_case(ENV_BACKUP)
    absent = EnvReading("p", None, "no process matches 'creditpilot_app'")
    result = env_backup.evaluate(case, EnvBackupObservation(absent, None))
    assert_result(result, CRIT, "nothing backed up: no process matches")
    failed = EnvBackupObservation(reading(ENV), None, "cannot write /x: Permission denied")
    assert_result(env_backup.evaluate(case, failed), CRIT, "no backup written: cannot write")


def test_vars_listed_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="listed twice: A"):
        make_case({**ENV_BACKUP, "vars": ["A", "B", "A"]})
