"""pm2: a process that pm2 runs is ``online``, and its restarts are not climbing since the last
run (runbook 004: ``pm2 restart ctea-platform``; a crash loop shows as a climbing
``restart_time``).

    - {step: "1.1", kind: pm2, name: ctea-platform, app: ctea-platform,
       restarts: {warn: "> 0", crit: "> 3"}}

``pm2 jlist`` prints every process's whole environment (DATABASE_URL, JWT_SECRET...): the
command filters it on the host with a ``node`` one-liner (node is there wherever pm2 is) that
keeps only name, status, restart counts, uptime and pid, so no value ever reaches the runner.
The command never starts a pm2 daemon: without a live one (``$PM2_HOME/pm2.pid``) the process
is reported not running. The restart count is remembered in the run history (memo); the first
run has no baseline and judges only the status.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks.spec import spec_of
from xunjian.history.memo import previous
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, NonEmpty
from xunjian.inventory.model import CheckBase
from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 24
NO_DAEMON_RC = 45
# Reads `pm2 jlist` on stdin, prints one small JSON object per process: never its environment.
FILTER = (
    "let t='';process.stdin.on('data',d=>{t+=d}).on('end',()=>{"
    "const i=t.indexOf('[');let a;"
    "try{a=JSON.parse(t.slice(i))}catch(e){"
    "console.error('pm2 jlist printed no JSON list ('+t.length+' bytes)');process.exit(3)}"
    "for(const p of a){const e=p.pm2_env||{};console.log(JSON.stringify({name:p.name,"
    "status:e.status,restarts:e.restart_time,unstable:e.unstable_restarts,"
    "since:e.pm_uptime,pid:p.pid}))}})"
)


class Pm2Check(CheckBase):
    kind: Literal["pm2"]
    name: Ident
    app: NonEmpty = Field(description="the pm2 process name, e.g. ctea-platform")
    pm2: NonEmpty = Field("pm2", description="the pm2 command on the host (a path if not on PATH)")
    pm2_home: str | None = Field(
        None, pattern=r"^/", description="PM2_HOME on the host; default: pm2's own (~/.pm2)"
    )
    restarts: Threshold = Field(
        default_factory=lambda: Threshold.model_validate({"warn": "> 0"}),
        description='limits on restarts since the last run, e.g. {warn: "> 0", crit: "> 3"}',
    )

    @model_validator(mode="after")
    def _plain(self) -> Pm2Check:
        if self.restarts.family != "number":
            raise ValueError('restarts takes plain numbers, e.g. {warn: "> 0", crit: "> 3"}')
        return self


SPEC = Pm2Check


@dataclass(frozen=True)
class Pm2Proc:
    """One pm2 process as the filter reports it."""

    name: str
    status: str
    restarts: int
    unstable: int
    since: int | None  # pm_uptime: ms since the epoch when it was last (re)started
    pid: int | None


@dataclass(frozen=True)
class Pm2List(Fact[list[Pm2Proc] | None]):
    """``pm2 jlist`` filtered on the host; None when no pm2 daemon runs."""

    pm2: str
    home: str | None

    def command(self) -> str:
        home = f"PM2_HOME={shlex.quote(self.home)}; export PM2_HOME; " if self.home else ""
        return (
            f"{home}h=${{PM2_HOME:-$HOME/.pm2}}; "
            'if [ ! -f "$h/pm2.pid" ] || ! kill -0 "$(cat "$h/pm2.pid")" 2>/dev/null; then '
            f'echo "no pm2 daemon: $h/pm2.pid" >&2; exit {NO_DAEMON_RC}; fi; '
            f"{shlex.quote(self.pm2)} jlist | node -e {shlex.quote(FILTER)}"
        )

    def describe(self) -> str:
        home = f"PM2_HOME={shlex.quote(self.home)} " if self.home else ""
        return f"{home}{shlex.quote(self.pm2)} jlist (filtered on the host)"

    def parse(self, section: Section) -> list[Pm2Proc] | None:
        if section.rc == NO_DAEMON_RC:
            return None
        if section.rc != 0:
            raise self.failed(section)
        return parse_procs(section.stdout)


def parse_procs(text: str) -> list[Pm2Proc]:
    """The filter's JSON lines as :class:`Pm2Proc`; any other line is an error."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            found.append(
                Pm2Proc(
                    str(raw["name"]),
                    str(raw.get("status") or "unknown"),
                    int(raw.get("restarts") or 0),
                    int(raw.get("unstable") or 0),
                    int(raw["since"]) if raw.get("since") is not None else None,
                    int(raw["pid"]) if raw.get("pid") else None,
                )
            )
        except (ValueError, KeyError, TypeError):
            raise ObservationError(f"pm2 filter printed {line[:80]!r}") from None
    return found


@dataclass(frozen=True)
class Pm2Observation:
    procs: list[Pm2Proc] | None  # None: no pm2 daemon
    previous: dict[str, Any] | None  # the memo of the last run


def _spec(case: CheckCase) -> Pm2Check:
    return spec_of(case, Pm2Check)


def _fact(spec: Pm2Check) -> Pm2List:
    return Pm2List(spec.pm2, spec.pm2_home)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    return f"pm2 process {spec.app} online; restarts since the last run " + threshold.describe(
        spec.restarts
    )


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_fact(_spec(case))]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> Pm2Observation:
    return Pm2Observation(probe_for(case).get(_fact(_spec(case))), previous(case))


def evaluate(case: CheckCase, obs: Pm2Observation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.procs is None:
        return Result.crit(exp, "no pm2 daemon runs", f"{spec.app} is not running (no pm2 daemon)")
    mine = [p for p in obs.procs if p.name == spec.app]
    if not mine:
        names = ", ".join(sorted({p.name for p in obs.procs})) or "none"
        return Result.crit(exp, f"pm2 runs: {names}", f"pm2 has no process {spec.app}")
    restarts = sum(p.restarts for p in mine)
    memo = {"restarts": restarts}
    states = ", ".join(f"{p.status} (pid {p.pid or '-'})" for p in mine)
    actual = f"{spec.app}: {states}; restart_time {restarts}"
    down = [p for p in mine if p.status != "online"]
    if down:
        return Result(
            Verdict.CRIT, exp, actual, f"{spec.app} is {down[0].status}, not online", memo=memo
        )
    before = (obs.previous or {}).get("restarts")
    if not isinstance(before, int):
        return Result(Verdict.OK, exp, actual, "no earlier run: restarts baseline taken", memo=memo)
    if restarts < before:
        note = f"restart_time fell from {before} to {restarts} (pm2 reset): new baseline"
        return Result(Verdict.OK, exp, actual, note, memo=memo)
    climbed = restarts - before
    actual += f", {climbed} since the last run"
    band = threshold.judge(spec.restarts, climbed)
    if band.verdict is Verdict.OK:
        return Result(Verdict.OK, exp, actual, memo=memo)
    said = f"{climbed} restart(s) since the last run ({before} -> {restarts}): {band.message}"
    return Result(band.verdict, exp, actual, said, memo=memo)
