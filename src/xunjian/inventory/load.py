"""Load an inventory file: read it (:mod:`.read`), validate the schema, cross-check references,
flatten to one :class:`CheckCase` per check. Every problem names the line where there is one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from xunjian.inventory import ansible, sqlsafety
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError, from_validation
from xunjian.inventory.model import CheckBase
from xunjian.inventory.read import Document, paused_gc, read
from xunjian.inventory.schema import AnsibleSource, Host, Inventory, System
from xunjian.inventory.settings import Settings


def parse(path: Path) -> Inventory:
    """Read and validate one inventory file; raise :class:`InventoryError` on any problem."""
    return _validate(read(path))


def _validate(doc: Document) -> Inventory:
    if not isinstance(doc.data, dict):
        got = "nothing (the file is empty)" if doc.data is None else type(doc.data).__name__
        raise InventoryError(
            doc.path, [f"(top level): expected a mapping, got {got} (version, name, systems)"]
        )
    try:
        return Inventory.model_validate(doc.data)
    except ValidationError as e:
        raise InventoryError(doc.path, doc.locate(from_validation(doc.path, e).problems)) from None


def _sourced(sys_id: str, system: System, path: Path) -> dict[str, Host]:
    """Hosts of the system's Ansible sources, with their roles."""
    found: dict[str, Host] = {}
    for n, src in enumerate(system.host_sources):
        key = f"systems.{sys_id}.host_sources[{n}]"
        for h in ansible.read(path.parent / src.ansible, src.group, f"{key}.ansible"):
            try:
                found[ansible.host_id(h.name)] = Host.model_validate(
                    {
                        "address": h.address,
                        "connection": _connection(src, h, path.parent / src.ansible),
                        "roles": src.roles,
                        "databases": src.databases,
                    }
                )
            except ValidationError as e:  # ansible_host, ansible_user or ansible_port
                raise InventoryError(
                    path,
                    [f"{key} (host {h.name!r} of {src.ansible}) {p}" for p in _problems(e)],
                ) from None
    return found


def _problems(e: ValidationError) -> list[str]:
    return from_validation("", e).problems


def _connection(src: AnsibleSource, h: ansible.AnsibleHost, inventory: Path) -> str:
    if src.connection == "ansible":
        return f"ansible://{h.name}?ansible_inventory={quote(str(inventory.resolve()))}"
    user = f"{h.user}@" if h.user else ""
    port = f":{h.port}" if h.port else ""
    host = f"[{h.address}]" if ":" in h.address else h.address  # IPv6
    return f"ssh://{user}{host}{port}"


Entries = list[tuple[str, CheckBase]]  # (key path, check)


def _host_checks(
    sys_id: str, system: System, templates: dict[str, Entries], host_id: str, host: Host,
    problems: list[str],
) -> Entries:  # fmt: skip
    """(key path, check) of a host: its own checks, then its roles' templates."""
    found = [
        (f"systems.{sys_id}.hosts.{host_id}.checks[{i}]", c) for i, c in enumerate(host.checks)
    ]
    for role in host.roles:
        if role not in templates:
            known = ", ".join(sorted(system.templates)) or "none"
            problems.append(
                f"systems.{sys_id}.hosts.{host_id}.roles: no template {role!r} in "
                f"systems.{sys_id}.templates (declared: {known})"
            )
            continue
        found += templates[role]
    return found


def cases(inv: Inventory, path: Path) -> list[CheckCase]:
    """Flatten to one case per check, checking step and database references and id uniqueness."""
    problems: list[str] = []
    out: list[CheckCase] = []
    base = path.parent
    resolved: dict[str, Path] = {}  # ssh config -> its absolute path: once per file, not per check
    names: dict[int, tuple[str, str]] = {}  # id(check) -> (step, name): a template's, once
    for sys_id, system in inv.systems.items():
        sourced = _sourced(sys_id, system, path)
        for clash in sorted(set(sourced) & set(system.hosts)):
            problems.append(
                f"systems.{sys_id}.host_sources: host {clash!r} is also in systems.{sys_id}.hosts"
            )
        templates = {  # the same key paths for every host of a role: made once
            role: [(f"systems.{sys_id}.templates.{role}[{i}]", c) for i, c in enumerate(checks)]
            for role, checks in system.templates.items()
        }
        for host_id, host in {**system.hosts, **sourced}.items():
            ssh_config = host.ssh_config or inv.defaults.ssh_config
            if ssh_config and ssh_config not in resolved:
                resolved[ssh_config] = (base / ssh_config).resolve()
            host_ssh_config = resolved[ssh_config] if ssh_config else None
            for i, (where, check) in enumerate(
                _host_checks(sys_id, system, templates, host_id, host, problems)
            ):
                step = system.steps.get(check.step)
                if step is None:
                    known = ", ".join(sorted(system.steps)) or "none"
                    problems.append(
                        f"{where}.step: step {check.step!r} is not declared in systems.{sys_id}.steps"
                        f" (declared: {known})"
                    )
                    continue
                if dbs := check.databases():  # queries run on declared databases only
                    for db in dbs:
                        if db not in host.databases:
                            problems.append(
                                f"{where}: database {db!r} is not declared in "
                                f"systems.{sys_id}.hosts.{host_id}.databases"
                            )
                    problems += sqlsafety.problems(where, check, host.databases)
                    problems += [f"{where}.{p}" for p in check.database_problems(host.databases)]
                if (named := names.get(id(check))) is None:
                    named = names[id(check)] = (check.step, check.default_name())
                out.append(
                    CheckCase(
                        id=f"{sys_id}-{host_id}-{named[0]}-{named[1]}",
                        system_id=sys_id,
                        system=system,
                        host_id=host_id,
                        host=host,
                        step_id=check.step,
                        step=step,
                        spec=check,
                        default_timeout=inv.defaults.timeout,
                        ssh_config=host_ssh_config,
                        index=i,
                        key=where,
                        inventory=path,
                    )
                )
    dupes = [i for i, n in Counter(c.id for c in out).items() if n > 1]
    problems += [
        f"test id {d!r} is used by more than one check: give them distinct names" for d in dupes
    ]
    if problems:
        raise InventoryError(path, problems)
    return out


def load(path: Path) -> list[CheckCase]:
    """The checks of one inventory file; :class:`InventoryError` says what is wrong, and where."""
    return load_with_settings(path)[1]


def load_with_settings(path: Path) -> tuple[Settings, list[CheckCase]]:
    """The run-wide settings of one inventory file and its checks."""
    with paused_gc():
        doc = read(path)
        inv = _validate(doc)
        try:
            return inv.settings(), cases(inv, path)
        except InventoryError as e:
            if e.path != str(path):  # an Ansible inventory's problem: no line of ours
                raise
            raise InventoryError(path, doc.locate(e.problems)) from None
