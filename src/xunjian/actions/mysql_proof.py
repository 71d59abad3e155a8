"""Whether a dump is proven: pure comparisons of what the drill found with what the manifest
recorded at dump time. The action decides by them whether to keep the dump as proven; the
``mysql_backup`` check words its verdict with the same ones."""

from __future__ import annotations

from xunjian.actions.mysql_figures import OBJECTS, Figures
from xunjian.actions.progress import size


def file_problems(name: str, recorded: tuple[int, str], found: tuple[int, str]) -> list[str]:
    """The file against its manifest: (bytes, sha256) recorded at dump time and read now."""
    (want_bytes, want_sha), (got_bytes, got_sha) = recorded, found
    if got_bytes < want_bytes:
        return [
            f"{name} is truncated: {got_bytes} of {want_bytes} bytes "
            f"({size(got_bytes)} of {size(want_bytes)})"
        ]
    if got_bytes > want_bytes:
        return [f"{name} has grown since it was dumped: {got_bytes} bytes, {want_bytes} recorded"]
    if got_sha != want_sha:
        return [
            f"{name} is corrupted: its sha256 is {got_sha[:16]}..., "
            f"the manifest recorded {want_sha[:16]}..."
        ]
    return []


def restore_problems(error: str | None, complete: bool, scratch: str) -> list[str]:
    """The drill's own failure, and a dump that stops before its last line."""
    if error:
        return [f"the restore into a scratch {scratch} failed: {error}"]
    if not complete:
        return ["the dump does not end with its '-- Dump completed' line: it was cut short"]
    return []


def figure_problems(source: Figures, restored: Figures) -> list[str]:
    """Every table, row count and checksum of the source's snapshot, and every view,
    routine, trigger and event, found again in the restored copy."""
    found = []
    for table, want in sorted(source.tables.items()):
        got = restored.tables.get(table)
        if got is None:
            found.append(f"table {table} ({want.rows} rows in the source) is missing from the dump")
        elif got.rows != want.rows:
            found.append(
                f"table {table}: {got.rows} rows restored, {want.rows} in the source's snapshot"
            )
        elif got.checksum != want.checksum:
            found.append(
                f"table {table}: content differs from the source's snapshot (checksum "
                f"{got.checksum[:12]} restored, {want.checksum[:12]} in the source)"
            )
    for table in sorted(set(restored.tables) - set(source.tables)):
        found.append(f"table {table} is in the dump but was not in the source")
    for kind in OBJECTS:
        missing = sorted(set(source.objects.get(kind, ())) - set(restored.objects.get(kind, ())))
        if missing:
            found.append(f"{kind} missing from the dump: {', '.join(missing)}")
    return found
