"""A check case: one inventory check with its system, host and runbook step resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xunjian.inventory.fields import Cadence, Severity
from xunjian.inventory.schema import Check, Host, PortCheck, ProcessCheck, Step, System

_VERSION_SUFFIX = re.compile(r"-\d+(?:\.\d+)*(?:-[A-Za-z]+)?$")


def default_name(check: Check) -> str:
    """The last part of a test id when the inventory gives no ``name``."""
    if check.name:
        return check.name
    if isinstance(check, PortCheck):
        return f"port-{check.port}"
    if isinstance(check, ProcessCheck):
        stem = Path(check.jar).name.removesuffix(".jar")
        return f"jar-{_VERSION_SUFFIX.sub('', stem)}"
    raise AssertionError(f"{check.kind} checks have a required name")


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
    spec: Check
    default_timeout: float
    ssh_config: Path | None
    index: int = 0  # position in the host's checks list, for key paths in messages

    def __repr__(self) -> str:
        """Only the id: pytest prints parameters in tracebacks and Allure records them."""
        return f"CheckCase({self.id!r})"

    @property
    def kind(self) -> str:
        return self.spec.kind

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
        """Groups tests for xdist (--dist loadgroup) and keys per-host caches."""
        return f"{self.system_id}-{self.host_id}"

    @property
    def connection(self) -> str:
        return self.host.connection or f"ssh://{self.host.address}"
