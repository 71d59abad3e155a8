"""The bulk data of the backup drills (runbook 000 part 3): big enough for the figures to mean
something, small enough to seed in seconds, and seeded by the lab's own seeding step (checked
here without a server: the seeding functions are stood in for)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from xunjian.lab import Lab, bulk, bulk_objects, seed


def test_the_tables_hold_over_100000_rows_one_table_without_a_key() -> None:
    assert sum(rows for _, rows, _ in bulk.TABLES.values()) >= 100_000
    assert "PRIMARY KEY" not in bulk.TABLES["room_member"][0]
    rows = list(bulk._members(random.Random(1), 100))
    assert len(rows) == 100 and len(set(rows)) < 100  # duplicate rows, which a XOR would cancel


def test_the_objects_are_many_mixed_and_some_multipart() -> None:
    blobs = bulk_objects.blobs()
    sizes = [len(b.data) for b in blobs]
    assert len(blobs) >= 1000 and sum(sizes) < 100 * 2**20
    multipart = [b for b in blobs if len(b.data) > bulk_objects.PART]
    assert len(multipart) == 3 and all(
        b.etag.endswith("-2") or b.etag.endswith("-3") for b in multipart
    )
    assert min(sizes) < 1024 < 64 * 1024 < max(sizes)
    assert bulk_objects.blobs()[7] == blobs[7]  # deterministic


def test_the_lab_seeding_step_seeds_the_bulk_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    the_lab = Lab(tmp_path)
    the_lab.ctx.secrets.update(
        dict.fromkeys(
            (
                "THQH_MYSQL_PASSWORD",
                "THQH_MINIO_SECRET_KEY",
                "CTEA_PG_PASSWORD",
                "CTEA_PG_RO_PASSWORD",
                "THQH_API_USERNAME",
                "THQH_API_PASSWORD",
            ),
            "x" * 8,
        )
    )
    the_lab.paths.ensure()
    for name in ("seed_database", "seed_s3", "seed_postgres", "seed_files", "seed_creditpilot"):
        monkeypatch.setattr(seed, name, lambda *a, name=name, **k: called.append(name))
    monkeypatch.setattr(bulk, "seed_tables", lambda db: called.append("bulk tables") or [])
    monkeypatch.setattr(
        bulk_objects, "seed_objects", lambda key: called.append("bulk objects") or 0
    )
    the_lab._seed(force=True)
    assert called.index("bulk tables") == called.index("seed_database") + 1
    assert called.index("bulk objects") == called.index("seed_s3") + 1
