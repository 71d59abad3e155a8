"""rclone, Debian's well-kept sync tool, for mirroring a bucket, diffing and restoring it.

Remotes are configured on the fly through ``RCLONE_CONFIG_<NAME>_*`` variables of rclone's
own environment (keys never on a command line) and ``--config /dev/null`` (no config file of
the runner's is read). Only remotes built ``writable`` (the scratch server of a drill) may be
written to: the source is read, never written, whatever a caller asks.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xunjian.actions import ActionError, subproc
from xunjian.actions.clock import Deadline
from xunjian.actions.progress import Progress, size


@dataclass(frozen=True, repr=False)
class Remote:
    name: str  # upper case: SRC, DRILL
    endpoint: str
    access_key: str
    secret_key: str
    provider: str = "Minio"
    writable: bool = False

    def env(self) -> dict[str, str]:
        prefix = f"RCLONE_CONFIG_{self.name}_"
        return {
            prefix + "TYPE": "s3",
            prefix + "PROVIDER": self.provider,
            prefix + "ENDPOINT": self.endpoint,
            prefix + "ACCESS_KEY_ID": self.access_key,
            prefix + "SECRET_ACCESS_KEY": self.secret_key,
            prefix + "REGION": "us-east-1",
            prefix + "FORCE_PATH_STYLE": "true",
        }

    def path(self, bucket: str) -> str:
        return f"{self.name.lower()}:{bucket}"

    def __repr__(self) -> str:
        return f"Remote({self.name}, {self.endpoint}, writable={self.writable})"


@dataclass(frozen=True)
class Transfer:
    """rclone's closing stats of a sync or copy."""

    objects: int  # transferred
    bytes: int  # transferred
    checks: int  # compared and found equal
    superseded: int  # moved out of the mirror into the superseded directory
    errors: int


@dataclass(frozen=True)
class Diff:
    """``rclone check --combined``: by name, size and content (``--download``)."""

    same: int
    only_in_first: tuple[str, ...]  # missing from the second
    only_in_second: tuple[str, ...]
    differ: tuple[str, ...]
    errors: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.only_in_first or self.only_in_second or self.differ or self.errors)


def parse_combined(text: str) -> Diff:
    marks: dict[str, list[str]] = {"=": [], "+": [], "-": [], "*": [], "!": []}
    for line in text.splitlines():
        mark, _, name = line.partition(" ")
        if mark in marks and name:
            marks[mark].append(name)
    return Diff(len(marks["="]), *(tuple(sorted(marks[m])) for m in "+-*!"))


def parse_stats(stderr: str) -> Transfer:
    """The last stats object of rclone's JSON log (``--use-json-log``)."""
    stats: dict[str, object] = {}
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("stats"), dict):
            stats = entry["stats"]
    number = {k: int(v) for k, v in stats.items() if isinstance(v, (int, float))}
    # a file moved into --backup-dir counts as a rename, and as a delete too where the sync
    # deleted it: each is one object superseded
    moved = max(number.get("deletes", 0), number.get("renames", 0))
    return Transfer(
        number.get("transfers", 0),
        number.get("bytes", 0),
        number.get("checks", 0),
        moved,
        number.get("errors", 0),
    )


class Rclone:
    def __init__(self, remotes: Sequence[Remote], home: Path, deadline: Deadline) -> None:
        self.remotes = {r.name.lower(): r for r in remotes}
        self.home = home
        self.deadline = deadline
        extra = {"RCLONE_CONFIG": "/dev/null"}
        for remote in remotes:
            extra |= remote.env()
        self.env = subproc.environment(home, extra)
        self.binary = subproc.tool("rclone")

    def _writable(self, target: str) -> None:
        remote = self.remotes.get(target.split(":", 1)[0]) if ":" in target else None
        if ":" in target and (remote is None or not remote.writable):
            raise ActionError(f"refusing to write to {target}: a backup only ever reads its source")

    def _run(
        self,
        args: Sequence[str],
        stage: str,
        progress: Progress | None = None,
        ok: Sequence[int] = (0,),
    ) -> str:
        """rclone with its JSON log on stderr, stats shown as it goes; its stderr."""
        argv = [self.binary, "--use-json-log", "--stats=1s", "--stats-log-level=NOTICE", *args]
        proc = subproc.start(
            argv,
            self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert proc.stderr is not None
        lines: list[str] = []
        watchdog = subproc.Watchdog(proc, self.deadline, stage)
        try:
            for raw in proc.stderr:
                lines.append(raw.decode(errors="replace"))
                if progress and '"stats"' in lines[-1]:
                    t = parse_stats(lines[-1])
                    progress.show(
                        f"{stage}: {t.objects} objects, {size(t.bytes)}, {t.checks} checked"
                    )
            rc = proc.wait()
        finally:
            watchdog.cancel()
        self.deadline.left(stage)
        if rc not in ok:
            raise ActionError(f"{stage}: rclone exited {rc}: {_errors(lines)}")
        return "".join(lines)

    def size(self, target: str) -> tuple[int, int]:
        """(objects, bytes) under ``target``."""
        out = subproc.run(
            [self.binary, "size", "--json", target], self.env, self.deadline, "sizing"
        )
        if out.returncode != 0:
            raise ActionError(
                f"rclone size {target} exited {out.returncode}: {subproc.said(out.stderr)}"
            )
        data = json.loads(out.stdout)
        return int(data["count"]), int(data["bytes"])

    def sync(self, source: str, mirror: Path, superseded: Path, progress: Progress) -> Transfer:
        """Make ``mirror`` (local) a copy of ``source``: only what changed is transferred (size
        and the server's modification time); what the sync would delete or overwrite is moved
        into ``superseded`` instead, so a deletion on the source erases no older backup."""
        args = [
            "sync",
            source,
            str(mirror),
            f"--backup-dir={superseded}",
            "--use-server-modtime",
            "--transfers=8",
            "--checkers=16",
            "-v",
        ]
        return parse_stats(self._run(args, "mirror", progress))

    def copy(self, local: Path, target: str, progress: Progress) -> Transfer:
        self._writable(target)
        args = ["copy", str(local), target, "--transfers=8", "-v"]
        return parse_stats(self._run(args, "restore", progress))

    def mkdir(self, target: str) -> None:
        self._writable(target)
        self._run(["mkdir", target], "making the drill's bucket")

    def check(self, first: str, second: str, work: Path, stage: str, progress: Progress) -> Diff:
        """Names, sizes and content, downloaded and compared byte for byte (an ETag is no
        MD5 for a multipart upload, and a local file has none): the diff of ``mc diff``."""
        combined = work / f"{stage.replace(' ', '-')}.combined"
        args = ["check", first, second, "--download", f"--combined={combined}", "--checkers=8"]
        said = self._run(args, stage, progress, ok=(0, 1))
        try:
            return parse_combined(combined.read_text(encoding="utf-8", errors="replace"))
        except FileNotFoundError:
            raise ActionError(
                f"{stage}: rclone compared nothing: {_errors(said.splitlines())}"
            ) from None


def _errors(lines: Sequence[str]) -> str:
    said = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            said.append(line.strip())
            continue
        if isinstance(entry, dict) and entry.get("level") in ("error", "critical", "fatal"):
            said.append(str(entry.get("msg", "")).strip())
    return "; ".join(s for s in said if s)[-600:] or "no message"
