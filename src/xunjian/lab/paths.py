"""Where the lab keeps its files: one directory, ``$XUNJIAN_LAB_DIR`` or ``<repo>/.lab``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"


def repo_root() -> Path:
    """The directory holding pyproject.toml, searched from this package, then from the cwd."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "pyproject.toml").is_file():
                return candidate
    raise RuntimeError("no pyproject.toml above the package or the cwd: set XUNJIAN_LAB_DIR")


def default_lab_dir() -> Path:
    env = os.environ.get("XUNJIAN_LAB_DIR")
    return Path(env).resolve() if env else repo_root() / ".lab"


@dataclass(frozen=True)
class LabPaths:
    """Every path the lab uses, derived from its root directory."""

    root: Path

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def fs(self) -> Path:
        """The emulated hosts' file system: runbook paths live under it."""
        return self.root / "root"

    @property
    def env_file(self) -> Path:
        return self.root / "lab.env"

    @property
    def ssh_dir(self) -> Path:
        return self.root / "ssh"

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def rsync_data(self) -> Path:
        return self.fs / "usr/local/Thqh/rsyncData"

    @property
    def rsync_log(self) -> Path:
        return self.rsync_data / "rsync_log/rsync_data.log"

    def pidfile(self, component: str) -> Path:
        return self.run / (component.replace(":", "-") + ".pid")

    def logfile(self, component: str) -> Path:
        return self.log / (component.replace(":", "-") + ".log")

    def data(self, component: str) -> Path:
        return self.root / "data" / component

    def ensure(self) -> None:
        for d in (self.root, self.run, self.log, self.etc, self.fs, self.ssh_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
