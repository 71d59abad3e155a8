"""The process table as ``ps -eww -o pid=,comm=,args=`` prints it (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

PS_COMMAND = "ps -eww -o pid=,comm=,args="


@dataclass(frozen=True)
class Proc:
    pid: int
    comm: str
    args: str

    def argv(self) -> list[str]:
        """ps joins argv with spaces and quotes nothing, so a plain split is its best inverse."""
        return self.args.split()

    def file_arg(self, filename: str) -> str | None:
        """The argument (or classpath entry) that is ``filename`` or a path ending in it."""
        for arg in self.argv():
            for piece in arg.split(":"):
                if PurePosixPath(piece).name == filename:
                    return piece
        return None

    def names_file(self, filename: str) -> bool:
        """True if an argument is ``filename`` or a path ending in it (``-jar``, ``-cp a.jar:b``)."""
        return self.file_arg(filename) is not None


def parse_ps(output: str) -> list[Proc]:
    procs = []
    for line in output.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0].isdigit():
            procs.append(Proc(int(parts[0]), parts[1], parts[2] if len(parts) > 2 else parts[1]))
    return procs
