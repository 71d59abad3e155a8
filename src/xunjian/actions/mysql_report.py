"""What a MySQL backup run reports: the figures, the times, what was kept; and whether that
proves the dump (:mod:`xunjian.actions.mysql_proof`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xunjian.actions import mysql_proof
from xunjian.actions.mysql_figures import Figures


@dataclass(frozen=True)
class MysqlReport:
    action: str  # backup: dump, then prove; verify: prove the newest proven dump again
    database: str
    name: str = ""  # the dump's file name, as kept (proven) or as left (.unproven)
    recorded: tuple[int, str] | None = None  # (bytes, sha256) in the manifest
    found: tuple[int, str] | None = None  # (bytes, sha256) of the file read back
    raw_bytes: int = 0  # SQL bytes of the dump
    source: Figures | None = None  # the source's figures in the dump's snapshot
    restored: Figures | None = None  # read from the scratch server after the restore
    restore_error: str | None = None
    complete: bool = False  # the dump ends with its "-- Dump completed" line
    source_server: str = ""  # MariaDB 10.11, MySQL 8.0
    scratch_server: str = ""
    pause: str = ""  # how the figures were aligned with the dump's snapshot
    translated: str = ""  # what the drill translated (a MySQL source restored into MariaDB)
    seconds: Mapping[str, float] = field(default_factory=dict)
    kept: tuple[str, ...] = ()  # proven dumps in the directory afterwards
    deleted: tuple[str, ...] = ()  # deleted by retention (after this one was proven)
    error: str | None = None  # the run failed before there was anything to prove

    def problems(self) -> list[str]:
        """Empty when the dump is proven; else each reason it is not."""
        if self.error:
            return [self.error]
        if self.recorded is None or self.found is None:
            return ["the dump was not read back"]
        found = mysql_proof.file_problems(self.name, self.recorded, self.found)
        if found:
            return [*found, "not restored: the file is not the one that was dumped"]
        found = mysql_proof.restore_problems(
            self.restore_error, self.complete, self.scratch_server or "MariaDB"
        )
        if found or self.source is None or self.restored is None:
            return found or ["the restored copy was not counted"]
        return mysql_proof.figure_problems(self.source, self.restored)

    @property
    def proven(self) -> bool:
        return not self.problems()
