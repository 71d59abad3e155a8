"""Exit 3 when a check raised from xunjian's own code: a bug is not a verdict.

The test itself fails with its traceback (so every report shows it); this plugin, on the
controller, notices the mark the worker put on its report and ends the run with exit 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

INTERNAL = "xunjian.internal_error"  # user property set on the report of such a test


@dataclass(eq=False)  # registered as a plugin: must stay hashable
class InternalErrors:
    nodeids: list[str] = field(default_factory=list)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if any(name == INTERNAL for name, _ in report.user_properties):
            self.nodeids.append(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.nodeids and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.TESTS_FAILED,
        ):
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.nodeids:
            terminalreporter.section("xunjian internal errors", red=True)
            terminalreporter.write_line(
                f"{len(self.nodeids)} check(s) raised from xunjian's own code (exit 3; "
                "please report it with the traceback above):"
            )
            for nodeid in self.nodeids:
                terminalreporter.write_line(f"  {nodeid}")
