"""The registry of check kinds: every module of :mod:`xunjian.checks` that defines ``SPEC``.

A kind is one module: its pydantic spec (``SPEC``, a :class:`CheckBase` with ``kind:
Literal[...]``), the host facts it needs, ``observe``, a pure ``evaluate``, ``expected``,
``budget`` and the network ``targets`` it contacts from the runner; optionally ``report(case,
observation)``, which the runner calls in the test's thread after ``evaluate`` (the flow kind
shows its calls as Allure steps there). The inventory schema, the test functions, the loopback
guard and the loader all read this registry; nothing else lists kinds by hand.
``selftests/test_registry.py`` checks every registered module's contract.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Sequence
from typing import Any, Protocol, cast, get_args

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase
from xunjian.observe.facts import Fact
from xunjian.result import Result


class Kind(Protocol):
    """What a check kind's module offers."""

    SPEC: type[CheckBase]
    ORDER: int  # position of its test function (the runbook's order: port, process, sql ...)

    def expected(self, case: CheckCase) -> str: ...
    def budget(self, case: CheckCase) -> float: ...
    def facts(self, case: CheckCase) -> Sequence[Fact[Any]]: ...
    def observe(self, case: CheckCase) -> Any: ...
    def evaluate(self, case: CheckCase, observation: Any, /) -> Result: ...
    def targets(self, case: CheckCase) -> set[str]: ...


def kind_name(spec: type[CheckBase]) -> str:
    """``PortCheck`` -> ``"port"``, from its ``kind: Literal["port"]`` field."""
    (name,) = get_args(spec.model_fields["kind"].annotation)
    return str(name)


@functools.cache
def kinds() -> dict[str, Kind]:
    """Every kind, by name, in test order."""
    import xunjian.checks as package

    found: dict[str, Kind] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "SPEC"):
            found[kind_name(module.SPEC)] = cast(Kind, module)
    return dict(sorted(found.items(), key=lambda item: (item[1].ORDER, item[0])))


def module(kind: str) -> Kind:
    try:
        return kinds()[kind]
    except KeyError:
        raise ValueError(f"unknown check kind {kind!r}; known: {', '.join(kinds())}") from None


def specs() -> tuple[type[CheckBase], ...]:
    return tuple(k.SPEC for k in kinds().values())
