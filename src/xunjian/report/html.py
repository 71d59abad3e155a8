"""pytest-html: runbook columns per test; at the top, what to act on (every failure with the
runbook's 异常处理) and the verdicts by system; a layout that fits a laptop screen (report.css)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from importlib.resources import files
from typing import Any
from urllib.parse import quote

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

# The "to act on" block, in this order: failed, could not observe, failed without a verdict
# (xunjian's own error, a setup or teardown error), then WARN, which passes but needs a look.
ACT_ON = ("CRIT", "UNKNOWN", "ERROR", "WARN")
ACT_ON_COLUMNS = [
    ("verdict", "Verdict"),
    ("system", "System"),
    ("step", "步骤 操作项"),
    ("host", "Host"),
    ("actual", "Actual"),
    ("remedy", "异常处理"),
]


def stylesheet() -> str:
    """The page's layout rules, appended after pytest-html's own (see report.css)."""
    return files("xunjian.report").joinpath("report.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ActOn:
    """One test a reviewer has to act on: its verdict, its row's id and its report fields."""

    verdict: str
    row_id: str  # the id pytest-html gives the test's row: the node id, ::setup etc. if not call
    fields: dict[str, str]

    @classmethod
    def of(cls, report: pytest.TestReport) -> ActOn | None:
        f = fields(report)
        verdict = f.get("verdict", "")
        row_id = report.nodeid if report.when == "call" else f"{report.nodeid}::{report.when}"
        if report.failed and (report.when != "call" or verdict not in ACT_ON):
            why = "failed without a verdict" if report.when == "call" else f"{report.when} failed"
            said = f"{why}: see its log in the results below"
            # an error says nothing of the service: the runbook's remedy is not for it
            return cls("ERROR", row_id, {**f, "actual": said, "remedy": ""})
        if report.when == "call" and verdict in ACT_ON:
            return cls(verdict, row_id, f)
        return None

    def order(self) -> tuple[int, str, list[str], str]:
        step = [part.zfill(8) for part in self.fields.get("step", "").split(".")]  # 1.2 < 1.10
        return ACT_ON.index(self.verdict), self.fields.get("system", ""), step, self.row_id


def _act_on_row(item: ActOn) -> str:
    f = item.fields
    label = f"{f.get('step', '')} {f.get('title', '')}".strip() or item.row_id
    link = f'<a href="#{escape(quote(item.row_id, safe="/:[]@"))}">{escape(label)}</a>'
    cells = {k: escape(v) for k, v in {**f, "verdict": item.verdict}.items()}
    cells["step"] = link
    if f.get("history"):  # "failing since 2026-11-20 (3 runs)", "new", "flapping"
        cells["verdict"] += f'<div class="history">{escape(f["history"])}</div>'
    tds = "".join(f'<td class="col-{k}">{cells.get(k, "")}</td>' for k, _ in ACT_ON_COLUMNS)
    return f'<tr class="v-{item.verdict}">{tds}</tr>'


def act_on_table(items: list[ActOn]) -> str:
    """Every test to act on, worst first, with its 异常处理; empty when there is none."""
    if not items:
        return ""
    counts = Counter(i.verdict for i in items)
    said = ", ".join(f"{counts[v]} {v}" for v in ACT_ON if counts[v])
    head = "".join(f'<th class="col-{k}">{t}</th>' for k, t in ACT_ON_COLUMNS)
    body = "".join(_act_on_row(i) for i in sorted(items, key=ActOn.order))
    return (
        f'<h2>需要处理: {said}</h2><table id="xunjian-failures">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


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
        f'<h2>巡检 summary by system</h2><table id="xunjian-summary">'
        f"<tr><th>System</th>{head}</tr>{body}</table>"
    )


class HtmlColumns:
    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.act_on: list[ActOn] = []

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if item := ActOn.of(report):
            self.act_on.append(item)

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
        # what to act on first; pytest-html's own sort (initial_sort, by default Error and
        # Failed first) lives in the URL and the browser tab, this block in the page itself
        prefix.append(f"<style>{stylesheet()}</style>")
        prefix.append(act_on_table(self.act_on))
        prefix.append(summary_table(self.collector))

    @pytest.hookimpl
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "xunjian 巡检 report"
