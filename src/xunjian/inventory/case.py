"""A check case: one inventory check with its system, host and runbook step resolved."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from xunjian.inventory.fields import Cadence, Severity
from xunjian.inventory.model import CheckBase, Step

if TYPE_CHECKING:
    from xunjian.inventory.schema import Host, System


@dataclass(frozen=True, repr=False)
class CheckCase:
    """Everything a test needs about one check; its ``id`` is the readable test id."""

    id: str
    system_id: str
    system: System
    host_id: str
    host: Host
    step_id: str
    step: Step
    spec: CheckBase
    default_timeout: float
    ssh_config: Path | None
    index: int = 0  # position in the host's checks list, for key paths in messages
    key: str = ""  # the check's key path in the inventory (a template's, for a role's check)
    inventory: Path = field(default=Path("inventory.yml"))  # relative paths start beside it

    def __repr__(self) -> str:
        """Only the id: pytest prints parameters in tracebacks and Allure records them."""
        return f"CheckCase({self.id!r})"

    @property
    def kind(self) -> str:
        return str(getattr(self.spec, "kind"))  # noqa: B009 - each kind narrows it

    @property
    def cadence(self) -> Cadence:
        return self.step.cadence

    @property
    def severity(self) -> Severity:
        return self.spec.severity or self.step.severity

    @property
    def timeout(self) -> float:
        return self.spec.timeout or self.default_timeout

    @property
    def host_key(self) -> str:
        """The inventory's host (system and host id): keys per-host caches such as databases."""
        return f"{self.system_id}-{self.host_id}"

    @property
    def probe_key(self) -> str:
        """The machine behind the host: one probe and one connection per machine, whichever
        systems or runbooks name it."""
        return f"{self.connection}|{self.ssh_config or ''}"

    @property
    def group(self) -> str:
        """The xdist group (--dist loadgroup): a machine's checks run on one worker, so they
        share its one connection and its one batch of facts."""
        return _group(self.connection)

    @property
    def connection(self) -> str:
        if self.host.connection:
            return self.host.connection
        address = self.host.address
        return f"ssh://[{address}]" if ":" in address else f"ssh://{address}"  # IPv6 in brackets


@functools.lru_cache(maxsize=65536)  # one per machine; a machine has many checks
def _group(connection: str) -> str:
    url = urlsplit(connection)
    return url.netloc or url.scheme or connection
