"""End to end on the real lab: runbook 000 part 3 (每两周任务), backups proven by restore.

A biweekly run dumps the wecom database (105,000 bulk rows while the lab's other tables keep
changing) and mirrors its bucket (1,000+ objects, some multipart) into a backup directory,
each proven by a restore drill into a scratch server; a second run transfers nothing; the
daily checks see the backups fresh and MinIO refusing its default login. Then each fault the
drills exist for, made in a copy of the proven backups, gives CRIT with a clear message.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import backup_faults as faults
import pytest
from biweekly_lab import DUMP, MIRROR, Run, inventory, suite

from xunjian import checks
from xunjian.actions import lock
from xunjian.actions.clock import Deadline
from xunjian.actions.scratch_s3 import ScratchS3
from xunjian.inventory.case import CheckCase
from xunjian.inventory.load import load
from xunjian.lab import Lab, bulk, bulk_objects
from xunjian.lab.topology import S3_BUCKET
from xunjian.observe import host
from xunjian.result import Result, Verdict

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def seeded(lab: Lab) -> Lab:
    """The bulk data (idempotent: usually there already)."""
    bulk.seed_tables(lab.mariadb)
    bulk_objects.seed_objects(lab.env()["THQH_MINIO_SECRET_KEY"])
    return lab


@pytest.fixture(scope="module")
def backups(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backups")


@pytest.fixture(scope="module")
def first(seeded: Lab, backups: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("first")
    return suite(seeded, out, "biweekly", inventory(out / "inv.yml", backups))


@pytest.fixture(scope="module")
def second(first: Run, seeded: Lab, backups: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    assert first.returncode == 0, first.stdout[-4000:]
    out = tmp_path_factory.mktemp("second")
    return suite(seeded, out, "biweekly", inventory(out / "inv.yml", backups))


@pytest.fixture
def secrets(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """The lab's secrets in this process's environment, for checks run here."""
    for key, value in lab.env().items():
        monkeypatch.setenv(key, value)
    host.reset()
    return lab


def case_of(inv: Path, name: str) -> CheckCase:
    (case,) = (c for c in load(inv) if c.id.endswith(name))
    checks.plan([case])
    return case


def crit(result: Result, *words: str) -> None:
    __tracebackhide__ = True
    assert result.verdict is Verdict.CRIT, result
    for w in words:
        assert w in result.message, (w, result.message)


def test_a_run_leaves_a_proven_dump_and_a_mirrored_bucket(first: Run, backups: Path) -> None:
    assert first.returncode == 0, first.stdout[-4000:]
    assert first.outcomes == {DUMP: "passed", MIRROR: "passed"}
    dump, mirror = first.figures(DUMP), first.figures(MIRROR)
    print(f"\nfirst run: mysql {dump}\nfirst run: s3 {mirror}")
    assert dump["tables"] >= 4 and dump["rows"] >= 100_000 and dump["rows"] == dump["restored_rows"]
    assert mirror["objects"] >= 1000 and mirror["restored_objects"] == mirror["objects"]
    assert mirror["transferred_objects"] == mirror["objects"]
    assert any("room_member" in d for d in first.details[DUMP])  # the table without a key
    (proven,) = (backups / "mysql").glob("*.sql.gz")
    assert faults.manifest_of(proven).exists() and not list((backups / "mysql").glob("*.unproven"))
    files = [p for p in (backups / "minio" / "current").rglob("*") if p.is_file()]
    assert len(files) == mirror["objects"] and (backups / "minio" / "proven.json").exists()
    assert not list(backups.rglob(".work-*")) and not list(backups.rglob(".drill-*"))
    leftovers = subprocess.run(["pgrep", "-f", ".drill-"], capture_output=True, text=True)
    assert leftovers.stdout == "", "a scratch server outlived its drill"


def test_a_second_run_transfers_nothing(second: Run, backups: Path) -> None:
    assert second.returncode == 0, second.stdout[-4000:]
    mirror = second.figures(MIRROR)
    print(f"\nsecond run: mysql {second.figures(DUMP)}\nsecond run: s3 {mirror}")
    assert (mirror["transferred_objects"], mirror["transferred_bytes"]) == (0, 0)
    assert len(list((backups / "mysql").glob("*.sql.gz"))) == 2  # keep: 2


def test_daily_checks_see_fresh_backups_and_no_default_login(
    second: Run, seeded: Lab, backups: Path, tmp_path: Path
) -> None:
    run = suite(seeded, tmp_path, "daily", inventory(tmp_path / "inv.yml", backups))
    assert run.returncode == 0, run.stdout[-4000:]
    assert run.outcomes == {
        "test_file[wecom-runner-3.5-mysql-backup-fresh]": "passed",
        "test_file[wecom-runner-3.5-minio-mirror-fresh]": "passed",
        "test_s3_default_login[wecom-prod-3.2-minio-default-login]": "passed",
    }


def test_writes_during_the_dump_leave_the_proof_whole(
    second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    """Rows inserted all through a run: the figures are the dump's snapshot's, so the restore
    still equals them; and the oldest of the three proven dumps goes (keep: 2)."""
    before = secrets.sql("SELECT COUNT(*) FROM msg_archive", "thqh_enterprise_wechat")[0][0]
    oldest = sorted((backups / "mysql").glob("*.sql.gz"))[0].name
    stop, next_id = threading.Event(), [10**6]

    def write() -> None:
        conn = secrets.mariadb.connect("thqh_enterprise_wechat")
        with conn.cursor() as cur:
            while not stop.is_set():
                next_id[0] += 1
                cur.execute("INSERT INTO msg_archive (id, msgid, seq) VALUES (%s, 'w', 0)", next_id)
                time.sleep(0.002)
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = checks.run(case_of(inventory(tmp_path / "inv.yml", backups), "mysql-dump"))
    finally:
        stop.set()
        writer.join()
        after = secrets.sql("SELECT COUNT(*) FROM msg_archive", "thqh_enterprise_wechat")[0][0]
        secrets.sql("DELETE FROM msg_archive WHERE id > 60000", "thqh_enterprise_wechat")
    assert result.verdict is Verdict.OK, result
    line = next(d for d in result.details if d.startswith("table msg_archive:"))
    snapshot = int(line.split(": ")[1].split()[0])
    assert before < snapshot < after, (before, snapshot, after)  # written before, during, after
    assert any(
        d == f"deleted (older than the 2 kept): {oldest.removesuffix('.sql.gz')}"
        for d in result.details
    ), result.details


MYSQL_FAULTS = {
    "truncated-dump": (faults.truncate, ("is truncated:", "not restored")),
    "corrupted-dump": (faults.flip_a_byte, ("is corrupted: its sha256 is",)),
    "dump-missing-a-table": (
        lambda dump: faults.rewrite(dump, faults.without_table(_sql(dump), "room_member")),
        ("table room_member (10000 rows in the source) is missing from the dump",),
    ),
    "restore-fails": (
        lambda dump: faults.rewrite(dump, faults.with_bad_statement(_sql(dump))),
        (
            "the restore into a scratch MariaDB 10.11 failed: the mariadb client exited 1: "
            "ERROR 1064 (42000) at line",
        ),
    ),
}


def _sql(dump: Path) -> bytes:
    return gzip.decompress(dump.read_bytes())


@pytest.mark.parametrize("fault", list(MYSQL_FAULTS))
def test_a_broken_dump_is_crit(
    fault: str, second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    copy = faults.copy_backup(backups, tmp_path / "backups")
    breaks, words = MYSQL_FAULTS[fault]
    breaks(faults.newest_dump(copy / "mysql"))
    crit(checks.run(case_of(inventory(tmp_path / "inv.yml", copy, "verify"), "mysql-dump")), *words)


S3_FAULTS = {
    "missing-object": (lambda p: p.unlink(), "1 object(s) of the bucket missing from the backup: "),
    "changed-object": (
        faults.change_same_size,
        "1 object(s) differ between the bucket and the backup (size or content): ",
    ),
}


@pytest.mark.parametrize("fault", list(S3_FAULTS))
def test_a_broken_mirror_is_crit(
    fault: str, second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    copy = faults.copy_backup(backups, tmp_path / "backups")
    victim = copy / "minio" / "current" / "archive" / "chat" / "2025" / "0042.json"
    breaks, words = S3_FAULTS[fault]
    breaks(victim)
    result = checks.run(case_of(inventory(tmp_path / "inv.yml", copy, "verify"), "minio-mirror"))
    crit(result, words + "archive/chat/2025/0042.json")


def test_a_deleted_object_stays_in_an_older_generation(
    second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    """Mirrored, then deleted from the bucket: the next run moves it out of the mirror into
    superseded/STAMP/, never erasing it."""
    copy = faults.copy_backup(backups, tmp_path / "backups")
    inv = inventory(tmp_path / "inv.yml", copy)
    s3, key = bulk_objects.client(secrets.env()["THQH_MINIO_SECRET_KEY"]), "selftest/probe.txt"
    s3.put_object(S3_BUCKET, key, io.BytesIO(b"kept"), 4)
    try:
        mirrored = checks.run(case_of(inv, "minio-mirror"))
    finally:
        s3.remove_object(S3_BUCKET, key)
    assert mirrored.verdict is Verdict.OK and figures(mirrored)["transferred_objects"] == 1
    again = checks.run(case_of(inv, "minio-mirror"))
    assert again.verdict is Verdict.OK and figures(again)["superseded_objects"] == 1, again
    (generation,) = (copy / "minio" / "superseded").iterdir()
    assert (generation / key).read_bytes() == b"kept"
    assert not (copy / "minio" / "current" / key).exists()


def figures(result: Result) -> dict[str, float]:
    line = next(d for d in result.details if d.startswith("figures: "))
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def test_a_second_run_at_once_is_refused(
    second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    copy = faults.copy_backup(backups, tmp_path / "backups")
    with lock.held(copy / "mysql"):
        result = checks.run(case_of(inventory(tmp_path / "inv.yml", copy), "mysql-dump"))
    assert result.verdict is Verdict.UNKNOWN, result
    assert (
        f"another backup run holds {copy / 'mysql' / lock.LOCK_NAME} (pid {os.getpid()}"
        in result.message
    )


def test_a_backup_older_than_fifteen_days_fails_the_daily_check(
    second: Run, secrets: Lab, backups: Path, tmp_path: Path
) -> None:
    copy = faults.copy_backup(backups, tmp_path / "backups")
    old = time.time() - 16 * 86400
    for dump in (copy / "mysql").glob("*.sql.gz"):
        os.utime(dump, (old, old))
    result = checks.run(case_of(inventory(tmp_path / "inv.yml", copy), "mysql-backup-fresh"))
    crit(result, "age 16 d > 15 d")


@pytest.fixture
def default_minio(tmp_path: Path) -> Iterator[ScratchS3]:
    """An S3 server that still takes MinIO's default login."""
    with ScratchS3(tmp_path, Deadline(120, "test"), "DEFAULT", "minioadmin", "minioadmin") as s3:
        yield s3


def test_a_server_taking_the_default_login_is_crit(
    default_minio: ScratchS3, secrets: Lab, tmp_path: Path
) -> None:
    inv = inventory(
        tmp_path / "inv.yml", tmp_path, s3=default_minio.endpoint.removeprefix("http://")
    )
    result = checks.run(case_of(inv, "minio-default-login"))
    crit(result, "the default login minioadmin is accepted (S3 API)", "MINIO_ROOT_PASSWORD")
