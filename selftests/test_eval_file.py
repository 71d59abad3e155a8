"""file: exists, is of its type, size and age within thresholds (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import file
from xunjian.observe.batch import Section
from xunjian.observe.facts import FileStat
from xunjian.observe.modes import Entry, Modes
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN

KiB, MiB, HOUR = 1024, 1024 * 1024, 3600
NOW = 1_800_000_000

# a nightly backup: CRIT below 1 KiB, WARN below 1 MiB, CRIT when older than 36 h
FILE: dict[str, Any] = {
    "kind": "file",
    "name": "backup",
    "path": "/data/backup/db.tgz",
    "size": {"crit": "< 1 KiB", "warn": "< 1 MiB"},
    "max_age": "36h",
}
EXISTS = {"kind": "file", "name": "flag", "path": "/run/app/ready"}  # no size, no age
DIRECTORY = {"kind": "file", "name": "data", "path": "/srv/data", "type": "directory"}


def stat(size: int = 5 * MiB, age: int = HOUR, kind: str = "regular file") -> FileStat:
    return FileStat(kind, size, NOW - age, NOW)


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(FILE, stat(), OK, "regular file, 5242880 B, modified 3600 s ago", id="ok"),
        pytest.param(FILE, None, CRIT, "/data/backup/db.tgz does not exist", id="missing"),
        pytest.param(FILE, None, CRIT, "the file is missing", id="missing-message"),
        pytest.param(
            FILE,
            stat(kind="directory"),
            CRIT,
            "/data/backup/db.tgz is a directory",
            id="a-directory-where-a-file-belongs",
        ),
        # size: "< 1 KiB" is strict, so 1 KiB itself is not CRIT (but still below 1 MiB: WARN)
        pytest.param(FILE, stat(size=KiB - 1), CRIT, "size 0.999023 KiB < 1 KiB", id="size-crit"),
        pytest.param(FILE, stat(size=KiB), WARN, "< 1 MiB", id="size-crit-limit-is-warn"),
        pytest.param(FILE, stat(size=MiB - 1), WARN, "size 0.999999 MiB < 1 MiB", id="size-warn"),
        pytest.param(FILE, stat(size=MiB), OK, "1048576 B", id="size-warn-limit-is-ok"),
        # age: 36h is short for {crit: "> 36h"}: exactly 36 h is OK
        pytest.param(FILE, stat(age=36 * HOUR), OK, "modified 129600 s ago", id="age-limit-is-ok"),
        pytest.param(
            FILE, stat(age=36 * HOUR + 1), CRIT, "age 36.0003 h > 36 h", id="age-one-second-over"
        ),
        pytest.param(
            FILE,
            stat(size=100, age=1_000_000),
            CRIT,
            "size 0.0976562 KiB < 1 KiB; age 277.778 h > 36 h",
            id="every-crit-named",
        ),
        pytest.param(EXISTS, stat(size=3), OK, "regular file, 3 B", id="exists-only"),
        # stat's %F says "regular empty file" for a zero-byte file: it is still a file, and a
        # check without a size limit (a flag, a lock, a heartbeat) must pass on it
        pytest.param(
            EXISTS, stat(size=0, kind="regular empty file"), OK, "0 B", id="empty-file-is-a-file"
        ),
        pytest.param(
            FILE,
            stat(size=0, kind="regular empty file"),
            CRIT,
            "size 0 KiB < 1 KiB",
            id="empty-backup-fails-on-its-size",
        ),
        pytest.param(DIRECTORY, stat(4096, kind="directory"), OK, "directory", id="directory"),
        pytest.param(
            DIRECTORY, stat(4096), CRIT, "/srv/data is a regular file", id="file-not-directory"
        ),
    ],
)
def test_file(spec: dict[str, Any], obs: FileStat | None, verdict: Verdict, text: str) -> None:
    assert_result(file.evaluate(make_case(spec), obs), verdict, text)


def test_file_expected_names_every_limit() -> None:
    assert file.expected(make_case(FILE)) == (
        "/data/backup/db.tgz is a regular file; size OK unless < 1 MiB (WARN) / < 1 KiB (CRIT); "
        "age CRIT if > 36 h"
    )
    assert file.expected(make_case(DIRECTORY)) == "/srv/data is a directory"


def test_file_asks_its_host_for_one_stat() -> None:
    (fact,) = file.facts(make_case(FILE))
    assert fact.command().startswith("if [ ! -e /data/backup/db.tgz ]")
    assert file.targets(make_case(FILE)) == set()


# runbook 002 §5.5 访问控制: the log directory and everything below it unreadable by others
LOG_PERMS: dict[str, Any] = {"kind": "file", "name": "log-perms", "path": "/var/log/mindguard",
                             "type": "directory", "not_readable_by": "others", "recursive": True}  # fmt: skip


def modes(*entries: tuple[str, int, str]) -> file.FileObservation:
    return file.FileObservation(
        stat(kind="directory"), tuple(Entry(p, m, t) for p, m, t in entries)
    )


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(LOG_PERMS, modes(("/var/log/mindguard", 0o750, "d"), ("/var/log/mindguard/app.log", 0o640, "f")),
                     OK, "2 path(s) checked for read access", id="owner-and-group-only"),
        pytest.param(LOG_PERMS, modes(("/var/log/mindguard", 0o750, "d"), ("/var/log/mindguard/a.log", 0o644, "f")),
                     CRIT, "1 path(s) readable by others", id="a-file-readable-by-others"),
        pytest.param(LOG_PERMS, modes(("/var/log/mindguard", 0o755, "d")), CRIT,
                     "1 path(s) readable by others", id="the-directory-listable"),
        pytest.param(LOG_PERMS, modes(("/var/log/mindguard", 0o751, "d")), OK, "", id="traversable-only"),
        pytest.param(LOG_PERMS, modes(("/var/log/mindguard/latest", 0o777, "l")), OK, "", id="symlinks-not-judged"),
        pytest.param({**LOG_PERMS, "not_readable_by": ["group", "others"]},
                     modes(("/var/log/mindguard/a.log", 0o640, "f")), CRIT, "readable by group or others",
                     id="group-too"),
        pytest.param(LOG_PERMS, file.FileObservation(None, None), CRIT, "does not exist", id="missing"),
        pytest.param(LOG_PERMS, file.FileObservation(stat(kind="directory"), None), UNKNOWN,
                     "the modes of /var/log/mindguard were not observed", id="gone-between"),
    ],
)  # fmt: skip
def test_not_readable_by(spec: dict[str, Any], obs: Any, verdict: Verdict, text: str) -> None:
    assert_result(file.evaluate(make_case(spec), obs), verdict, text)


def test_a_finding_names_the_path_and_its_mode() -> None:
    obs = modes(("/var/log/mindguard/a.log", 0o644, "f"), ("/var/log/mindguard/b.log", 0o604, "f"))
    assert file.evaluate(make_case(LOG_PERMS), obs).details == (
        "/var/log/mindguard/a.log mode 0644 (readable by others)",
        "/var/log/mindguard/b.log mode 0604 (readable by others)",
    )


def test_modes_fact_parses_find_output() -> None:
    out = "750 d /var/log/mg\n640 f /var/log/mg/a b.log\n"
    assert Modes("/var/log/mg", True).parse(Section(0, out, "")) == (
        Entry("/var/log/mg", 0o750, "d"),
        Entry("/var/log/mg/a b.log", 0o640, "f"),
    )
    assert "-maxdepth 0" in Modes("/x").command()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**LOG_PERMS, "type": "file"}, "recursive is for not_readable_by on a directory"),
        ({**EXISTS, "recursive": True}, "recursive is for not_readable_by"),
        ({**LOG_PERMS, "not_readable_by": "world"}, "not_readable_by"),
        ({**LOG_PERMS, "not_readable_by": []}, "give others, group or both"),
    ],
)
def test_bad_mode_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_case(spec)
