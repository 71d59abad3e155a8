"""environ: the environment of a running service (``/proc/PID/environ`` of the process a regex
finds) or its env file on the host, judged per variable (runbook 004 §1.3's checklist, runbook
001 §6's variables), and compared with the last run by keyed hashes (a changed or vanished
variable). Values never leave the host: only presence, length and digests come back, and only
names, lengths and keyed hashes leave the check.

    vars:
      NODE_ENV: {equals: production}
      JWT_SECRET: {min_length: 32}
      PAYMENT_PROVIDER: {not_in: [mock]}
      DATABASE_SSL_REJECT_UNAUTHORIZED: {equals: "true", unless: DATABASE_CA_CERT}
      SENTRY_DSN: {required: false}      # only watched for changes
    changes: WARN
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from xunjian.checks import env_source
from xunjian.checks.env_source import Changes, EnvName, EnvReading, EnvSourceCheck
from xunjian.checks.spec import spec_of
from xunjian.history.memo import previous
from xunjian.inventory.case import CheckCase
from xunjian.inventory.model import Model
from xunjian.observe.envdigest import Seen
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import Result, Verdict

ORDER = 26
_WORST = {Verdict.OK: 0, Verdict.WARN: 1, Verdict.CRIT: 2}


class VarRule(Model):
    """What one variable must be; with no key at all: set and not empty."""

    required: bool = Field(True, description="false: may be unset (then only watched)")
    equals: str | None = Field(None, description='the value it must have (quote "true")')
    not_in: list[str] | None = Field(None, min_length=1, description="values it must not have")
    min_length: int | None = Field(None, ge=1, description="at least this many bytes")
    unless: EnvName | None = Field(
        None, description="another variable that, when set, waives this rule (a CA certificate)"
    )

    def describe(self) -> str:
        parts = []
        if self.equals is not None:
            parts.append(f"= {self.equals!r}")
        if self.not_in:
            parts.append("not " + " / ".join(repr(v) for v in self.not_in))
        if self.min_length is not None:
            parts.append(f">= {self.min_length} bytes")
        text = ", ".join(parts) or "set"
        text = text if self.required else f"{text} if set"
        return text + (f" (unless {self.unless} is set)" if self.unless else "")


class EnvironCheck(EnvSourceCheck):
    kind: Literal["environ"]
    vars: dict[EnvName, VarRule] = Field(min_length=1, description="name -> its rule ({}: set)")
    changes: Literal["OK", "WARN", "CRIT"] = Field(
        "WARN", description="the verdict of a variable changed, vanished or appeared since last run"
    )
    on_failure: Literal["CRIT", "WARN"] = Field("CRIT", description="the verdict of a failed rule")

    @model_validator(mode="after")
    def _waivers_differ(self) -> EnvironCheck:
        for name, rule in self.vars.items():
            if rule.unless == name:
                raise ValueError(f"vars.{name}.unless: a variable cannot waive its own rule")
        return self

    def names(self) -> tuple[str, ...]:
        """Every name read: the watched ones, then the waivers."""
        extra = [r.unless for r in self.vars.values() if r.unless and r.unless not in self.vars]
        return tuple(dict.fromkeys([*self.vars, *extra]))


SPEC = EnvironCheck


@dataclass(frozen=True)
class EnvironObservation:
    reading: EnvReading
    previous: dict[str, Any] | None  # the snapshot this check left in the last run


def _spec(case: CheckCase) -> EnvironCheck:
    return spec_of(case, EnvironCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    rules = "; ".join(f"{n} {r.describe()}" for n, r in spec.vars.items())
    return f"{spec.source()}: {rules}; no change since the last run ({spec.changes} if any)"


def budget(case: CheckCase) -> float:
    return _spec(case).trips * probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    spec = _spec(case)
    return env_source.facts(spec, spec.names())


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> EnvironObservation:
    spec = _spec(case)
    return EnvironObservation(env_source.read(case, spec, spec.names()), previous(case))


def judge(name: str, rule: VarRule, seen: Seen, waiver: Seen | None) -> str | None:
    """What is wrong with one variable, in words without its value; None if nothing."""
    if rule.unless and waiver is not None and waiver.set:
        return None
    if not seen.present:
        return f"{name} is not set" if rule.required else None
    if seen.length == 0:
        return f"{name} is empty" if rule.required else None
    if rule.equals is not None and not seen.is_value(rule.equals):
        return f"{name} is not {rule.equals!r} ({seen.length} bytes)"
    for refused in rule.not_in or ():
        if seen.is_value(refused):
            return f"{name} is {refused!r}, which not_in refuses"
    if rule.min_length is not None and seen.length < rule.min_length:
        return f"{name} is {seen.length} bytes long, fewer than {rule.min_length}"
    return None


def snapshot(spec: EnvironCheck, reading: EnvReading) -> dict[str, Any] | None:
    """The memo: the watched names' keyed hashes (a waiver read only for its rule aside)."""
    found = reading.snapshot()
    if found is None:
        return None
    return {k: v for k, v in found.items() if k == "@key" or k in spec.vars}


def change_finding(spec: EnvironCheck, obs: EnvironObservation) -> tuple[Verdict, str]:
    """(verdict, words) of the comparison with the last run; never silent about not comparing."""
    level = Verdict(spec.changes)
    now = snapshot(spec, obs.reading)
    if now is None:
        return level, f"change detection not possible: {obs.reading.key_problem}"
    if obs.previous is None:
        return Verdict.OK, "first run: nothing to compare with yet"
    if obs.previous.get("@key") != now["@key"]:
        return level, "the hash key is not the last run's: changes cannot be told this time"
    found: Changes = env_source.compare(obs.previous, now)
    if found:
        return level, f"since the last run {found.text()}"
    return Verdict.OK, "no change since the last run"


def evaluate(case: CheckCase, obs: EnvironObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    reading = obs.reading
    if reading.vars is None:
        return Result(Verdict(spec.on_failure), exp, reading.absent, reading.absent)
    seen = reading.vars
    problems = [
        p
        for name, rule in spec.vars.items()
        if (p := judge(name, rule, seen[name], seen.get(rule.unless) if rule.unless else None))
    ]
    change_verdict, change_text = change_finding(spec, obs)
    verdict = Verdict(spec.on_failure) if problems else Verdict.OK
    if _WORST[change_verdict] > _WORST[verdict]:
        verdict = change_verdict
    set_count = sum(seen[n].set for n in spec.vars)
    actual = f"{reading.source}: {set_count} of {len(spec.vars)} set; {change_text}"
    message = "; ".join([*problems, change_text] if change_verdict is not Verdict.OK else problems)
    details = tuple(
        f"{n}: " + (f"set, {seen[n].length} bytes" if seen[n].present else "not set")
        for n in spec.names()
    )
    return Result(verdict, exp, actual, message, details, memo=snapshot(spec, reading))
