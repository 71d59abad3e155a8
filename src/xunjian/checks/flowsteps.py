"""A flow's steps as Allure steps of the running test: one per call, named with its verdict,
its report line attached, its status Allure's own (passed, failed, broken, skipped).

Made in the test's thread once the flow is judged, never from the observer's thread: Allure
files a step under whichever test is running when it starts, and a flow given up at its
deadline must not leave steps to the next test. A no-op unless the run records Allure results.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import allure
import pytest

from xunjian.checks.flowjudge import StepOutcome
from xunjian.inventory.secrets import SECRETS, redact_urls
from xunjian.result import Verdict


class StepFailed(AssertionError):
    """Marks an Allure step failed (CRIT); raised inside the step and caught at once."""


class StepBroken(Exception):
    """Marks an Allure step broken (UNKNOWN: the call's outcome could not be seen)."""


def _clean(text: str) -> str:
    return redact_urls(SECRETS.redact(text))


def show(outcomes: Sequence[StepOutcome]) -> None:
    for s in outcomes:
        verdict = s.verdict.value if s.verdict else "not run"
        title = _clean(f"{s.index}. {s.step.name} {s.step.title} — {verdict}")
        line = _clean(s.line())
        with contextlib.suppress(StepFailed, StepBroken, pytest.skip.Exception):
            with allure.step(title):
                allure.attach(line, name="call", attachment_type=allure.attachment_type.TEXT)
                if s.verdict is None:
                    pytest.skip(line)
                if s.verdict is Verdict.CRIT:
                    raise StepFailed(line)
                if s.verdict is Verdict.UNKNOWN:
                    raise StepBroken(line)
