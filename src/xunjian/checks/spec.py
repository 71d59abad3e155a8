"""The typed spec of a case, for the check kind that handles it."""

from __future__ import annotations

from typing import TypeVar

from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import CheckBase

S = TypeVar("S", bound=CheckBase)


def spec_of(case: CheckCase, kind: type[S]) -> S:
    """``case.spec`` as ``kind``; a case handed to the wrong kind's module is a TypeError."""
    if not isinstance(case.spec, kind):
        raise TypeError(
            f"{case.id}: a {case.kind!r} check ({type(case.spec).__name__}) "
            f"was handed to the {kind.__name__} module"
        )
    return case.spec
