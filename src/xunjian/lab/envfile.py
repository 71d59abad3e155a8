"""The lab's secrets: generated once, kept in ``<labdir>/lab.env`` (mode 600), never printed."""

from __future__ import annotations

import os
import secrets as _random
from pathlib import Path

from xunjian.lab.topology import SECRET_KEYS


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def load_or_create(path: Path) -> dict[str, str]:
    """Return the secrets, creating any that are missing; the file is always left at mode 600."""
    values = read_env_file(path) if path.exists() else {}
    missing = [k for k in SECRET_KEYS if not values.get(k)]
    if missing:
        for key in missing:
            values[key] = _random.token_urlsafe(18)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{k}={values[k]}\n" for k in SECRET_KEYS))
    path.chmod(0o600)
    return {k: values[k] for k in SECRET_KEYS}
