"""pytest-html: runbook columns per test and a verdict summary by system at the top."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from xunjian.report import fields
from xunjian.report.collector import Collector
from xunjian.report.terminal import VERDICTS

COLUMNS = [
    ("step", "步骤"),
    ("title", "操作项"),
    ("host", "Host"),
    ("verdict", "Verdict"),
    ("expected", "Expected"),
    ("actual", "Actual"),
    ("remedy", "异常处理"),
]


STYLE = """<style>
#xunjian-summary { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
#xunjian-summary th, #xunjian-summary td { border: 1px solid #ccc; padding: 4px 12px; text-align: right; }
#xunjian-summary td:first-child, #xunjian-summary th:first-child { text-align: left; }
#xunjian-summary td.v-CRIT, #xunjian-summary td.v-UNKNOWN { background: #f8d7da; font-weight: bold; }
#xunjian-summary td.v-WARN { background: #fff3cd; font-weight: bold; }
td.col-verdict { font-weight: bold; }
</style>"""


def _count(verdict: str, n: int) -> str:
    cls = f' class="v-{verdict}"' if n and verdict != "OK" else ""
    return f"<td{cls}>{n}</td>"


def summary_table(collector: Collector) -> str:
    head = "".join(f"<th>{v}</th>" for v in VERDICTS)
    body = "".join(
        f"<tr><td>{escape(system)}</td>" + "".join(_count(v, counts[v]) for v in VERDICTS) + "</tr>"
        for system, counts in collector.by_system().items()
    )
    return (
        f'{STYLE}<h2>巡检 summary by system</h2><table id="xunjian-summary">'
        f"<tr><th>System</th>{head}</tr>{body}</table>"
    )


class HtmlColumns:
    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    @pytest.hookimpl
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[2:2] = [f'<th class="sortable" data-column-type="{k}">{t}</th>' for k, t in COLUMNS]

    @pytest.hookimpl
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        f = fields(report)
        cells[2:2] = [f'<td class="col-{k}">{escape(f.get(k, ""))}</td>' for k, _ in COLUMNS]

    @pytest.hookimpl
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        prefix.append(summary_table(self.collector))

    @pytest.hookimpl
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "xunjian 巡检 report"
