"""An inventory's ``env_file``: variables for its ``${VAR}`` secrets, read with python-dotenv.

Variables already set in the environment win (a CI job's secrets over a file on disk). The
file is refused if anyone but its owner may read or write it: it holds passwords.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dotenv import dotenv_values

from xunjian.inventory.errors import InventoryError


def apply(inventory: Path, name: str) -> list[str]:
    """Set the file's variables that are not set yet; return their names (never values)."""
    path = (inventory.parent / name).resolve()
    where = f"env_file: {path}"
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise InventoryError(inventory, [f"{where}: cannot read it ({e.strerror})"]) from None
    if not stat.S_ISREG(mode):
        raise InventoryError(inventory, [f"{where}: not a regular file"])
    if mode & 0o077:
        raise InventoryError(
            inventory,
            [f"{where}: mode {stat.S_IMODE(mode):o} lets others read or change it: chmod 600 it"],
        )
    added: list[str] = []
    for key, value in dotenv_values(path).items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
            added.append(key)
    return added
