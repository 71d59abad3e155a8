"""s3_backup: a mirror is proven when the bucket and the mirror, then the mirror and its
restored copy, differ in no name, size or content (pure evaluation, accept and reject tables
over reports of the action)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.actions.rclone import Diff, Transfer
from xunjian.actions.s3_report import S3Report
from xunjian.checks import s3_backup
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
S3_BACKUP: dict[str, Any] = {
    "kind": "s3_backup",
    "name": "minio-mirror",
    "endpoint": "http://127.0.10.3:9000",
    "access_key": "myminioadmin",
    "secret_key": "${THQH_MINIO_SECRET_KEY}",
    "bucket": "thqh-enterprise-wechat",
    "backup_dir": "/var/backups/xunjian/minio",
    "time_limit": "4 h",
}
EQUAL = Diff(1003, (), (), (), ())
FIRST = S3Report(
    "backup",
    "thqh-enterprise-wechat",
    source=(1003, 45050692),
    mirror=Transfer(1003, 45050692, 0, 0, 0),
    diff=EQUAL,
    mirrored=(1003, 45050692),
    restore=Transfer(1003, 45050692, 0, 0, 0),
    restore_diff=EQUAL,
    seconds={"mirror": 0.91, "diff": 0.89, "restore": 2.07, "restore diff": 0.73, "drill": 5.2},
)
AGAIN = replace(FIRST, mirror=Transfer(0, 0, 1003, 0, 0))
KEYS = tuple(f"archive/chat/2025/{i:04d}.json" for i in range(7))


@pytest.mark.parametrize(
    ("report", "verdict", "text"),
    [
        pytest.param(
            FIRST,
            OK,
            "thqh-enterprise-wechat: 1003 objects, 43.0 MiB in the mirror; 1003 transferred "
            "(43.0 MiB), diff empty; restored into a scratch S3 server with the diff empty",
            id="first-run",
        ),
        pytest.param(AGAIN, OK, "0 transferred (0 B), diff empty", id="second-run-sends-nothing"),
        pytest.param(
            replace(FIRST, action="verify", mirror=None),
            OK,
            "in the mirror; diff empty",
            id="verify",
        ),
        pytest.param(
            replace(FIRST, diff=Diff(1002, KEYS[:1], (), (), ())),
            CRIT,
            "1 object(s) of the bucket missing from the backup: archive/chat/2025/0000.json",
            id="missing-object",
        ),
        pytest.param(
            replace(FIRST, diff=Diff(1002, (), (), KEYS[1:2], ())),
            CRIT,
            "1 object(s) differ between the bucket and the backup (size or content): "
            "archive/chat/2025/0001.json",
            id="changed-object",
        ),
        pytest.param(
            replace(FIRST, diff=Diff(1003, (), ("stray.txt",), (), ())),
            CRIT,
            "1 object(s) in the backup that the bucket does not hold: stray.txt",
            id="extra-object",
        ),
        pytest.param(
            replace(FIRST, diff=Diff(996, KEYS, (), (), ())),
            CRIT,
            "7 object(s) of the bucket missing from the backup: archive/chat/2025/0000.json, "
            "archive/chat/2025/0001.json, archive/chat/2025/0002.json, "
            "archive/chat/2025/0003.json, archive/chat/2025/0004.json and 2 more",
            id="many-missing-named-five",
        ),
        pytest.param(
            replace(FIRST, restore_diff=Diff(1002, KEYS[:1], (), (), ())),
            CRIT,
            "1 object(s) of the backup missing from the restored copy: archive/chat/2025/0000.json",
            id="restore-loses-an-object",
        ),
        pytest.param(
            replace(FIRST, restore_diff=Diff(1002, (), (), (), KEYS[:1])),
            CRIT,
            "1 object(s) could not be compared: archive/chat/2025/0000.json",
            id="unreadable",
        ),
        pytest.param(
            replace(FIRST, restore=Transfer(1002, 45050000, 0, 0, 1)),
            CRIT,
            "the restore drill counted 1 error(s)",
            id="restore-errors",
        ),
        pytest.param(
            replace(FIRST, restore_diff=None),
            CRIT,
            "the backup was not compared with the restored copy",
            id="drill-not-compared",
        ),
        pytest.param(
            S3Report("backup", "thqh-enterprise-wechat", error="mirror: rclone exited 7: boom"),
            CRIT,
            "mirror: rclone exited 7: boom",
            id="mirror-fails",
        ),
    ],
)
def test_s3_backup(report: S3Report, verdict: Verdict, text: str) -> None:
    assert_result(s3_backup.evaluate(make_case(S3_BACKUP), report), verdict, text)


def test_the_figures_travel_in_the_details() -> None:
    details = s3_backup.evaluate(make_case(S3_BACKUP), AGAIN).details
    assert details[0] == (
        "figures: objects=1003 bytes=45050692 mirror_objects=1003 mirror_bytes=45050692 "
        "transferred_objects=0 transferred_bytes=0 superseded_objects=0 restored_objects=1003 "
        "restored_bytes=45050692 mirror_s=0.91 diff_s=0.89 restore_s=2.07 restore_diff_s=0.73 "
        "drill_s=5.2"
    )
    assert "diff: 1003 equal, 0 missing, 0 differing, 0 extra, 0 unreadable" in details


def test_expected_targets_and_budget() -> None:
    case = make_case(S3_BACKUP)
    assert s3_backup.expected(case).startswith(
        "thqh-enterprise-wechat mirrored into /var/backups/xunjian/minio/current (only what "
        "changed), its diff by name, size and content empty"
    )
    assert s3_backup.targets(case) == {"127.0.10.3"}
    assert s3_backup.budget(case) == 4 * 3600 + 60


def test_a_literal_secret_key_is_refused() -> None:
    with pytest.raises(ValueError) as err:
        make_case(S3_BACKUP | {"secret_key": "minio123456"})
    assert "must be an environment reference such as ${THQH_MYSQL_PASSWORD}" in str(err.value)
