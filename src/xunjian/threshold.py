"""WARN and CRIT thresholds for every measured number: latency, SQL scalars, percentages, sizes.

A threshold names the *bad* states, each as one string: ``warn: "> 500 ms"``, ``crit: "< 99 %"``.
Units come in families and convert exactly (Decimal) within one: time (ms s min h d), size
(B KiB MiB GiB TiB KB MB GB TB), percent (%), and plain numbers (no unit, or the labels
``count`` and ``rows``). A ratio is a plain number, never a percentage: 0.995 is not 99.5 %.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from xunjian.result import Verdict

_K, _KI = Decimal(1000), Decimal(1024)
_UNITS: dict[str | None, tuple[str, Decimal]] = {
    None: ("number", Decimal(1)),
    "count": ("number", Decimal(1)),
    "rows": ("number", Decimal(1)),
    "ms": ("time", Decimal(1)),
    "s": ("time", _K),
    "min": ("time", 60 * _K),
    "h": ("time", 3600 * _K),
    "d": ("time", 86400 * _K),
    **{u: ("size", _KI**i) for i, u in enumerate(("B", "KiB", "MiB", "GiB", "TiB"))},
    **{u: ("size", _K**i) for i, u in enumerate(("KB", "MB", "GB", "TB"), start=1)},
    "%": ("percent", Decimal(1)),
}
KNOWN_UNITS = tuple(u for u in _UNITS if u is not None)
_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq,
    "!=": operator.ne, ">": operator.gt, "<": operator.lt,
}  # fmt: skip
_UP = (">", ">=")
_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(KNOWN_UNITS, key=len, reverse=True))
PATTERN = rf"^\s*(>=|<=|==|!=|>|<)\s*{_NUMBER}\s*({_UNIT_ALT})?\s*$"
_LOOSE = re.compile(
    rf"^\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<num>{_NUMBER}|[+-]?\.?(?:inf(?:inity)?|nan))\s*"
    r"(?P<unit>\S*)\s*$",
    re.IGNORECASE,
)
_EXPECTED = 'expected a condition such as "> 500 ms" or "< 99.5 %" (operators > >= < <= == !=)'


def _unit_error(unit: str) -> ValueError:
    return ValueError(f'unknown unit "{unit}": known units are {", ".join(KNOWN_UNITS)}')


def _known_unit(unit: str | None) -> str | None:
    if unit not in _UNITS:
        raise _unit_error(str(unit))
    return unit


@dataclass(frozen=True)
class Condition:
    """One bad state, ``OP NUMBER [UNIT]``; serialises back to the string as written."""

    op: str
    value: Decimal
    unit: str | None
    text: str

    @classmethod
    def parse(cls, text: object) -> Condition:
        """Parse ``"> 500 ms"``; raise ValueError naming the bad input and the accepted form."""
        if isinstance(text, Condition):
            return text
        if not isinstance(text, str) or (m := _LOOSE.match(text)) is None:
            raise ValueError(f"{text!r} is not a condition: {_EXPECTED}")
        if not re.fullmatch(_NUMBER, m["num"]):
            raise ValueError(f'"{text}": {m["num"]} is not a finite number')
        unit = _known_unit(m["unit"] or None)
        return cls(m["op"], Decimal(m["num"]), unit, text.strip())

    @property
    def canonical(self) -> str:
        """The condition as reports show it: ``> 500 ms``."""
        return f"{self.op} {fmt(self.value, self.unit)}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": PATTERN,
            "description": "the bad state, OP NUMBER [UNIT], e.g. '> 500 ms' or '< 99.5 %'",
        }


def _base(c: Condition) -> Decimal:
    return c.value * _UNITS[c.unit][1]


class Threshold(BaseModel):
    """WARN and/or CRIT conditions on one measured number; ``unit`` applies to bare numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warn: Condition | None = Field(None, description="the WARN state, e.g. '> 500 ms'")
    crit: Condition | None = Field(None, description="the CRIT state, e.g. '> 1000 ms'")
    unit: Annotated[str | None, AfterValidator(_known_unit)] = Field(
        None,
        description="the unit of conditions written without one",
        json_schema_extra={"enum": [*KNOWN_UNITS, None]},
    )

    def resolved(self) -> tuple[Condition | None, Condition | None]:
        """(warn, crit) with the default unit filled in where a condition has none."""
        w, c = self.warn, self.crit
        return (
            replace(w, unit=self.unit) if w and w.unit is None else w,
            replace(c, unit=self.unit) if c and c.unit is None else c,
        )

    @property
    def value_unit(self) -> str | None:
        """The unit a bare observed number (a SQL value, a JSON number) is read in: ``unit``
        if given, else the unit the conditions are written in (``crit: "> 24 h"``: hours)."""
        if self.unit is not None:
            return self.unit
        given = self.crit or self.warn
        return given.unit if given else None

    @property
    def family(self) -> str:
        """The unit family: time, size, percent or number."""
        return _UNITS[next(c for c in self.resolved() if c is not None).unit][0]

    @model_validator(mode="after")
    def _consistent(self) -> Threshold:
        if self.warn is None and self.crit is None:
            raise ValueError('give warn, crit or both, e.g. warn: "> 500 ms"')
        w, c = self.resolved()
        kinds: list[tuple[str, str | None]] = (
            [(f'unit "{self.unit}"', self.unit)] if self.unit else []
        )
        kinds += [(f'{n} "{x.canonical}"', x.unit) for n, x in (("warn", w), ("crit", c)) if x]
        if len({_UNITS[u][0] for _, u in kinds}) > 1:
            named = ", ".join(f"{label} ({_UNITS[u][0]})" for label, u in kinds)
            raise ValueError(
                f"mixes kinds of unit: {named}; use one of time, size, percent, number"
            )
        if w is None or c is None or w.op in ("==", "!=") or c.op in ("==", "!="):
            return self
        up = w.op in _UP
        if up != (c.op in _UP):
            raise ValueError(
                f'warn "{w.canonical}" and crit "{c.canonical}" point different ways: '
                "both must be above (> >=) or both below (< <=)"
            )
        wb, cb = _base(w), _base(c)
        head = f'warn "{w.canonical}" is not reached before crit "{c.canonical}"'
        if (wb > cb) if up else (wb < cb):
            mid = (wb + cb) / 2 / _UNITS[c.unit][1]
            raise ValueError(f"{head}: a value of {fmt(mid, c.unit)} would be CRIT without WARN")
        if wb == cb and not (w.op in (">=", "<=") and c.op in (">", "<")):
            inclusive, strict = (">=", ">") if up else ("<=", "<")
            raise ValueError(
                f'{head}: at one limit only warn "{inclusive}" with crit "{strict}" leaves room for WARN'
            )
        return self


