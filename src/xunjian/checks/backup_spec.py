"""The keys the backup kinds (``mysql_backup``, ``s3_backup``) share, and their durations.

A backup is an action (:mod:`xunjian.actions`), not an observation: it runs for as long as its
``time_limit`` (hours), where a check's ``timeout`` (seconds) bounds each network call.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h|d)\s*$")
_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
MAX_LIMIT = 7 * 86400
GRACE = 60.0  # seconds the check waits beyond the action's own limit (its clean-up)


def seconds(value: object) -> float:
    """``"2h"`` -> 7200.0; ValueError names what was given and what is expected."""
    m = _DURATION.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"{value!r} is not a duration: expected e.g. 90 min, 2 h, 45 s or 1 d")
    total = float(m[1]) * _SECONDS[m[2]]
    if not 0 < total <= MAX_LIMIT:
        raise ValueError(f"{value!r}: a time limit is above 0 and at most 7 d")
    return total


Duration = Annotated[
    float,
    BeforeValidator(seconds),
    WithJsonSchema({"type": "string", "pattern": _DURATION.pattern, "examples": ["2 h"]}),
]


class BackupCheck(CheckBase):
    """``backup``: take a new backup and prove it by a restore drill, then apply ``keep``;
    ``verify``: prove the newest proven backup again (a drill; nothing new is kept)."""

    name: Ident
    action: Literal["backup", "verify"] = "backup"
    backup_dir: str = Field(
        pattern=r"^/",
        description="absolute directory on the runner (the machine running xunjian), not on "
        "the server: the runbook's 不要只存在服务器上",
    )
    keep: int = Field(4, ge=1, le=1000, description="proven backups (or generations) kept")
    time_limit: Duration = Field(
        "2 h",  # parsed like a written one (validate_default)
        validate_default=True,
        description="the whole run: dump or mirror, drill, diff (e.g. 2 h)",
    )
