"""The runbook test functions, one per registered check kind (``test_port``, ``test_sql`` ...);
each cadence folder under tests/ imports them, and the plugin parametrises them with that
folder's checks (tests/daily -> cadence daily). A new kind needs no edit here."""

from __future__ import annotations

from collections.abc import Callable

from xunjian.checks import kinds
from xunjian.inventory.case import CheckCase

Verify = Callable[[CheckCase], None]


def _test_function(kind: str) -> Callable[[CheckCase, Verify], None]:
    def test(case: CheckCase, verify: Verify) -> None:
        verify(case)

    test.__name__ = test.__qualname__ = f"test_{kind}"
    test.__doc__ = f"The inventory's {kind} checks."
    return test


__all__ = [f"test_{kind}" for kind in kinds()]  # in the runbook's order: port, process, sql ...
globals().update({f"test_{kind}": _test_function(kind) for kind in kinds()})