@dataclass(frozen=True)
class Band:
    """What :func:`judge` says: OK, WARN or CRIT, and which condition held (``612 ms > 500 ms``)."""

    verdict: Verdict
    message: str = ""


def _observed(value: float | int | Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"observed value must be a number, got {value!r}")
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not d.is_finite():
        raise ValueError(f"observed value must be a finite number, got {value}")
    return d


def judge(threshold: Threshold, value: float | int | Decimal, unit: str | None = None) -> Band:
    """Judge an observed ``value`` in ``unit``: CRIT if crit holds, else WARN if warn holds, else
    OK. Raises ValueError (a bug, not a verdict) for a unit of another family or a non-number."""
    if unit not in _UNITS:
        raise _unit_error(str(unit))
    family, factor = _UNITS[unit]
    if family != threshold.family:
        raise ValueError(
            f"observed {fmt(value, unit)} ({family}) cannot be judged against "
            f"{describe(threshold)} ({threshold.family})"
        )
    base = _observed(value) * factor
    warn, crit = threshold.resolved()
    for verdict, c in ((Verdict.CRIT, crit), (Verdict.WARN, warn)):
        if c is not None and _OPS[c.op](base, _base(c)):
            return Band(verdict, f"{fmt(base / _UNITS[c.unit][1], c.unit)} {c.canonical}")
    return Band(Verdict.OK)


def describe(threshold: Threshold) -> str:
    """The expected text of reports. Both conditions: ``OK unless > 500 ms (WARN) / > 1000 ms
    (CRIT)``; one only: ``WARN if > 500 ms`` or ``CRIT if <= 0``. Units as in :func:`fmt`."""
    warn, crit = threshold.resolved()
    if warn and crit:
        return f"OK unless {warn.canonical} (WARN) / {crit.canonical} (CRIT)"
    if warn:
        return f"WARN if {warn.canonical}"
    assert crit is not None
    return f"CRIT if {crit.canonical}"


def fmt(value: float | int | Decimal, unit: str | None = None) -> str:
    """Render a number with its unit: ``612 ms``, ``99.52 %``, ``500`` (not 500.0). Integral
    values print whole; others keep 6 significant digits, trailing zeros dropped."""
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if d.is_finite():
        if d != d.to_integral_value():
            d = d.quantize(Decimal(1).scaleb(-max(0, 5 - d.adjusted())))
        d = d.normalize()
    text = f"{d:f}" if d.is_finite() else str(value)
    return f"{text} {unit}" if unit else text
