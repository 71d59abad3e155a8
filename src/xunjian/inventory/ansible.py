"""Hosts from an Ansible inventory, read the way Ansible reads it: ``ansible-inventory --list``
(any format Ansible knows: INI, YAML, scripts, plugins), never parsed by hand here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xunjian.inventory.errors import InventoryError

TIMEOUT = 60  # seconds ansible-inventory may take (a dynamic inventory script, say)


@dataclass(frozen=True)
class AnsibleHost:
    name: str  # inventory_hostname
    address: str  # ansible_host, or the name
    user: str | None
    port: int | None


def _members(doc: dict[str, Any], group: str, seen: set[str]) -> list[str]:
    """A group's hosts, its children's included, in the inventory's order."""
    if group in seen:
        return []
    seen.add(group)
    entry = doc.get(group) or {}
    found = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        found += _members(doc, child, seen)
    return list(dict.fromkeys(found))


def read(path: Path, group: str, key: str) -> list[AnsibleHost]:
    """The hosts of ``group`` in the Ansible inventory at ``path``; InventoryError names ``key``
    (the key path of the source in our inventory) when Ansible cannot read it."""
    tool = shutil.which("ansible-inventory")
    if tool is None:
        raise InventoryError(
            path, [f"{key}: ansible-inventory is not installed (pip install ansible-core)"]
        )
    if not path.is_file():
        raise InventoryError(path, [f"{key}: no such file (relative to the inventory)"])
    try:
        out = subprocess.run(
            [tool, "-i", str(path), "--list"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"},
        )
    except subprocess.TimeoutExpired:
        raise InventoryError(path, [f"{key}: ansible-inventory took over {TIMEOUT} s"]) from None
    said = " ".join(out.stderr.split())[:300]
    if out.returncode != 0 or "Unable to parse" in out.stderr:
        raise InventoryError(path, [f"{key}: ansible-inventory could not read it: {said}"])
    doc: dict[str, Any] = json.loads(out.stdout)
    names = _members(doc, group, set())
    if not names:
        groups = sorted(g for g in doc if g != "_meta")
        raise InventoryError(
            path, [f"{key}: group {group!r} has no hosts (groups: {', '.join(groups)})"]
        )
    hostvars: dict[str, dict[str, Any]] = doc.get("_meta", {}).get("hostvars", {})
    hosts = []
    for name in names:
        hv = hostvars.get(name, {})
        port = hv.get("ansible_port") or hv.get("ansible_ssh_port")
        hosts.append(
            AnsibleHost(
                name,
                str(hv.get("ansible_host") or name),
                str(hv["ansible_user"]) if hv.get("ansible_user") else None,
                int(port) if port else None,
            )
        )
    return hosts


def host_id(name: str) -> str:
    """An inventory hostname as a test-id part: web01.example.com -> web01.example.com."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip("._-") or "host"
