"""promql: a PromQL query against a Prometheus server's HTTP API, each series judged by limits.

    - {step: "2.1", kind: promql, name: api-p95,
       url: http://127.0.12.1:9090,
       query: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
       value: {warn: "> 500 ms", crit: "> 1000 ms"}, unit: s,
       empty: UNKNOWN}

The answer is an instant vector (every series judged, the worst decides) or a scalar. ``unit``
is the unit Prometheus reports the number in (seconds, ratios: ``%`` for a 0-100 figure, or
``ratio`` for 0-1, read as percent). A query with no series is ``empty`` (UNKNOWN by default:
nothing was observed; a runbook that counts events may say OK).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field, field_validator, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, NonEmpty, Url
from xunjian.inventory.model import CheckBase
from xunjian.observe import web
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 55
RATIO = "ratio"  # a 0-1 figure, judged as percent


class PromqlCheck(CheckBase):
    kind: Literal["promql"]
    name: Ident
    url: Url = Field(description="the Prometheus server, e.g. http://prometheus:9090")
    query: NonEmpty = Field(description="PromQL; an instant query at the time of the check")
    value: Threshold = Field(description='limits per series, e.g. {warn: "> 500 ms"}')
    unit: str | None = Field(
        None, description="the unit Prometheus answers in (s, ms, B, %, ratio); default: none"
    )
    empty: Literal["OK", "WARN", "CRIT", "UNKNOWN"] = Field(
        "UNKNOWN", description="the verdict when the query returns no series"
    )

    @field_validator("unit")
    @classmethod
    def _known(cls, unit: str | None) -> str | None:
        if unit is not None and unit != RATIO:
            Threshold.model_validate({"crit": "> 0", "unit": unit})  # names the known units
        return unit

    @model_validator(mode="after")
    def _same_family(self) -> PromqlCheck:
        unit = "%" if self.unit == RATIO else self.unit
        if unit is not None:
            threshold.judge(self.value, 0, unit)  # a ValueError names both units
        return self


SPEC = PromqlCheck


@dataclass(frozen=True)
class Series:
    labels: tuple[tuple[str, str], ...]
    value: float

    def name(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.labels if k != "__name__")
        return "{" + shown + "}" if shown else "{}"


def _spec(case: CheckCase) -> PromqlCheck:
    return spec_of(case, PromqlCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return f"{spec.query} at {spec.url}: every series {threshold.describe(spec.value)}"


def budget(case: CheckCase) -> float:
    return case.timeout


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return {urlsplit(_spec(case).url).hostname or ""}


def parse(answer: Any) -> list[Series]:
    """The series of an ``/api/v1/query`` answer (pure); ValueError names what is wrong."""
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error", answer) if isinstance(answer, dict) else answer
        raise ValueError(f"Prometheus answered an error: {str(error)[:200]}")
    data = answer.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return [Series((), float(result[1]))]
    if kind == "vector" and isinstance(result, list):
        return [
            Series(tuple(sorted((s.get("metric") or {}).items())), float(s["value"][1]))
            for s in result
        ]
    raise ValueError(f"expected an instant vector or a scalar, got resultType {kind!r}")


def observe(case: CheckCase) -> list[Series]:
    spec = _spec(case)
    where = f"{spec.url}/api/v1/query"
    try:
        with web.session() as http:
            resp = http.get(where, params={"query": spec.query}, timeout=case.timeout)
            answer = resp.json()
    except requests.RequestException as e:
        raise ObservationError(f"{where}: no answer ({type(e).__name__})") from None
    except ValueError:
        raise ObservationError(f"{where}: HTTP {resp.status_code}, not JSON") from None
    try:
        return parse(answer)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise ObservationError(f"{where}: {e}") from None


def _as_judged(value: float, unit: str | None) -> tuple[Decimal, str | None]:
    if unit == RATIO:
        return Decimal(repr(value)) * 100, "%"
    return Decimal(repr(value)), unit


def evaluate(case: CheckCase, series: list[Series]) -> Result:
    """The worst series decides; a NaN or infinite value (no data in a rate's window) cannot be
    judged: it is listed, and if no series can be judged the check is UNKNOWN."""
    spec = _spec(case)
    exp = expected(case)
    if not series:
        said = "the query returned no series"
        if spec.empty == "UNKNOWN":
            return Result.unknown(exp, said)
        return Result(Verdict(spec.empty), exp, said, said)
    order = [Verdict.OK, Verdict.WARN, Verdict.CRIT]
    worst, lines, bad, unjudged = Verdict.OK, [], [], []
    for s in series:
        if not math.isfinite(s.value):
            unjudged.append(f"{s.name()} is {s.value}")
            lines.append(f"{s.name()}: {s.value} (cannot be judged)")
            continue
        value, unit = _as_judged(s.value, spec.unit or spec.value.value_unit)
        band = threshold.judge(spec.value, value, unit)
        lines.append(f"{s.name()}: {threshold.fmt(value, unit)} {band.verdict.value}")
        if band.verdict is not Verdict.OK:
            bad.append(f"{s.name()} {band.message}")
        worst = max(worst, band.verdict, key=order.index)
    if len(unjudged) == len(series):
        return Result.unknown(exp, "no series has a number: " + "; ".join(unjudged[:3]))
    actual = "; ".join(lines[:5]) + (f" (+{len(lines) - 5} more series)" if len(lines) > 5 else "")
    return Result(worst, exp, actual, "; ".join(bad), tuple(lines))
