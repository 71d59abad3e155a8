"""promrules: a rules file's alerts against the runbook's thresholds (pure, accept and reject
tables) and the spec's refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import promrules
from xunjian.checks.promrules import Promtool, RulesObservation
from xunjian.lab.paths import FILES
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
PATH = "/etc/prometheus/rules/ctea.yml"
RULES: dict[str, Any] = {
    "kind": "promrules",
    "name": "ctea-alerts",
    "path": PATH,
    "expect": {
        "HighPaymentFailureRate": "> 0.05",
        "IIKOSyncFailure": "> 3",
        "HighDatabaseConnections": "> 0.8",
    },
}
TEXT = (FILES / "ctea-rules.yml").read_text(encoding="utf-8")
GOOD = Promtool(0, "Checking ctea.yml\n  SUCCESS: 3 rules found")


def obs(text: str | None = TEXT, promtool: Promtool | None = GOOD) -> RulesObservation:
    return RulesObservation(PATH, promtool, tuple(text.splitlines()) if text is not None else None)


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ("sum(rate(a[5m])) /\n  sum(rate(b[5m])) > 0.05", (">", Decimal("0.05"))),
        ("increase(x[1h]) > 3", (">", Decimal(3))),
        ("a / b >= bool 0.8", (">=", Decimal("0.8"))),
        ("0.8 < a / b", (">", Decimal("0.8"))),
        ("up == 0", ("==", Decimal(0))),
        ("rate(x[5m]) > 1e-3", (">", Decimal("0.001"))),
        ("absent(up)", None),
    ],
)
def test_the_comparison_of_an_expr(expr: str, found: tuple[str, Decimal] | None) -> None:
    assert promrules.comparison(expr) == found


def test_the_runbook_rules_pass() -> None:
    result = promrules.evaluate(make_case(RULES), obs())
    assert_result(result, OK, "3 alert(s)")
    assert "HighPaymentFailureRate > 0.05" in result.actual


@pytest.mark.parametrize(
    ("text", "promtool", "said"),
    [
        pytest.param(TEXT.replace("> 0.05", "> 0.1"), GOOD, "HighPaymentFailureRate: > 0.1, not > 0.05", id="wrong-number"),
        pytest.param(TEXT.replace("[1h]) > 3", "[1h]) >= 3"), GOOD, "IIKOSyncFailure: >= 3, not > 3", id="wrong-operator"),
        pytest.param(TEXT.replace("alert: HighDatabaseConnections", "alert: DbConnections"), GOOD, "HighDatabaseConnections: no such alert", id="missing-alert"),
        pytest.param(TEXT.replace("> 0.8", ""), GOOD, "HighDatabaseConnections: its expr compares with no number", id="no-comparison"),
        pytest.param(TEXT, Promtool(1, "  FAILED:\nparse error: unclosed left parenthesis"), "promtool rejects", id="promtool-fails"),
        pytest.param(None, None, "the rules file is missing", id="missing-file"),
        pytest.param("just: text", GOOD, "cannot read the rules", id="not-rules"),
    ],
)  # fmt: skip
def test_a_wrong_file_is_crit_naming_the_alert(
    text: str | None, promtool: Promtool | None, said: str
) -> None:
    result = promrules.evaluate(make_case(RULES), obs(text, promtool))
    assert_result(result, CRIT, said)


def test_promtool_words_are_shown() -> None:
    bad = Promtool(1, "Checking x\n  FAILED:\nparse error at char 9: unclosed left parenthesis")
    result = promrules.evaluate(make_case(RULES), obs(TEXT, bad))
    assert "unclosed left parenthesis" in result.actual


@pytest.mark.parametrize(
    ("expect", "said"),
    [
        ({"HighPaymentFailureRate": "> 5 %"}, "plain numbers"),
        ({"HighPaymentFailureRate": "above 0.05"}, "is not a condition"),
        ({}, "at least 1"),
    ],
)
def test_bad_expectations_are_refused(expect: dict[str, str], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        make_case(RULES | {"expect": expect})


def test_promtool_runs_on_the_host_in_the_batch() -> None:
    case = make_case(RULES)
    commands = [f.command() for f in promrules.facts(case)]
    assert commands[0].endswith(f"promtool check rules {PATH} 2>&1")
    assert "tail -n" in commands[1]


@pytest.mark.skipif(not Path("/usr/bin/promtool").exists(), reason="no promtool")
def test_promtool_accepts_the_lab_file() -> None:
    import subprocess

    done = subprocess.run(
        ["promtool", "check", "rules", str(FILES / "ctea-rules.yml")], capture_output=True
    )
    assert done.returncode == 0, done.stdout
