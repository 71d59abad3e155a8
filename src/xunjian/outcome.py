"""Turning a check result into test outcome, message and report properties (secrets redacted)."""

from __future__ import annotations

import json

import pytest

from xunjian.inventory import CheckCase
from xunjian.inventory.secrets import SECRETS, redact_urls
from xunjian.result import Result, Verdict

PREFIX = "xunjian."


def clean(text: str) -> str:
    return redact_urls(SECRETS.redact(text))


def properties(case: CheckCase, result: Result) -> list[tuple[str, str]]:
    """Stored as ``user_properties``: they travel from xdist workers and land in JUnit XML."""
    fields = {
        "system": f"{case.system_id} {case.system.title}",
        "host": f"{case.host_id} {case.host.address}",
        "step": case.step_id,
        "title": case.step.title,
        "kind": case.kind,
        "severity": case.severity,
        "verdict": result.verdict.value,
        "expected": result.expected,
        "actual": result.actual,
        "message": result.message,
        "normal": case.step.normal,
        "remedy": case.step.remedy,
        "details": "\n".join(result.details),
    }
    if result.memo is not None:  # for the next run (xunjian.history.memo), via the controller
        fields["memo"] = json.dumps(result.memo, ensure_ascii=False, sort_keys=True)
    return [(PREFIX + k, clean(v)) for k, v in fields.items()]


def failure_text(case: CheckCase, result: Result) -> str:
    lines = [
        f"[{result.verdict.value}] {case.system.title} / {case.host_id} ({case.host.address}) "
        f"/ 步骤 {case.step_id} {case.step.title}: {result.message or result.verdict.value}",
        f"  expected: {result.expected}",
        f"  actual:   {result.actual}",
    ]
    lines += [f"    | {d}" for d in result.details]
    if case.step.normal:
        lines.append(f"  正常标准: {case.step.normal}")
    if case.step.remedy:
        lines.append(f"  异常处理: {case.step.remedy}")
    return clean("\n".join(lines))


def conclude(case: CheckCase, result: Result, fail_on_warn: bool) -> None:
    """Fail the test for CRIT and UNKNOWN (and WARN with --fail-on-warn); otherwise return."""
    __tracebackhide__ = True
    if result.verdict.fails or (fail_on_warn and result.verdict is Verdict.WARN):
        pytest.fail(failure_text(case, result), pytrace=False)
