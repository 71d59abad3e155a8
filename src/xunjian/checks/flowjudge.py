"""Judging a flow's steps (pure): did a call answer as expected, and did it move its table.

The observer asks :func:`call_problems` whether to go on (a step whose capture a later step
needs must pass); the kind's ``evaluate`` and the Allure steps take :func:`outcomes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from xunjian.checks import jsonexpect
from xunjian.checks.flowspec import FlowCheck, FlowStep
from xunjian.checks.flowspec import Proof as ProofSpec
from xunjian.observe.flowrecord import NOT_JSON, CallRecord, FlowObservation, Proof, Reading
from xunjian.result import Verdict

RANK = {Verdict.OK: 0, Verdict.WARN: 1, Verdict.UNKNOWN: 2, Verdict.CRIT: 3}


@dataclass(frozen=True)
class StepOutcome:
    """A step as the reports show it: ``verdict`` None when it was not run."""

    index: int
    step: FlowStep
    record: CallRecord
    verdict: Verdict | None
    problem: str  # why it is not OK ("" when OK), or why it was not run
    answer: str  # "HTTP 200, code=0, 14 ms; wx_customer 2 -> 5"
    call_failed: bool = False  # the call itself did not answer as expected (its body says why)

    @property
    def counts(self) -> bool:
        """Whether its verdict is its own: a step stopped by another's failure is not."""
        return self.verdict is not None or self.record.blocker is None

    def line(self) -> str:
        head = f"{self.index}. {self.step.name} {self.step.title}".rstrip()
        if self.verdict is None:
            return f"{head}: not run: {self.record.why}"
        said = f"{self.verdict.value} {self.problem}".rstrip()
        call = f"{self.step.method} {self.step.path} -> {self.answer}"
        body = f" — {self.record.excerpt}" if self.record.excerpt else ""
        return f"{head}: {said} — {call}{body}"


def call_problems(step: FlowStep, record: CallRecord) -> list[str]:
    """Why the call did not answer as the step expects ([] when it did)."""
    if record.status is None:
        return [record.error or "no answer"]
    problems = []
    if record.status not in step.expect.status:
        problems.append(f"HTTP {record.status}, not {'/'.join(map(str, step.expect.status))}")
    if step.expect.json_expect or step.capture:
        if record.doc is NOT_JSON:
            problems.append("the answer is not JSON")
        else:
            problems += jsonexpect.problems(step.expect.json_expect, record.doc)
    return problems or list(record.capture_problems)  # a refused answer gives nothing to capture


def outcomes(spec: FlowCheck, obs: FlowObservation) -> list[StepOutcome]:
    pairs = zip(spec.steps, obs.calls, strict=True)
    return [_outcome(i, step, record) for i, (step, record) in enumerate(pairs, start=1)]


def _outcome(index: int, step: FlowStep, record: CallRecord) -> StepOutcome:
    if not record.sent:
        verdict = None if record.blocker else Verdict.UNKNOWN
        return StepOutcome(index, step, record, verdict, record.why, "")
    answer = _answer(step, record)
    problems = call_problems(step, record)
    if problems:
        # on_failure grades an answer; a call nobody answered is CRIT (UNKNOWN if timed out)
        answered = Verdict[step.on_failure] if record.status is not None else Verdict.CRIT
        verdict = Verdict.UNKNOWN if record.timed_out else answered
        return StepOutcome(index, step, record, verdict, "; ".join(problems), answer, True)
    if step.proof is None or record.proof is None:
        return StepOutcome(index, step, record, Verdict.OK, "", answer)
    verdict, said = judge_proof(step.proof, record.proof, answer)
    moved = f"{label(step.proof)} {record.proof.before.shown()} -> {record.proof.after.shown()}"
    return StepOutcome(index, step, record, verdict, said, f"{answer}; {moved}")


def _answer(step: FlowStep, record: CallRecord) -> str:
    """``HTTP 200, code=0, 14 ms``: the status and the values the step's expectations read."""
    parts = [f"HTTP {record.status}" if record.status is not None else "no answer"]
    if record.doc is not NOT_JSON:
        for j in step.expect.json_expect:
            found = jsonexpect.find(j.path, record.doc)
            if found:
                parts.append(f"{j.path.removeprefix('$.')}={_json(found[0])}")
    return ", ".join([*parts, f"{record.elapsed_ms:.0f} ms"])


def _json(value: Any) -> str:
    return (
        "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


def judge_proof(spec: ProofSpec, proof: Proof, answer: str) -> tuple[Verdict, str]:
    """(verdict, message) of a call that answered as expected, by the table it should move."""
    name = label(spec)
    for when, reading in (("before", proof.before), ("after", proof.after)):
        if reading.error is not None:
            return Verdict.UNKNOWN, f"could not read {name} {when} the call: {reading.error}"
    if proof.before.value != proof.after.value or proof.before.rows != proof.after.rows:
        return Verdict.OK, ""
    stayed = f"{name} stayed at {proof.after.shown()}"
    if proof.source is None:
        return Verdict.WARN, f"no new rows: {stayed} (no source_query tells a quiet week apart)"
    if proof.source.error is not None:
        return Verdict.UNKNOWN, f"could not read the source: {proof.source.error}"
    new = _number(proof.source)
    if new is None:
        return Verdict.UNKNOWN, f"source_query gave {proof.source.shown()!r}, not a number"
    if new > 0:
        return Verdict.CRIT, (
            f"answered {answer.rsplit(', ', 1)[0]} but {name} did not move "
            f"({proof.before.shown()} -> {proof.after.shown()}) although the source had "
            f"{new} new row(s)"
        )
    return Verdict.WARN, f"no new rows: the source had none and {stayed}"


def _number(reading: Reading) -> Decimal | None:
    value = reading.value
    if isinstance(value, bool) or value is None or not reading.rows:
        return None
    try:
        number = Decimal(value.decode() if isinstance(value, bytes) else str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_TABLE = re.compile(r"\bFROM\s+([`\"]?[\w.]+[`\"]?)", re.IGNORECASE)


def label(spec: ProofSpec) -> str:
    """What the proof query reads, for messages: its first table, e.g. ``wx_customer``."""
    m = _TABLE.search(spec.query)
    return m[1].strip('`"') if m else "the proof query's value"
