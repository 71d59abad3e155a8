"""accesslog: request rates over a recent window, from a web server's access log on the host
(runbook 002 §2.2 服务可用率 / API成功率, §2.1 API响应时间), judged by WARN/CRIT bands.

The log is nginx ``combined`` with ``$request_time`` appended
(:data:`xunjian.observe.accesslines.LOG_FORMAT`); lines in another format are counted and
shown, never judged. Measures, over the requests whose time falls in ``window``:

- ``availability``: the share not answered 5xx (the server failed), in %;
- ``success_rate``: the share answered 1xx/2xx/3xx, in %;
- ``error_rate``: the share answered 4xx or 5xx (100 % - success_rate, banded from above), in %;
- ``p95``: the 95th percentile (nearest rank) of ``$request_time``, in ms.

Fewer than ``min_requests`` requests in the window is WARN ("too few to judge"), never a
silent OK: a dead or idle service must not pass as a healthy one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks import duration
from xunjian.checks.duration import Duration
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.accesslines import Access, EpochNow, parse_line
from xunjian.observe.facts import Fact, Tail
from xunjian.observe.host import probe_for
from xunjian.result import Result, Verdict
from xunjian.threshold import Threshold

ORDER = 43
Measure = Literal["availability", "success_rate", "error_rate", "p95"]


class AccessLogCheck(CheckBase):
    kind: Literal["accesslog"]
    name: Ident
    path: str = Field(pattern=r"^/", description="absolute path of the access log on the host")
    window: Duration = "1h"
    measure: Measure = Field(description="availability, success_rate, error_rate (%) or p95 (ms)")
    value: Threshold = Field(description='bands, e.g. {warn: "< 99.5 %", crit: "< 99 %"}')
    min_requests: int = Field(20, ge=1, description="fewer requests in the window: WARN")
    lines: int = Field(100000, ge=1, le=1000000, description="how much of the file's end is read")

    @model_validator(mode="after")
    def _valid(self) -> AccessLogCheck:
        family = "time" if self.measure == "p95" else "percent"
        if self.value.family != family:
            example = '{warn: "> 500 ms"}' if family == "time" else '{crit: "< 99 %"}'
            raise ValueError(f"measure {self.measure} is judged in {family} units, e.g. {example}")
        return self


SPEC = AccessLogCheck


@dataclass(frozen=True)
class AccessLogObservation:
    path: str
    lines: tuple[str, ...] | None  # None: the file does not exist
    now: float  # the host's clock, epoch seconds


def _spec(case: CheckCase) -> AccessLogCheck:
    return spec_of(case, AccessLogCheck)


WORDS = {
    "availability": "requests not answered 5xx",
    "success_rate": "requests answered 1xx-3xx",
    "error_rate": "requests answered 4xx/5xx",
    "p95": "95th percentile of $request_time",
}


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return (
        f"{spec.path}, last {spec.window}: {WORDS[spec.measure]} {threshold.describe(spec.value)}"
        f" (at least {spec.min_requests} requests)"
    )


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    return [Tail(spec.path, spec.lines), EpochNow()]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> AccessLogObservation:
    spec = _spec(case)
    probe = probe_for(case)
    return AccessLogObservation(
        spec.path, probe.get(Tail(spec.path, spec.lines)), probe.get(EpochNow())
    )


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(spec: AccessLogCheck, hits: list[Access]) -> tuple[float, str] | None:
    """(value in % or ms, how it was found); None for p95 when no line has a request time."""
    n = len(hits)
    if spec.measure == "p95":
        times = [a.seconds * 1000 for a in hits if a.seconds is not None]
        if not times:
            return None
        value = p95(times)
        return value, f"{threshold.fmt(round(value, 1), 'ms')} over {len(times)} requests"
    counted = {
        "availability": sum(a.status < 500 for a in hits),
        "success_rate": sum(a.status < 400 for a in hits),
        "error_rate": sum(a.status >= 400 for a in hits),
    }[spec.measure]
    value = 100.0 * counted / n
    return value, f"{threshold.fmt(round(value, 2), '%')} ({counted} of {n} requests)"


def evaluate(case: CheckCase, obs: AccessLogObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.lines is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the access log is missing")
    since = obs.now - duration.seconds(spec.window)
    parsed = [parse_line(line) for line in obs.lines if line.strip()]
    known = [a for a in parsed if a is not None]
    strange = len(parsed) - len(known)
    hits = [a for a in known if a.at >= since]
    skipped = f"; {strange} line(s) not in the expected format" if strange else ""
    if parsed and not known:
        return Result.crit(
            exp, f"none of {len(parsed)} lines is in the expected format", "unknown log format"
        )
    if len(obs.lines) >= spec.lines and known and known[0].at >= since:
        return Result.warn(
            exp,
            f"{len(hits)} requests in the last {spec.lines} lines{skipped}",
            f"the last {spec.lines} lines do not reach back {spec.window}: raise lines",
        )
    if len(hits) < spec.min_requests:
        return Result.warn(
            exp,
            f"{len(hits)} requests in the last {spec.window}{skipped}",
            f"too few requests to judge: {len(hits)} < min_requests {spec.min_requests}",
        )
    found = measure(spec, hits)
    if found is None:
        return Result.crit(exp, f"{len(hits)} requests{skipped}", "no line has $request_time")
    value, actual = found
    actual += skipped
    unit = "ms" if spec.measure == "p95" else "%"
    band = threshold.judge(spec.value, round(value, 3), unit)
    if band.verdict is Verdict.OK:
        return Result.ok(exp, actual)
    return Result(band.verdict, exp, actual, f"{spec.measure} {band.message}")
