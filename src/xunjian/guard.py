"""XUNJIAN_LOOPBACK_ONLY=1: refuse to run checks against anything outside 127.0.0.0/8.

The project's own tests and CI set it, so that a production inventory can be collected there
but never run by mistake. Names other than ``localhost`` are refused unresolved: resolving
them would already be traffic.
"""

from __future__ import annotations

import functools
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from xunjian.alerts.config import AlertsConfig, MailChannel
from xunjian.checks.registry import module
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import SqliteDatabase
from xunjian.loopback import is_loopback

ENV = "XUNJIAN_LOOPBACK_ONLY"


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


# Query options of a connection URL that testinfra honours and that cannot send a connection
# elsewhere; ssh_config is evaluated (it wins over the inventory's: testinfra's own rule). Any
# other option (controlpath: an existing master may lead anywhere) is refused under the guard.
_HARMLESS = frozenset({"ssh_identity_file", "timeout", "sudo", "sudo_user", "controlpersist"})


def ssh_config_of(case: CheckCase) -> str | None:
    """The ssh config testinfra will use: the URL's ``?ssh_config=`` first, then the inventory's."""
    query = parse_qs(urlsplit(case.connection).query)
    if "ssh_config" in query:
        return query["ssh_config"][-1]
    return str(case.ssh_config) if case.ssh_config else None


def _ssh_targets(case: CheckCase) -> set[str]:
    found = set(_ssh_g(case.connection, ssh_config_of(case)))
    options = set(parse_qs(urlsplit(case.connection).query)) - _HARMLESS - {"ssh_config"}
    found |= {f"{case.connection} (query option {o} is not evaluated)" for o in sorted(options)}
    return found


@functools.cache
def _ssh_g(connection: str, ssh_config: str | None) -> frozenset[str]:
    """Where ssh (or paramiko, which reads the same config) would really go: `ssh -G` evaluates
    the config (HostName, ProxyJump, ProxyCommand) without connecting. Once per host and config."""
    url = urlsplit(connection)
    argv = ["ssh", "-G"]
    if ssh_config:
        argv += ["-F", ssh_config]
    if url.port:
        argv += ["-p", str(url.port)]
    argv.append(url.hostname or "")
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset({f"{connection} (ssh -G could not evaluate it)"})
    found = set()
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key == "hostname":
            found.add(value)
        elif key == "proxyjump" and value != "none":
            found |= {urlsplit(f"//{hop}").hostname or hop for hop in value.split(",")}
        elif key == "proxycommand" and value != "none":
            found.add(f"ProxyCommand {value}")
    return frozenset(found)


def targets(case: CheckCase) -> set[str]:
    """Every address a case would contact."""
    found = {case.host.address}
    scheme = case.connection.split("://", 1)[0]
    if scheme in ("ssh", "safe-ssh", "paramiko"):
        found |= _ssh_targets(case)
    elif scheme != "local":
        found.add(f"{case.connection} (not checked: only ssh, paramiko and local are)")
    for name in case.spec.databases():
        db = case.host.databases[name]
        if not isinstance(db, SqliteDatabase):  # a file read through the host's connection
            found.add(db.host or case.host.address)
    found |= module(case.kind).targets(case)
    return {t for t in found if t}


def outside(cases: list[CheckCase]) -> list[str]:
    """One line per target outside the loopback range, with the checks that would contact it.

    ``ssh -G`` runs once per distinct machine, in parallel (it is a process each)."""
    machines = {
        (c.connection, ssh_config_of(c))
        for c in cases
        if c.connection.split("://", 1)[0] in ("ssh", "safe-ssh", "paramiko")
    }
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda m: _ssh_g(*m), machines))
    users: dict[str, list[str]] = {}
    for case in cases:
        for target in targets(case):
            if not is_loopback(target):
                users.setdefault(target, []).append(case.id)
    return [f"{t} ({len(ids)} checks, e.g. {ids[0]})" for t, ids in sorted(users.items())]


def alerts_outside(configs: dict[str, AlertsConfig]) -> list[str]:
    """The alert channels (by inventory) that would send beyond loopback: the vendors' bots
    and mail servers are refused under the guard as checks are."""
    far: list[str] = []
    for where, config in configs.items():
        for name, channel in config.channels.items():
            host = (
                channel.host
                if isinstance(channel, MailChannel)
                else urlsplit(channel.base_url).hostname
            )
            if not is_loopback(host or ""):
                far.append(f"{where}: alerts.channels.{name} sends to {host}")
    return far
