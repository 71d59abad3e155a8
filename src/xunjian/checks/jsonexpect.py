"""JSON expectations of an answer: the value at a JSONPath exists, equals, or meets limits.

Shared by the ``http`` kind and the ``flow`` kind's steps; pure, so it is tested from tables.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from jsonpath_ng import parse as _parse
from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.inventory.fields import JsonPath
from xunjian.inventory.model import Model
from xunjian.result import Verdict
from xunjian.threshold import Threshold


class JsonExpect(Model):
    path: JsonPath
    equals: str | int | float | bool | None = None
    exists: bool = True
    value: Threshold | None = Field(None, description="a number at the path, judged by limits")

    @model_validator(mode="after")
    def _can_fail(self) -> JsonExpect:
        if not self.exists and self.equals is None:
            raise ValueError("exists: false needs equals: alone it checks nothing")
        return self


@functools.lru_cache(maxsize=1024)
def _compiled(path: str) -> Any:
    return _parse(path)


def find(path: str, doc: Any) -> list[Any]:
    """Every value at ``path`` in ``doc``, in document order."""
    return [m.value for m in _compiled(path).find(doc)]


def describe(expects: Sequence[JsonExpect]) -> list[str]:
    """What the expectations ask, as the ``expected`` text shows it."""
    parts = [
        f"{j.path} == {j.equals!r}" if j.equals is not None else f"{j.path} exists" for j in expects
    ]
    return parts + [f"{j.path} {threshold.describe(j.value)}" for j in expects if j.value]


def same(found: Any, want: str | int | float | bool) -> bool:
    """JSON equality without Python's True == 1."""
    if isinstance(found, bool) or isinstance(want, bool):
        return isinstance(found, bool) and isinstance(want, bool) and found is want
    return bool(found == want)


def problems(expects: Sequence[JsonExpect], doc: Any) -> list[str]:
    """One line per expectation the document does not meet."""
    found_problems = []
    for j in expects:
        found = find(j.path, doc)
        if not found:
            if j.exists:
                found_problems.append(f"{j.path} is missing")
        elif j.equals is not None and not same(found[0], j.equals):
            found_problems.append(f"{j.path} is {found[0]!r}, not {j.equals!r}")
        elif j.value is not None:
            found_problems += _number(j.path, j.value, found[0])
    return found_problems


def _number(path: str, limits: Threshold, found: Any) -> list[str]:
    if isinstance(found, bool) or not isinstance(found, int | float):
        return [f"{path} is {found!r}, not a number"]
    band = threshold.judge(limits, found, limits.value_unit)
    return [] if band.verdict is Verdict.OK else [f"{path} {band.message}"]
