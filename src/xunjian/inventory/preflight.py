"""What a run needs beyond a valid file: its secrets in the environment, its ssh configs on disk.

Checked in every process (the controller and each xdist worker) before any check runs, and
only when checks are to run: listing them (``--collect-only``) needs neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.fields import ENV_REF, holds_secret
from xunjian.inventory.secrets import MissingSecret, Secrets
from xunjian.inventory.urls import query_refs


def secret_refs(case: CheckCase) -> list[tuple[str, str]]:
    """(key path, reference) of every secret a case needs."""
    where = f"systems.{case.system_id}.hosts.{case.host_id}"
    refs = [
        ref
        for db in case.spec.databases()
        for ref in _refs(case.host.databases[db], f"{where}.databases.{db}")
    ]
    return refs + list(_refs(case.spec, case.key or f"{where}.checks[{case.index}]"))


def _refs(value: object, where: str) -> Iterator[tuple[str, str]]:
    """The secret references in a model, found through the schema's ``SecretRef`` fields."""
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            key, child = f"{where}.{field.alias or name}", getattr(value, name)
            if not holds_secret(field):
                yield from _refs(child, key)
            elif isinstance(child, dict):
                yield from ((f"{key}.{k}", v) for k, v in child.items())
            elif isinstance(child, str) and ENV_REF.match(child):  # TextOrSecret: maybe plain
                yield key, child
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _refs(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _refs(item, f"{where}[{i}]")
    elif isinstance(value, str):  # a URL's credential query parameter: ?access_token=${TOKEN}
        yield from ((f"{where}?{name}", ref) for name, ref in query_refs(value))


def check_secrets(path: Path, selected: list[CheckCase], secrets: Secrets) -> None:
    """Resolve every secret the selected checks need, so that redaction knows each value before
    anything runs; stop, naming the key path and the variable (never the value), if one is not
    set or is unusable: the rules are :meth:`Secrets.resolve`'s own."""
    problems = set()
    for case in selected:
        for key, ref in secret_refs(case):
            try:
                secrets.resolve(ref)
            except MissingSecret as e:
                problems.add(f"{key}: {e}")
    if problems:
        raise InventoryError(path, sorted(problems))


def check_ssh_configs(path: Path, selected: list[CheckCase]) -> None:
    """Stop if an ssh config the selected checks name is not a file."""
    problems = {
        f"{_ssh_config_key(case)}: no such file {case.ssh_config} "
        "(an ssh config is relative to the inventory file)"
        for case in selected
        if case.ssh_config and not case.ssh_config.is_file()
    }
    if problems:
        raise InventoryError(path, sorted(problems))


def _ssh_config_key(case: CheckCase) -> str:
    if case.host.ssh_config:
        return f"systems.{case.system_id}.hosts.{case.host_id}.ssh_config"
    return "defaults.ssh_config"
