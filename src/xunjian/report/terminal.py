"""The terminal summary: verdicts by system, and every WARN (which pass, so are easy to miss)."""

from __future__ import annotations

import pytest

from xunjian.report.collector import Collector
from xunjian.result import Verdict

VERDICTS = Verdict.names()


def summary_lines(collector: Collector) -> list[str]:
    lines = []
    for system, counts in collector.by_system().items():
        counted = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])
        lines.append(f"{system}: {counted}")
    for row in collector.with_verdict("WARN"):
        lines.append(f"WARN {row.nodeid}: {row.step} {row.title}: {row.message}")
    return lines


class TerminalSummary:
    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        lines = summary_lines(self.collector)
        if lines:
            terminalreporter.write_sep("=", "xunjian verdicts")
            for line in lines:
                terminalreporter.write_line(line, yellow=line.startswith("WARN"))
