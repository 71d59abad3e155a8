"""Collects verdicts from test reports on the controller (xdist workers send reports back)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest

from xunjian.report import fields


@dataclass
class Row:
    nodeid: str
    system: str
    verdict: str
    step: str
    title: str
    message: str


@dataclass(eq=False)  # registered as a plugin: must stay hashable
class Collector:
    rows: list[Row] = field(default_factory=list)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        f = fields(report)
        if report.when == "call" and "verdict" in f:
            self.rows.append(
                Row(report.nodeid, f["system"], f["verdict"], f["step"], f["title"], f["message"])
            )

    def by_system(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self.rows:
            out[r.system][r.verdict] += 1
        return dict(sorted(out.items()))

    def with_verdict(self, verdict: str) -> list[Row]:
        return [r for r in self.rows if r.verdict == verdict]
