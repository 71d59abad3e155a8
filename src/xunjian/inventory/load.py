"""Load an inventory file: parse YAML, validate the schema, cross-check references, flatten."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xunjian.inventory import ansible
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError, from_validation
from xunjian.inventory.model import CheckBase
from xunjian.inventory.schema import AnsibleSource, Host, Inventory, System


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; an inventory must not."""


def _mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def parse(path: Path) -> Inventory:
    """Read and validate one inventory file; raise :class:`InventoryError` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InventoryError(path, [f"cannot read the file: {e.strerror}"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as e:
        raise InventoryError(path, [_yaml_problem(e)]) from None
    except (ValueError, TypeError):  # a value that does not fit its explicit tag (!!int x)
        raise InventoryError(path, ["not valid YAML: a value does not fit its !!tag"]) from None
    if not isinstance(data, dict):
        raise InventoryError(path, [f"(top level): expected a mapping, got {type(data).__name__}"])
    try:
        return Inventory.model_validate(data)
    except ValidationError as e:
        raise from_validation(path, e) from None


def _yaml_problem(e: yaml.YAMLError) -> str:
    """Where and what, without PyYAML's snippet of the file: that line may hold a secret."""
    if not isinstance(e, yaml.MarkedYAMLError) or e.problem_mark is None:
        return f"not valid YAML: {str(e).splitlines()[0]}"  # e.g. a control character
    text = f"{_at(e.problem_mark)}: not valid YAML: {e.problem}"
    if e.context and e.context_mark:
        return f"{text} ({e.context} at {_at(e.context_mark)})"
    return f"{text} ({e.context})" if e.context else text


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _sourced(sys_id: str, system: System, path: Path) -> dict[str, Host]:
    """Hosts of the system's Ansible sources, with their roles."""
    found: dict[str, Host] = {}
    for n, src in enumerate(system.host_sources):
        key = f"systems.{sys_id}.host_sources[{n}]"
        for h in ansible.read(path.parent / src.ansible, src.group, f"{key}.ansible"):
            found[ansible.host_id(h.name)] = Host.model_validate(
                {
                    "address": h.address,
                    "connection": _connection(src, h, path.parent / src.ansible),
                    "roles": src.roles,
                    "databases": src.databases,
                }
            )
    return found


def _connection(src: AnsibleSource, h: ansible.AnsibleHost, inventory: Path) -> str:
    if src.connection == "ansible":
        return f"ansible://{h.name}?ansible_inventory={inventory.resolve()}"
    user = f"{h.user}@" if h.user else ""
    port = f":{h.port}" if h.port else ""
    return f"ssh://{user}{h.address}{port}"


def _host_checks(
    sys_id: str, system: System, host_id: str, host: Host, problems: list[str]
) -> list[tuple[str, CheckBase]]:
    """(key path, check) of a host: its own checks, then its roles' templates."""
    found = [
        (f"systems.{sys_id}.hosts.{host_id}.checks[{i}]", c) for i, c in enumerate(host.checks)
    ]
    for role in host.roles:
        if role not in system.templates:
            known = ", ".join(sorted(system.templates)) or "none"
            problems.append(
                f"systems.{sys_id}.hosts.{host_id}.roles: no template {role!r} in "
                f"systems.{sys_id}.templates (declared: {known})"
            )
            continue
        found += [
            (f"systems.{sys_id}.templates.{role}[{i}]", c)
            for i, c in enumerate(system.templates[role])
        ]
    return found


def cases(inv: Inventory, path: Path) -> list[CheckCase]:
    """Flatten to one case per check, checking step and database references and id uniqueness."""
    problems: list[str] = []
    out: list[CheckCase] = []
    base = path.parent
    for sys_id, system in inv.systems.items():
        sourced = _sourced(sys_id, system, path)
        for clash in sorted(set(sourced) & set(system.hosts)):
            problems.append(
                f"systems.{sys_id}.host_sources: host {clash!r} is also in systems.{sys_id}.hosts"
            )
        for host_id, host in {**system.hosts, **sourced}.items():
            ssh_config = host.ssh_config or inv.defaults.ssh_config
            for i, (where, check) in enumerate(
                _host_checks(sys_id, system, host_id, host, problems)
            ):
                step = system.steps.get(check.step)
                if step is None:
                    known = ", ".join(sorted(system.steps)) or "none"
                    problems.append(
                        f"{where}.step: step {check.step!r} is not declared in systems.{sys_id}.steps"
                        f" (declared: {known})"
                    )
                    continue
                for db in check.databases():
                    if db not in host.databases:
                        problems.append(
                            f"{where}: database {db!r} is not declared in "
                            f"systems.{sys_id}.hosts.{host_id}.databases"
                        )
                out.append(
                    CheckCase(
                        id=f"{sys_id}-{host_id}-{check.step}-{check.default_name()}",
                        system_id=sys_id,
                        system=system,
                        host_id=host_id,
                        host=host,
                        step_id=check.step,
                        step=step,
                        spec=check,
                        default_timeout=inv.defaults.timeout,
                        ssh_config=(base / ssh_config).resolve() if ssh_config else None,
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
    return cases(parse(path), path)
