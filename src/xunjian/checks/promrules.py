"""promrules: a Prometheus rules file on a host is valid (``promtool check rules``, run there)
and its alerts compare with the runbook's thresholds (runbook 004 §4.2).

    - {step: "4.2", kind: promrules, name: ctea-alerts, path: /etc/prometheus/rules/ctea.yml,
       expect: {HighPaymentFailureRate: "> 0.05", IIKOSyncFailure: "> 3",
                HighDatabaseConnections: "> 0.8"}}

Each expected alert must exist and its ``expr`` must end in that comparison (``... > 0.05``;
``0.05 < ...`` reads the same). A missing alert, another operator or another number is CRIT
naming the alert; so is a file promtool rejects, with promtool's words.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact, Tail
from xunjian.observe.host import probe_for
from xunjian.result import Result
from xunjian.threshold import Condition

ORDER = 56
MAX_LINES = 20000
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_OPS = r"(?:>=|<=|==|!=|>|<)"
_TRAILING = re.compile(rf"({_OPS})\s*(?:bool\s+)?({_NUM})\s*$")
_LEADING = re.compile(rf"^\s*({_NUM})\s*({_OPS})")
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


class PromRulesCheck(CheckBase):
    kind: Literal["promrules"]
    name: Ident
    path: str = Field(pattern=r"^/", description="the rules file on the host")
    expect: dict[str, Condition] = Field(
        description="alert name -> the comparison its expr must end in, e.g. '> 0.05'",
        min_length=1,
    )

    @field_validator("expect")
    @classmethod
    def _plain(cls, expect: dict[str, Condition]) -> dict[str, Condition]:
        for alert, cond in expect.items():
            if cond.unit is not None:
                raise ValueError(
                    f"{alert}: {cond.text!r}: a rule compares plain numbers (0.05, not 5 %)"
                )
        return expect


SPEC = PromRulesCheck


@dataclass(frozen=True)
class Promtool:
    rc: int
    said: str


@dataclass(frozen=True)
class PromtoolCheck(Fact[Promtool | None]):
    """``promtool check rules FILE``'s exit code and words; None if the file does not exist."""

    path: str

    def command(self) -> str:
        p = shlex.quote(self.path)
        return f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; promtool check rules {p} 2>&1"

    def describe(self) -> str:
        return f"promtool check rules {shlex.quote(self.path)}"

    def parse(self, section: Section) -> Promtool | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc not in (0, 1):  # 127: no promtool; a timeout: no answer about the file
            raise self.failed(section)
        return Promtool(section.rc, section.stdout.strip())


@dataclass(frozen=True)
class RulesObservation:
    path: str
    promtool: Promtool | None  # None: the file does not exist
    text: tuple[str, ...] | None


def _spec(case: CheckCase) -> PromRulesCheck:
    return spec_of(case, PromRulesCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    wanted = ", ".join(f"{a} {c.canonical}" for a, c in spec.expect.items())
    return f"{spec.path} passes promtool check rules; alerts: {wanted}"


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    path = _spec(case).path
    return [PromtoolCheck(path), Tail(path, MAX_LINES)]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> RulesObservation:
    path = _spec(case).path
    probe = probe_for(case)
    return RulesObservation(path, probe.get(PromtoolCheck(path)), probe.get(Tail(path, MAX_LINES)))


def alerts(text: str) -> dict[str, str]:
    """Alert name -> expr of every alerting rule of a rules file (pure); ValueError if it is
    not a rules file."""
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise ValueError("no groups: list")
    found: dict[str, str] = {}
    for group in doc["groups"]:
        for rule in (group or {}).get("rules") or []:
            if isinstance(rule, dict) and "alert" in rule:
                found[str(rule["alert"])] = str(rule.get("expr", ""))
    return found


def comparison(expr: str) -> tuple[str, Decimal] | None:
    """The comparison an alert's expr makes with a number: ``... > 0.05`` -> (">", 0.05);
    ``0.05 < ...`` reads as (">", 0.05); None if it ends in none."""
    text = " ".join(expr.split())
    m = _TRAILING.search(text)
    if m:
        op, num = m.group(1), m.group(2)
    elif (m := _LEADING.search(text)) is not None:
        num, op = m.group(1), _FLIP[m.group(2)]
    else:
        return None
    try:
        return op, Decimal(num)
    except InvalidOperation:
        return None


def evaluate(case: CheckCase, obs: RulesObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.promtool is None or obs.text is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the rules file is missing")
    if obs.promtool.rc != 0:
        said = obs.promtool.said.splitlines()
        return Result.crit(
            exp, "promtool: " + "; ".join(said[-3:])[:300], "promtool rejects the rules file"
        )
    try:
        found = alerts("\n".join(obs.text))
    except (yaml.YAMLError, ValueError) as e:
        return Result.crit(exp, f"not a rules file: {str(e)[:200]}", "cannot read the rules")
    lines, bad = [], []
    for alert, want in spec.expect.items():
        if alert not in found:
            bad.append(f"{alert}: no such alert")
            continue
        got = comparison(found[alert])
        if got is None:
            bad.append(f"{alert}: its expr compares with no number")
            continue
        op, num = got
        lines.append(f"{alert} {op} {num}")
        if op != want.op or num != want.value:
            bad.append(f"{alert}: {op} {num}, not {want.canonical}")
    actual = f"{len(found)} alert(s); " + (", ".join(lines) or "none of those expected")
    if bad:
        return Result.crit(exp, actual, "; ".join(bad))
    return Result.ok(exp, actual)
