"""The environment backup (runbook 001 §6, 环境变量备份): ``env_backup_YYYY-MM-DD.json`` in a
directory on the runner, holding per variable its presence, length and keyed hash (HMAC-SHA256,
:mod:`xunjian.observe.envdigest`), never a value; compared with the newest earlier backup.

The file is written whole or not at all (:func:`xunjian.actions.manifest.write`), under the
directory's lock, and read back before the backup counts as done. The day in its name is
Beijing's (the runbooks' clock); a second backup on one day replaces that day's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from xunjian.actions import ActionError, lock, manifest
from xunjian.checks.env_source import Changes, EnvReading, compare

FORMAT = "xunjian env backup 1"
NAME = re.compile(r"^env_backup_(\d{4}-\d{2}-\d{2})\.json$")


@dataclass(frozen=True)
class EnvBackupReport:
    """What the backup did: the file written, the one compared with, and what changed."""

    written: Path
    variables: int
    previous: Path | None = None
    changes: Changes | None = None  # None: not compared (``why`` says why)
    why: str = ""


def file_name(day: date) -> str:
    return f"env_backup_{day:%Y-%m-%d}.json"


def backups(directory: Path) -> list[Path]:
    """The backup files in ``directory``, oldest first (by the day in their names)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if NAME.match(p.name) and p.is_file())


def content(reading: EnvReading, host: str, taken: datetime) -> dict[str, Any]:
    """The file's JSON: names, presence, lengths and keyed hashes; no value, no plain digest."""
    seen = reading.vars or {}
    keyed = reading.keyed or {}
    return {
        "format": FORMAT,
        "taken": taken.astimezone(UTC).isoformat(timespec="seconds"),
        "host": host,
        "source": reading.source,
        "key_id": reading.key_id,
        "vars": {
            name: {
                "present": s.present,
                "length": s.length if s.present else None,
                "hmac": keyed.get(name),
            }
            for name, s in seen.items()
        },
    }


def hashes(data: dict[str, Any]) -> dict[str, Any]:
    """A backup's ``{name: hmac or None}`` with its key id under ``@key`` (as ``compare`` takes)."""
    found = data.get("vars")
    if not isinstance(found, dict):
        raise ActionError("its 'vars' is not an object")
    out: dict[str, Any] = {"@key": data.get("key_id")}
    for name, entry in found.items():
        out[name] = entry.get("hmac") if isinstance(entry, dict) else None
    return out


def run(
    directory: Path, day: date, host: str, reading: EnvReading, taken: datetime | None = None
) -> EnvBackupReport:
    """Write the day's backup and compare it with the newest earlier one."""
    if reading.vars is None:
        raise ActionError(f"nothing to back up: {reading.absent}")
    target = directory / file_name(day)
    with lock.held(directory):
        earlier = [p for p in backups(directory) if p.name < target.name]
        data = content(reading, host, taken or datetime.now(UTC))
        try:
            manifest.write(target, data)
        except OSError as e:
            raise ActionError(f"cannot write {target}: {e.strerror}") from None
        if manifest.read(target) != data:  # read back: the backup is what was meant
            raise ActionError(f"{target} does not read back as written")
    report = EnvBackupReport(target, len(data["vars"]))
    if reading.key_id is None:
        return _with(report, None, None, f"change detection not possible: {reading.key_problem}")
    if not earlier:
        return _with(report, None, None, "the first backup: nothing to compare with")
    before_path = earlier[-1]
    try:
        before = hashes(manifest.read(before_path))
    except ActionError as e:
        return _with(report, before_path, None, f"{before_path.name} cannot be compared: {e}")
    if before["@key"] != reading.key_id:
        why = f"{before_path.name} was hashed with another key: changes cannot be told"
        return _with(report, before_path, None, why)
    return _with(report, before_path, compare(before, hashes(data)), "")


def _with(
    report: EnvBackupReport, previous: Path | None, changes: Changes | None, why: str
) -> EnvBackupReport:
    return EnvBackupReport(report.written, report.variables, previous, changes, why)
