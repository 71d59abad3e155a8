"""python: an interpreter's version and the modules it imports (runbook 003 §1; pure, and the
fact's own command run here on this machine's Python)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import python
from xunjian.checks.python import PythonInfo, PythonProbe
from xunjian.observe.batch import Section
from xunjian.result import Verdict

OK, CRIT = Verdict.OK, Verdict.CRIT
SPEC: dict[str, Any] = {"kind": "python", "name": "venv", "interpreter": "/opt/datasync/.venv/bin/python",
                        "min_version": "3.9", "modules": ["openpyxl", "yaml"]}  # fmt: skip


@pytest.mark.parametrize(
    ("obs", "verdict", "text"),
    [
        (PythonInfo((3, 11, 7), {}), OK, "Python 3.11.7; 2 module(s) import"),
        (PythonInfo((3, 9, 0), {}), OK, "Python 3.9.0"),
        (PythonInfo((3, 8, 18), {}), CRIT, "Python 3.8.18 is older than 3.9"),
        (
            PythonInfo((3, 11, 7), {"openpyxl": "ModuleNotFoundError: No module named 'openpyxl'"}),
            CRIT,
            "not importable: openpyxl",
        ),
        (None, CRIT, "no such interpreter"),
    ],
)
def test_python(obs: PythonInfo | None, verdict: Verdict, text: str) -> None:
    assert_result(python.evaluate(make_case(SPEC), obs), verdict, text)


def test_the_command_imports_for_real() -> None:
    fact = PythonProbe(sys.executable, ("json", "no_such_module_xunjian"))
    out = subprocess.run(["sh", "-c", fact.command()], capture_output=True, text=True, check=False)
    info = fact.parse(Section(out.returncode, out.stdout, out.stderr))
    assert info is not None and info.version[:2] == sys.version_info[:2]
    assert list(info.broken) == ["no_such_module_xunjian"]
    missing = PythonProbe("/no/such/python", ())
    out = subprocess.run(
        ["sh", "-c", missing.command()], capture_output=True, text=True, check=False
    )
    assert missing.parse(Section(out.returncode, out.stdout, out.stderr)) is None


def test_min_version_is_checked_at_load() -> None:
    with pytest.raises(ValueError, match="min_version"):
        make_case(SPEC | {"min_version": "three"})
