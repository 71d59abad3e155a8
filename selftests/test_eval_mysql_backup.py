"""mysql_backup: a dump is proven when its file is the one dumped, it restores whole and every
table's rows and checksum equal the source's snapshot (pure evaluation, accept and reject
tables over reports of the action)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.actions.mysql_figures import Figures, TableFigure
from xunjian.actions.mysql_report import MysqlReport
from xunjian.checks import mysql_backup
from xunjian.inventory.errors import InventoryError
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
DBS: dict[str, Any] = {
    "thqh": {"user": "root", "password": "${THQH_MYSQL_PASSWORD}", "database": "thqh"},
    "ctea": {
        "engine": "postgresql",
        "user": "ctea",
        "password": "${CTEA_PG_PASSWORD}",
        "database": "ctea",
    },
}
MYSQL_BACKUP: dict[str, Any] = {
    "kind": "mysql_backup",
    "name": "mysql-dump",
    "db": "thqh",
    "backup_dir": "/var/backups/xunjian/thqh",
    "keep": 3,
    "time_limit": "2 h",
}
NAME = "thqh-20261125T211958Z.sql.gz"
SHA = "5f" * 32
SOURCE = Figures(
    {
        "msg_archive": TableFigure(60000, "a1" * 16),
        "room_member": TableFigure(10000, "b2" * 16),
    },
    {"views": ("v_msg_daily",), "triggers": ("msg_archive_type",), "events": ("archive_purge",)},
)
GOOD = MysqlReport(
    "backup",
    "thqh",
    name=NAME,
    recorded=(4520161, SHA),
    found=(4520161, SHA),
    raw_bytes=18006093,
    source=SOURCE,
    restored=SOURCE,
    complete=True,
    source_server="MariaDB 10.11",
    scratch_server="MariaDB 10.11",
    pause="BACKUP STAGE BLOCK_COMMIT for 52 ms; the dump's session 1458 had its snapshot",
    seconds={"dump": 1.58, "figures": 0.69, "restore": 0.85, "count": 0.48, "drill": 2.1},
    kept=("thqh-20261111T211958Z", "thqh-20261125T211958Z"),
    deleted=("thqh-20261028T211958Z",),
)


def restored(**tables: TableFigure | None) -> Figures:
    """The source's figures with some tables changed (None: missing)."""
    changed = dict(SOURCE.tables) | {k: v for k, v in tables.items() if v is not None}
    return Figures(
        {k: v for k, v in changed.items() if tables.get(k, v) is not None}, SOURCE.objects
    )


@pytest.mark.parametrize(
    ("report", "verdict", "text"),
    [
        pytest.param(GOOD, OK, f"{NAME}: 2 tables, 70000 rows, 4520161 bytes", id="proven"),
        pytest.param(
            GOOD, OK, "restored into a scratch MariaDB 10.11 with equal figures", id="how"
        ),
        pytest.param(
            replace(GOOD, found=(2260080, "00" * 32)),
            CRIT,
            f"{NAME} is truncated: 2260080 of 4520161 bytes (2.2 MiB of 4.3 MiB)",
            id="truncated",
        ),
        pytest.param(
            replace(GOOD, found=(4520161, "00" * 32)),
            CRIT,
            f"{NAME} is corrupted: its sha256 is 0000000000000000..., the manifest recorded "
            "5f5f5f5f5f5f5f5f...",
            id="corrupted",
        ),
        pytest.param(
            replace(GOOD, found=(4520161, "00" * 32)),
            CRIT,
            "not restored: the file is not the one that was dumped",
            id="corrupted-is-not-restored",
        ),
        pytest.param(
            replace(GOOD, found=(4520200, SHA)), CRIT, "has grown since it was dumped", id="grown"
        ),
        pytest.param(
            replace(GOOD, restored=restored(room_member=None)),
            CRIT,
            "table room_member (10000 rows in the source) is missing from the dump",
            id="missing-table",
        ),
        pytest.param(
            replace(GOOD, restored=restored(msg_archive=TableFigure(59999, "a1" * 16))),
            CRIT,
            "table msg_archive: 59999 rows restored, 60000 in the source's snapshot",
            id="rows-differ",
        ),
        pytest.param(
            replace(GOOD, restored=restored(msg_archive=TableFigure(60000, "ff" * 16))),
            CRIT,
            "table msg_archive: content differs from the source's snapshot (checksum ffffffffffff "
            "restored, a1a1a1a1a1a1 in the source)",
            id="content-differs",
        ),
        pytest.param(
            replace(GOOD, restored=restored(extra=TableFigure(1, "00" * 16))),
            CRIT,
            "table extra is in the dump but was not in the source",
            id="extra-table",
        ),
        pytest.param(
            replace(GOOD, restored=Figures(SOURCE.tables, {"views": ("v_msg_daily",)})),
            CRIT,
            "triggers missing from the dump: msg_archive_type; events missing from the dump: "
            "archive_purge",
            id="missing-trigger-and-event",
        ),
        pytest.param(
            replace(
                GOOD,
                restored=None,
                restore_error="the mariadb client exited 1: ERROR 1064 (42000) at line 25",
            ),
            CRIT,
            "the restore into a scratch MariaDB 10.11 failed: the mariadb client exited 1: "
            "ERROR 1064 (42000) at line 25",
            id="restore-fails",
        ),
        pytest.param(
            replace(GOOD, restored=None, restore_error="the gzip stream is damaged after 8 MiB"),
            CRIT,
            "failed: the gzip stream is damaged after 8 MiB",
            id="gzip-damaged",
        ),
        pytest.param(
            replace(GOOD, complete=False),
            CRIT,
            "the dump does not end with its '-- Dump completed' line: it was cut short",
            id="cut-short",
        ),
        pytest.param(
            MysqlReport("backup", "thqh", error="mariadb-dump exited 2: Got error: 1045"),
            CRIT,
            "mariadb-dump exited 2: Got error: 1045",
            id="dump-fails",
        ),
        pytest.param(
            MysqlReport("verify", "thqh", error="no proven backup of thqh in /var/backups/x"),
            CRIT,
            "no proven backup of thqh in /var/backups/x",
            id="nothing-to-verify",
        ),
        pytest.param(
            replace(GOOD, restored=None),
            CRIT,
            "the restored copy was not counted",
            id="not-counted",
        ),
    ],
)
def test_mysql_backup(report: MysqlReport, verdict: Verdict, text: str) -> None:
    assert_result(
        mysql_backup.evaluate(make_case(MYSQL_BACKUP, databases=DBS), report), verdict, text
    )


