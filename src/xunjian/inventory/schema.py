"""The typed inventory schema: systems -> hosts -> checks, each check tied to a runbook step.

The check models are the registered kinds' own (:mod:`xunjian.checks.registry`).
Every model forbids unknown keys, so a typo (``prot: 3306``) stops the run with its key path.
Secrets are written as ``${ENV_VAR}`` references only; see :mod:`xunjian.inventory.secrets`.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field

from xunjian.checks.registry import kind_name, specs
from xunjian.inventory.fields import Address, Connection, Ident, NotBool, holds_secret
from xunjian.inventory.model import CheckBase, Database, Model, Step
from xunjian.inventory.settings import Settings

__all__ = ["KINDS", "SECRET_KEYS", "Check", "CheckBase", "Host", "Inventory", "Step", "System"]

_SPECS = specs()
# the union of every registered kind's spec, told apart by ``kind``
Check: Any = Annotated[reduce(or_, _SPECS), Field(discriminator="kind")]


class Host(Model):
    address: Address = Field(description="the address the runner connects to for outside checks")
    connection: Connection = Field(
        None,
        description="testinfra host spec SCHEME://[USER@]HOST[:PORT][?OPTIONS] (ssh, safe-ssh, "
        "paramiko, ansible, local, docker ...; only the options the backend reads); "
        "default ssh://ADDRESS",
    )
    ssh_config: str | None = Field(None, description="ssh config file, relative to the inventory")
    databases: dict[Ident, Database] = Field(default_factory=dict)
    roles: list[Ident] = Field(
        default_factory=list, description="names of the system's templates whose checks apply"
    )
    checks: list[Check] = Field(default_factory=list)


class AnsibleSource(Model):
    """Hosts of a group of an Ansible inventory, each given the listed roles."""

    ansible: str = Field(description="an Ansible inventory, relative to this file")
    group: str = "all"
    roles: list[Ident] = Field(min_length=1)
    connection: Literal["ssh", "ansible"] = Field(
        "ssh",
        description="ssh: ssh://USER@ansible_host:PORT from the hostvars; ansible: testinfra's "
        "ansible backend (the loopback guard cannot look into it, so it refuses it)",
    )
    databases: dict[Ident, Database] = Field(default_factory=dict)


class System(Model):
    title: str
    steps: dict[str, Step]
    templates: dict[Ident, list[Check]] = Field(
        default_factory=dict, description="checks shared by hosts that name them in roles"
    )
    hosts: dict[Ident, Host] = Field(default_factory=dict)
    host_sources: list[AnsibleSource] = Field(default_factory=list)


class Defaults(Model):
    timeout: float = Field(5.0, gt=0, le=300)
    ssh_config: str | None = None


class Inventory(Settings):
    version: Annotated[Literal[1], NotBool] = 1
    name: Ident
    runbook: str | None = None
    defaults: Defaults = Field(default_factory=Defaults)  # type: ignore[arg-type]
    systems: dict[Ident, System]

    def settings(self) -> Settings:
        return Settings.model_validate(
            {k: getattr(self, k) for k in Settings.model_fields}, strict=False
        )


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """A model and every model its fields can hold."""
    found = {model}
    for field in model.model_fields.values():
        todo = [field.annotation]
        while todo:
            tp = todo.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                found |= _models(tp)
            todo += get_args(tp)
    return found


KINDS: tuple[str, ...] = tuple(kind_name(spec) for spec in _SPECS)
SECRET_KEYS = frozenset(
    name for m in _models(Inventory) for name, f in m.model_fields.items() if holds_secret(f)
)
