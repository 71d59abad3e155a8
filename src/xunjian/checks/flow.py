"""flow: a runbook's sequence of API calls as one check (runbook 000 part 2: log in, then four
downloads with the token), each call judged by its answer and, where a query is given, by the
rows it should have written.

The spec is :mod:`~xunjian.checks.flowspec` (references between steps are checked at load), the
observer :mod:`xunjian.observe.flow` (each call sent once, never retried), the judgement of a
step :mod:`~xunjian.checks.flowjudge` (pure). A failed step stops only the steps that need what
it should have given (a failed login: every download), which are reported as not run.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from xunjian.checks import flowjudge, flowsteps, jsonexpect
from xunjian.checks.flowjudge import RANK, StepOutcome
from xunjian.checks.flowspec import FlowCheck, FlowStep
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.observe import flow
from xunjian.observe.facts import Fact
from xunjian.observe.flowrecord import FlowObservation
from xunjian.result import Result, Verdict

ORDER = 70
SPEC = FlowCheck
SHOWN = 120  # characters of a failed call's answer in the one-line message


def _spec(case: CheckCase) -> FlowCheck:
    return spec_of(case, FlowCheck)


def _expects(step: FlowStep) -> str:
    wants = ["/".join(map(str, step.expect.status)), *jsonexpect.describe(step.expect.json_expect)]
    if step.capture:
        wants.append(f"captures {', '.join(step.capture)}")
    if step.proof:
        wants.append(f"{flowjudge.label(step.proof)} moves")
    return f"{step.name}: {step.method} {step.path} -> {', '.join(wants)}"


def expected(case: CheckCase) -> str:
    return "; ".join(_expects(step) for step in _spec(case).steps)


def budget(case: CheckCase) -> float:
    """Every call's timeout and every proof query's limits, in sequence."""
    return flow.limit(case, _spec(case))


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []  # nothing on the host: calls go from the runner, queries to the databases


def targets(case: CheckCase) -> set[str]:
    return {urlsplit(_spec(case).base_url).hostname or ""}


def observe(case: CheckCase) -> FlowObservation:
    return flow.run(case, _spec(case))


def evaluate(case: CheckCase, obs: FlowObservation) -> Result:
    steps = flowjudge.outcomes(_spec(case), obs)
    verdicts = [s.verdict or Verdict.UNKNOWN for s in steps if s.counts]
    if obs.credentials_error:
        verdicts.append(Verdict.UNKNOWN)
    worst = max(verdicts, key=RANK.__getitem__, default=Verdict.OK)
    tally = Counter(s.verdict.value if s.verdict else "not run" for s in steps)
    made = sum(r.sent for r in obs.calls)
    actual = f"{made} of {len(steps)} calls made: " + ", ".join(
        f"{n} {what}" for what, n in sorted(tally.items(), key=lambda kv: _order(kv[0]))
    )
    details = tuple(s.line() for s in steps)
    return Result(worst, expected(case), actual, _message(steps, obs.credentials_error), details)


def report(case: CheckCase, obs: FlowObservation) -> None:
    """Each step as an Allure step of the running test (a no-op without --alluredir)."""
    flowsteps.show(flowjudge.outcomes(_spec(case), obs))


def _order(what: str) -> int:
    return {"CRIT": 0, "UNKNOWN": 1, "WARN": 2, "OK": 3}.get(what, 4)


def _message(steps: list[StepOutcome], credentials_error: str | None) -> str:
    """Each failure once, worst first: steps that failed alike (an expired token refused by
    every download) are named together; then the warnings; then the steps kept from running,
    grouped by why."""
    said: dict[tuple[int, str], list[str]] = {}  # (rank, what is wrong) -> its steps
    for s in steps:
        if not s.record.sent:
            said.setdefault((2, f"not run: {{}} ({s.record.why})"), []).append(s.step.name)
        elif s.verdict in (Verdict.CRIT, Verdict.UNKNOWN):
            body = s.record.excerpt if s.call_failed else ""
            shown = f" (answer {body[:SHOWN]}{'...' if len(body) > SHOWN else ''})" if body else ""
            said.setdefault((0, f"{{}} failed: {s.problem}{shown}"), []).append(s.step.name)
        elif s.verdict is Verdict.WARN:
            said.setdefault((1, f"{{}}: {s.problem}"), []).append(s.step.name)
    parts = [f"credentials: {credentials_error}"] if credentials_error else []
    ordered = sorted(said, key=lambda key: key[0])  # worst first, in step order within a rank
    parts += [text.replace("{}", ", ".join(said[rank, text]), 1) for rank, text in ordered]
    return "; ".join(parts)
