"""Allure labels for a check: system as feature, runbook step as story, severity, host as tag."""

from __future__ import annotations

import allure

from xunjian.inventory import CheckCase
from xunjian.outcome import clean, failure_text
from xunjian.result import Result, Verdict


def label(case: CheckCase, result: Result) -> None:
    """Labels the running test; a no-op unless allure-pytest records this run (--alluredir)."""
    allure.dynamic.feature(f"{case.system_id} {case.system.title}")
    allure.dynamic.story(f"{case.step_id} {case.step.title}")
    allure.dynamic.severity(allure.severity_level(case.severity))
    allure.dynamic.tag(case.host_id)
    allure.dynamic.tag(result.verdict.value)
    allure.dynamic.title(f"{case.id}: {result.verdict.value}")
    allure.dynamic.description(
        clean(
            f"**正常标准**: {case.step.normal}\n\n**异常处理**: {case.step.remedy}\n\n"
            f"**expected**: {result.expected}\n\n**actual**: {result.actual}"
        )
    )
    if result.verdict is not Verdict.OK:
        allure.attach(
            failure_text(case, result),
            name=f"{result.verdict.value} detail",
            attachment_type=allure.attachment_type.TEXT,
        )
