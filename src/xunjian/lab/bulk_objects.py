"""Bulk objects for the MinIO backup drill (see :mod:`xunjian.lab.bulk`): 1,000 objects under
``archive/`` in the wecom bucket: 900 chat files of 100 B to 16 KiB, 97 media files of 32 to
256 KiB and three videos of 5.5, 7 and 11 MiB sent as multipart uploads (5 MiB parts), so their
ETags are not MD5s of their content. About 45 MiB. Deterministic and idempotent: an object
already there with the generated size and ETag is not sent again."""

from __future__ import annotations

import hashlib
import io
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import urllib3
from minio import Minio

from xunjian.lab.topology import S3_ACCESS_KEY, S3_BUCKET, S3_PORT, WECOM

PREFIX = "archive/"
PART = 5 * 1024 * 1024
MiB = 1024 * 1024


@dataclass(frozen=True)
class Blob:
    key: str
    data: bytes

    @property
    def etag(self) -> str:
        """MD5 for one part; for a multipart upload, MD5 of the parts' MD5s and ``-N``."""
        if len(self.data) <= PART:
            return hashlib.md5(self.data).hexdigest()
        parts = [self.data[i : i + PART] for i in range(0, len(self.data), PART)]
        joined = b"".join(hashlib.md5(p).digest() for p in parts)
        return f"{hashlib.md5(joined).hexdigest()}-{len(parts)}"


def blobs() -> list[Blob]:
    rng = random.Random("xunjian bulk objects v1")
    found = [
        Blob(f"{PREFIX}chat/2025/{i:04d}.json", rng.randbytes(rng.randint(100, 16 * 1024)))
        for i in range(900)
    ]
    found += [
        Blob(f"{PREFIX}media/{i:03d}.bin", rng.randbytes(rng.randint(32 * 1024, 256 * 1024)))
        for i in range(97)
    ]
    found += [
        Blob(f"{PREFIX}video/{i}.mp4", rng.randbytes(int(mib * MiB)))
        for i, mib in enumerate((5.5, 7, 11))
    ]
    return found


def client(secret_key: str) -> Minio:
    http = urllib3.PoolManager(
        maxsize=8,
        timeout=urllib3.Timeout(connect=3, read=30),
        retries=urllib3.Retry(total=2, backoff_factor=0.5),
    )
    return Minio(f"{WECOM}:{S3_PORT}", S3_ACCESS_KEY, secret_key, secure=False, http_client=http)


def seed_objects(secret_key: str) -> int:
    """Send what is missing or different, remove strays under ``archive/``; how many sent."""
    s3 = client(secret_key)
    if not s3.bucket_exists(S3_BUCKET):
        s3.make_bucket(S3_BUCKET)
    there = {
        o.object_name: (o.size, (o.etag or "").strip('"'))
        for o in s3.list_objects(S3_BUCKET, prefix=PREFIX, recursive=True)
    }
    wanted = blobs()
    send = [b for b in wanted if there.get(b.key) != (len(b.data), b.etag)]

    def put(blob: Blob) -> None:
        s3.put_object(S3_BUCKET, blob.key, io.BytesIO(blob.data), len(blob.data), part_size=PART)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, send))
    for stray in sorted(set(there) - {b.key for b in wanted}):
        s3.remove_object(S3_BUCKET, stray)
    return len(send)
