"""schedule: scheduled tasks kept in a database (runbook 003 §5, §8.3, §12 巡检): every enabled
task's cron expression is valid under the service's own semantics (:mod:`.crons`) in its time
zone, and its last successful run is no older than its latest fire time that is ``grace`` old;
a success that imported 0 rows is WARN (an empty SQL result ends quietly); a disabled task has
no scheduled run in the last ``disabled_quiet`` (禁用将移除调度).

One read query gives a row per task with columns ``id``, ``cron``, ``enabled`` and optionally
``name``, ``since`` (created: earlier fire times are not owed), ``last_success``,
``rows_imported`` (of that last success) and ``last_scheduled`` (the newest run by the
schedule); times are the database's naive values in ``stored_timezone``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from xunjian.checks import crons
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe import db
from xunjian.observe.db import Rows
from xunjian.observe.facts import Fact
from xunjian.result import Result, Verdict

ORDER = 35
_SPAN = re.compile(r"^(\d+) ?(s|min|h|d)$")
_UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
TOLERANCE = timedelta(seconds=2)  # a run starts a moment after its fire time
REQUIRED = ("id", "cron", "enabled")


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone, e.g. Asia/Shanghai") from None
    return value


def span(text: str) -> timedelta:
    m = _SPAN.match(text)
    if m is None:
        raise ValueError(f"{text!r}: expected e.g. 90 s, 10 min, 2 h, 1 d")
    return timedelta(seconds=int(m[1]) * _UNITS[m[2]])


class ScheduleCheck(CheckBase):
    kind: Literal["schedule"]
    name: Ident
    db: str = Field(description="a key of the host's databases")
    query: str = Field(description="one row per task: id, cron, enabled [, name, since, "
                       "last_success, rows_imported, last_scheduled]")  # fmt: skip
    semantics: crons.Semantics = Field(
        description="apscheduler: APScheduler 3 from_crontab (day-of-week 0 = Monday); "
        "cron: croniter / Vixie cron (0 = Sunday)"
    )
    timezone: str = Field("Asia/Shanghai", description="the zone the scheduler fires in")
    stored_timezone: str | None = Field(
        None, description="the zone of the query's times (default: timezone)"
    )
    grace: str = Field("10 min", pattern=_SPAN.pattern, description="how late a run may finish")
    disabled_quiet: str = Field(
        "1 d", pattern=_SPAN.pattern, description="no scheduled run of a disabled task within"
    )
    empty: Literal["WARN", "OK"] = Field(
        "WARN", description="the verdict of a success importing 0 rows (§8.3)"
    )

    _zones = field_validator("timezone", "stored_timezone")(lambda v: v if v is None else _zone(v))

    def databases(self) -> list[str]:
        return [self.db]

    def queries(self) -> list[tuple[str, str, str]]:
        return [(self.db, self.query, "query")]


SPEC = ScheduleCheck


@dataclass(frozen=True)
class ScheduleObservation:
    rows: Rows
    now: datetime  # aware


def _spec(case: CheckCase) -> ScheduleCheck:
    return spec_of(case, ScheduleCheck)


def expected(case: CheckCase) -> str:
    s = _spec(case)
    return (
        f"enabled tasks: valid cron ({s.semantics}, {s.timezone}), last success within its "
        f"interval + {s.grace}, not 0 rows; disabled tasks: no scheduled run in {s.disabled_quiet}"
    )


def budget(case: CheckCase) -> float:
    return db.query_limit(case, _spec(case).db)


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> ScheduleObservation:
    spec = _spec(case)
    return ScheduleObservation(
        db.query(case, spec.db, spec.query), datetime.now(ZoneInfo(spec.timezone))
    )


def _when(value: object, stored: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=stored) if value.tzinfo is None else value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).replace(tzinfo=stored)
    return None


def _task(spec: ScheduleCheck, row: dict[str, Any], now: datetime) -> list[tuple[Verdict, str]]:
    tz = ZoneInfo(spec.timezone)
    stored = ZoneInfo(spec.stored_timezone or spec.timezone)
    who = f"task {row['id']}" + (f" {row['name']}" if row.get("name") else "")
    cron, enabled = str(row["cron"] or ""), bool(row["enabled"])
    invalid = crons.validate(cron, tz, spec.semantics)
    if not enabled:
        found: list[tuple[Verdict, str]] = []
        if invalid:
            found.append((Verdict.WARN, f"{who} (disabled): cron {cron!r} is invalid: {invalid}"))
        last = _when(row.get("last_scheduled"), stored)
        if last is not None and last >= now - span(spec.disabled_quiet):
            found.append(
                (
                    Verdict.CRIT,
                    f"{who} is disabled but its schedule ran it at {last:%Y-%m-%d %H:%M:%S}",
                )
            )
        return found
    if invalid:
        return [(Verdict.CRIT, f"{who}: cron {cron!r} is invalid ({spec.semantics}): {invalid}")]
    due = crons.latest_fire(cron, tz, spec.semantics, now - span(spec.grace))
    since = _when(row.get("since"), stored)
    if due is None or (since is not None and due < since):
        return []  # not owed a run yet
    last = _when(row.get("last_success"), stored)
    if last is None or last < due - TOLERANCE:
        seen = f"{last.astimezone(tz):%Y-%m-%d %H:%M:%S}" if last else "never"
        return [(Verdict.CRIT, f"{who} ({cron}): last success {seen}, but it was due at "
                 f"{due:%Y-%m-%d %H:%M:%S %Z} (+{spec.grace})")]  # fmt: skip
    if spec.empty == "WARN" and row.get("rows_imported") == 0:
        return [(Verdict.WARN, f"{who}: its last success at {last.astimezone(tz):%Y-%m-%d %H:%M:%S} "
                 "imported 0 rows (§8.3: an empty SQL result exits quietly; check the SQL)")]  # fmt: skip
    return []


def evaluate(case: CheckCase, obs: ScheduleObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    missing = [c for c in REQUIRED if c not in obs.rows.columns]
    if missing:
        return Result.crit(
            exp,
            f"columns {', '.join(obs.rows.columns)}",
            f"the query returns no {', '.join(missing)} column",
        )
    rows = [dict(zip(obs.rows.columns, r, strict=False)) for r in obs.rows.rows]
    problems = [p for row in rows for p in _task(spec, row, obs.now)]
    enabled = sum(1 for r in rows if r["enabled"])
    actual = f"{len(rows)} task(s), {enabled} enabled, at {obs.now:%Y-%m-%d %H:%M:%S %Z}"
    if not problems:
        return Result.ok(exp, actual + ": all on schedule")
    worst = Verdict.CRIT if any(v is Verdict.CRIT for v, _ in problems) else Verdict.WARN
    first = next(m for v, m in problems if v is worst)
    return Result(worst, exp, actual, first, tuple(f"{v.value}: {m}" for v, m in problems))
