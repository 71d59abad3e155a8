"""A backup's manifest: JSON beside the backup, written whole or not at all; and the sha256
of a file, read once."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xunjian.actions import ActionError

CHUNK = 1 << 20


def sha256_file(path: Path, seen: Callable[[int], None] | None = None) -> tuple[int, str]:
    """(size, sha256 hex) of ``path``; ``seen`` is told the bytes read so far."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if seen:
                seen(size)
    return size, digest.hexdigest()


def write(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a reader sees the old manifest or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read(path: Path) -> dict[str, Any]:
    """The manifest; :class:`ActionError` says why it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ActionError(f"manifest {path} is missing: the backup cannot be proven") from None
    except (OSError, ValueError) as e:
        raise ActionError(f"manifest {path} cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise ActionError(f"manifest {path} is not a JSON object")
    return data
