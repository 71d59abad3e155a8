"""A bug in xunjian is not a verdict: a deliberate error in an evaluator ends the run with exit 3
and its traceback in the terminal and the JUnit XML, never as UNKNOWN; an observation that
could not be made is still UNKNOWN (exit 1)."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = (ROOT / "tests" / "daily" / "test_daily.py").read_text(encoding="utf-8")
BUG = """
import xunjian.checks.port as port

def _buggy(case, observation):
    return observation.no_such_attribute  # a deliberate bug in an evaluator
port.evaluate = _buggy
"""


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def project(pytester: pytest.Pytester, port: int, bug: bool) -> Path:
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    if bug:
        pytester.makeconftest(BUG)
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: t
systems:
  sys:
    title: 测试系统
    steps: {{"1.1": {{title: 检查服务进程}}}}
    hosts:
      local:
        address: 127.0.0.1
        connection: local://
        checks:
          - {{step: "1.1", kind: port, port: {port}}}
""",
        encoding="utf-8",
    )
    return inv


@pytest.mark.parametrize("workers", ["0", "2"], ids=["no-xdist", "xdist"])
def test_a_bug_in_an_evaluator_exits_3_with_its_traceback(
    pytester: pytest.Pytester, listener: int, workers: str
) -> None:
    inv = project(pytester, listener, bug=True)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider",
        "-m", "daily", "-n", workers, f"--junitxml={junit}", timeout=120,
    )  # fmt: skip
    assert result.ret == 3, result.stdout.str()
    out = result.stdout.str()
    assert "AttributeError" in out and "no_such_attribute" in out
    assert "[UNKNOWN]" not in out
    result.stdout.fnmatch_lines(
        ["*xunjian internal errors*", "*1 check(s) raised from xunjian's own code*"]
    )
    failures = [
        f.text or ""
        for case in ET.parse(junit).iter("testcase")
        for f in case
        if f.tag in ("failure", "error")
    ]
    assert len(failures) == 1 and "no_such_attribute" in failures[0]


def test_without_the_bug_a_closed_port_is_a_verdict_not_exit_3(pytester: pytest.Pytester) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens there once the socket is closed
    inv = project(pytester, closed, bug=False)
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider",
        "-m", "daily", "-n", "0", timeout=120,
    )  # fmt: skip
    assert result.ret == 1, result.stdout.str()
    assert "[CRIT]" in result.stdout.str()
    assert "internal errors" not in result.stdout.str()
