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


FIXED = Path("/run/xunjian-lab")  # see LabPaths.link_fixed


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

    @property
    def tls(self) -> Path:
        """The lab CA (``ca.crt``, ``ca.key``) and the server certificates it signed."""
        return self.root / "tls"

    @property
    def pg_ca(self) -> Path:
        """The CA certificate a PostgreSQL client verifies the lab server with (verify-full)."""
        return self.tls / "ca.crt"

    @property
    def creditpilot_db(self) -> Path:
        """CreditPilot's SQLite file (runbook 001 ``db/smart_loan_manager.db``) on 127.0.11.1."""
        return self.fs / "opt/creditpilot/db/smart_loan_manager.db"

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

    def link_fixed(self) -> None:
        """``/run/xunjian-lab`` -> this lab: lab inventories name files on the lab hosts by an
        absolute path, as production inventories do, whichever folder the clone is in (one
        lab runs per machine: its addresses are fixed)."""
        if FIXED.is_symlink() and FIXED.resolve() == self.root.resolve():
            return
        tmp = FIXED.with_name(FIXED.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.root.resolve())
        tmp.replace(FIXED)