def test_the_figures_travel_in_the_details() -> None:
    result = mysql_backup.evaluate(make_case(MYSQL_BACKUP, databases=DBS), GOOD)
    assert result.details[0] == (
        "figures: tables=2 rows=70000 restored_rows=70000 bytes=4520161 sql_bytes=18006093 "
        "dump_s=1.58 figures_s=0.69 restore_s=0.85 count_s=0.48 drill_s=2.1"
    )
    assert (
        "table msg_archive: 60000 rows, a1a1a1a1a1a1 -> 60000 rows, a1a1a1a1a1a1" in result.details
    )
    assert "deleted (older than the 2 kept): thqh-20261028T211958Z" in result.details
    bad = replace(GOOD, restored=restored(room_member=None))
    details = mysql_backup.evaluate(make_case(MYSQL_BACKUP, databases=DBS), bad).details
    assert "table room_member: 10000 rows, b2b2b2b2b2b2 -> not restored" in details


def test_expected_says_what_is_proven() -> None:
    case = make_case(MYSQL_BACKUP, databases=DBS)
    assert mysql_backup.expected(case) == (
        "a consistent dump of thqh in /var/backups/xunjian/thqh that restores into a scratch "
        "MariaDB with every table's rows and checksum equal to the source's snapshot; the last "
        "3 proven dumps kept"
    )
    verify = make_case(MYSQL_BACKUP | {"action": "verify"}, databases=DBS)
    assert mysql_backup.expected(verify).startswith("the newest proven dump of thqh in")
    assert mysql_backup.budget(case) == 7200 + 60
    assert mysql_backup.facts(case) == [] and mysql_backup.targets(case) == set()


def test_a_database_that_is_not_mysql_is_refused_at_load() -> None:
    with pytest.raises(InventoryError) as err:
        make_case(MYSQL_BACKUP | {"db": "ctea"}, databases=DBS)
    assert "db: database 'ctea' is postgresql: mysql_backup dumps MySQL or MariaDB" in str(
        err.value
    )


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("2 h", 7200), ("90 min", 5400), ("45s", 45), ("1.5 h", 5400), ("7 d", 604800)],
)
def test_time_limits(written: str, seconds: float) -> None:
    case = make_case(MYSQL_BACKUP | {"time_limit": written}, databases=DBS)
    assert mysql_backup.budget(case) == seconds + 60


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2 hours", "'2 hours' is not a duration: expected e.g. 90 min, 2 h, 45 s or 1 d"),
        (7200, "7200 is not a duration"),
        ("8 d", "'8 d': a time limit is above 0 and at most 7 d"),
        ("0 s", "'0 s': a time limit is above 0"),
    ],
)
def test_time_limits_refused(written: object, message: str) -> None:
    with pytest.raises(ValueError) as err:
        make_case(MYSQL_BACKUP | {"time_limit": written}, databases=DBS)
    assert message in str(err.value)
