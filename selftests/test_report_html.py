"""The HTML report without a browser: the layout rules of report.css (fixed column widths, long
cells wrap, 异常处理 the widest column on a 1366 px screen), the "需要处理" block against a
golden rendering, and the order of the assembled page. test_report_browser.py measures the same
page in chromium."""

from __future__ import annotations

import html as htmllib
import json
import re
import socket
from importlib.resources import files
from pathlib import Path
from typing import Literal

import pytest
from pytest import TestReport

from xunjian.outcome import PREFIX
from xunjian.report.html import ACT_ON_COLUMNS, COLUMNS, ActOn, act_on_table, stylesheet

ROOT = Path(__file__).resolve().parent.parent
TESTS = (ROOT / "tests" / "daily" / "test_daily.py").read_text(encoding="utf-8")
PYTEST_HTML_CSS = files("pytest_html").joinpath("resources", "style.css")

# A laptop screen: 1366 px, less the body's 8 px margins and a 15 px scroll bar.
TABLE_WIDTH = 1366 - 2 * 8 - 15
# the results table's columns: pytest-html's four around xunjian's (selector of each header)
RESULTS = [
    '[data-column-type="result"]',
    '[data-column-type="testId"]',
    *(f'[data-column-type="{k}"]' for k, _ in COLUMNS),
    '[data-column-type="duration"]',
    ":not(.sortable)",  # Links, the one column pytest-html does not sort
]
ACT_ON_HEADERS = [f".col-{k}" for k, _ in ACT_ON_COLUMNS]
REMEDY_HEADERS = {'[data-column-type="remedy"]', ".col-remedy"}

# runbook 000 §1.1's words, with a path that has no place to break, as runbooks have
REMEDY = (
    "如果发现服务有异常，根据情况重启或 kill 掉再启动即可；重启顺序与命令参见文末“故障重启指南”"
    "（/opt/thqh/miniapp/bin/restart_ProcessServer_and_wechat_miniprogram_management_backend.sh），"
    "重启后再次执行本步骤，确认端口恢复 LISTEN"
)


def rules(css: str) -> dict[str, dict[str, str]]:
    """Selector -> its declarations, merged over every rule that names it."""
    out: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(
        r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    ):
        decls = [d.split(":", 1) for d in body.split(";") if d.strip()]
        for selector in selectors.split(","):
            out.setdefault(" ".join(selector.split()), {}).update(
                {k.strip(): v.strip() for k, v in decls}
            )
    return out


def _px(width: str) -> float:
    return TABLE_WIDTH * float(width[:-1]) / 100 if width.endswith("%") else float(width[:-2])


def _table_problems(
    css: dict[str, dict[str, str]], table: str, headers: list[str], cell_box: int
) -> list[str]:
    problems = []
    for prop, value in (("table-layout", "fixed"), ("width", "100%")):
        if css.get(table, {}).get(prop) != value:
            problems.append(f"{table}: {prop} is not {value}")
    for cell in (f"{table} th", f"{table} td"):
        if css.get(cell, {}).get("overflow-wrap") != "anywhere":
            problems.append(f"{cell}: long text does not wrap (overflow-wrap: anywhere)")
    widths = {h: css.get(f"{table} th{h}", {}).get("width") for h in headers}
    for header, width in widths.items():
        if header in REMEDY_HEADERS and width:
            problems.append(f"{table} th{header}: 异常处理 has a width; it should take the rest")
        elif header not in REMEDY_HEADERS and not width:
            problems.append(f"{table} th{header}: no width, so it shares the rest with 异常处理")
    if not problems:  # what 异常处理 is left with at 1366 px: the widest column
        given = {h: _px(w) for h, w in widths.items() if w}
        remedy = TABLE_WIDTH - sum(given.values()) - cell_box * len(headers)
        if remedy < max(given.values()):
            problems.append(f"{table}: 异常处理 gets {remedy:.0f} px at 1366 px, not the most")
    return problems


def layout_problems(css_text: str) -> list[str]:
    """What keeps the page from fitting a 1366 px screen with 异常处理 readable."""
    css = rules(css_text)
    problems = _table_problems(css, "#results-table", RESULTS, cell_box=2 * 5 + 1)
    problems += _table_problems(css, "#xunjian-failures", ACT_ON_HEADERS, cell_box=2 * 8 + 1)
    if css.get(".logwrapper .log", {}).get("overflow-wrap") != "anywhere":
        problems.append(".logwrapper .log: a long log line does not wrap")
    return problems


def test_the_report_layout_fits_a_laptop_screen() -> None:
    assert layout_problems(stylesheet()) == []


def test_pytest_html_alone_does_not() -> None:
    """The rejecting twin: pytest-html's own style, the page the issue was about."""
    assert layout_problems(PYTEST_HTML_CSS.read_text(encoding="utf-8")) == [
        "#results-table: table-layout is not fixed",
        "#results-table th: long text does not wrap (overflow-wrap: anywhere)",
        "#results-table td: long text does not wrap (overflow-wrap: anywhere)",
        *(
            f"#results-table th{h}: no width, so it shares the rest with 异常处理"
            for h in RESULTS
            if h not in REMEDY_HEADERS
        ),
        "#xunjian-failures: table-layout is not fixed",
        "#xunjian-failures: width is not 100%",
        "#xunjian-failures th: long text does not wrap (overflow-wrap: anywhere)",
        "#xunjian-failures td: long text does not wrap (overflow-wrap: anywhere)",
        *(
            f"#xunjian-failures th{h}: no width, so it shares the rest with 异常处理"
            for h in ACT_ON_HEADERS
            if h not in REMEDY_HEADERS
        ),
        ".logwrapper .log: a long log line does not wrap",
    ]


def test_a_column_too_wide_leaves_remedy_too_little() -> None:
    css = stylesheet() + '#results-table th[data-column-type="expected"] { width: 30%; }'
    [problem] = layout_problems(css)
    assert re.fullmatch(r"#results-table: 异常处理 gets -?\d+ px at 1366 px, not the most", problem)


def test_environment_table_comes_after_the_results() -> None:
    css = rules(stylesheet())
    assert css["body"] == {"display": "flex", "flex-direction": "column"}
    assert css["#environment-header"]["order"] == css["#environment"]["order"] == "1"
    assert css["footer"]["order"] == "2"  # pytest-html's script and data stay last


Outcome = Literal["passed", "failed", "skipped"]
When = Literal["setup", "call", "teardown"]


def report(
    nodeid: str, f: dict[str, str] | None = None, outcome: Outcome = "failed", when: When = "call"
) -> TestReport:
    props = [(PREFIX + k, v) for k, v in (f or {}).items()]
    return TestReport(nodeid, ("t.py", 0, nodeid), {}, outcome, None, when, user_properties=props)


def fields(verdict: str, step: str, actual: str, remedy: str) -> dict[str, str]:
    return {
        "system": "miniapp 客户账户分析小程序",
        "host": "prod 10.0.0.1",
        "step": step,
        "title": "检查服务进程",
        "verdict": verdict,
        "actual": actual,
        "remedy": remedy,
    }


REPORTS = [
    report("t.py::ok", fields("OK", "1.1", "listening", "重启"), "passed"),
    report("t.py::warn", fields("WARN", "1.1", "slow: 700 ms", "看日志"), "passed"),
    report("t.py::unknown", fields("UNKNOWN", "1.1", "ssh: timeout", "检查 ssh")),
    report("t.py::late", fields("CRIT", "1.10", "not listening", "重启 <Nginx> & 再看")),
    report("t.py::early[a b]", fields("CRIT", "1.2", "not listening", "重启")),
    report("t.py::bug"),  # raised from xunjian's own code: no verdict
    report("t.py::late", fields("CRIT", "1.10", "not listening", "重启"), when="teardown"),
    report("t.py::ok", outcome="passed", when="setup"),
    report("t.py::setup", when="setup"),
]

GOLDEN = """\
<h2>需要处理: 2 CRIT, 1 UNKNOWN, 3 ERROR, 1 WARN</h2><table id="xunjian-failures"><thead>
<tr><th class="col-verdict">Verdict</th><th class="col-system">System</th><th class="col-step">步骤 操作项</th><th class="col-host">Host</th><th class="col-actual">Actual</th><th class="col-remedy">异常处理</th></tr></thead><tbody>
<tr class="v-CRIT"><td class="col-verdict">CRIT</td><td class="col-system">miniapp 客户账户分析小程序</td><td class="col-step"><a href="#t.py::early[a%20b]">1.2 检查服务进程</a></td><td class="col-host">prod 10.0.0.1</td><td class="col-actual">not listening</td><td class="col-remedy">重启</td></tr>
<tr class="v-CRIT"><td class="col-verdict">CRIT</td><td class="col-system">miniapp 客户账户分析小程序</td><td class="col-step"><a href="#t.py::late">1.10 检查服务进程</a></td><td class="col-host">prod 10.0.0.1</td><td class="col-actual">not listening</td><td class="col-remedy">重启 &lt;Nginx&gt; &amp; 再看</td></tr>
<tr class="v-UNKNOWN"><td class="col-verdict">UNKNOWN</td><td class="col-system">miniapp 客户账户分析小程序</td><td class="col-step"><a href="#t.py::unknown">1.1 检查服务进程</a></td><td class="col-host">prod 10.0.0.1</td><td class="col-actual">ssh: timeout</td><td class="col-remedy">检查 ssh</td></tr>
<tr class="v-ERROR"><td class="col-verdict">ERROR</td><td class="col-system"></td><td class="col-step"><a href="#t.py::bug">t.py::bug</a></td><td class="col-host"></td><td class="col-actual">failed without a verdict: see its log in the results below</td><td class="col-remedy"></td></tr>
<tr class="v-ERROR"><td class="col-verdict">ERROR</td><td class="col-system"></td><td class="col-step"><a href="#t.py::setup::setup">t.py::setup::setup</a></td><td class="col-host"></td><td class="col-actual">setup failed: see its log in the results below</td><td class="col-remedy"></td></tr>
<tr class="v-ERROR"><td class="col-verdict">ERROR</td><td class="col-system">miniapp 客户账户分析小程序</td><td class="col-step"><a href="#t.py::late::teardown">1.10 检查服务进程</a></td><td class="col-host">prod 10.0.0.1</td><td class="col-actual">teardown failed: see its log in the results below</td><td class="col-remedy"></td></tr>
<tr class="v-WARN"><td class="col-verdict">WARN</td><td class="col-system">miniapp 客户账户分析小程序</td><td class="col-step"><a href="#t.py::warn">1.1 检查服务进程</a></td><td class="col-host">prod 10.0.0.1</td><td class="col-actual">slow: 700 ms</td><td class="col-remedy">看日志</td></tr></tbody></table>"""


def test_act_on_block_lists_every_failure_worst_first_with_its_remedy() -> None:
    items = [i for r in REPORTS if (i := ActOn.of(r))]
    assert act_on_table(items).replace("<tr", "\n<tr") == GOLDEN


def test_nothing_to_act_on_renders_nothing() -> None:
    ok, setup = REPORTS[0], REPORTS[7]
    assert ok.passed and setup.passed and setup.when == "setup"
    assert ActOn.of(ok) is None and ActOn.of(setup) is None
    assert act_on_table([]) == ""


def failing_report(pytester: pytest.Pytester) -> Path:
    """A daily run as the project runs it (xdist by host, one self-contained page) on a small
    inventory that needs no lab: eight port checks pass against a listener opened here, then
    two fail on a port nobody listens on, so failures come first only if the report puts them
    there. The report is written beside the run, in pytester's folder."""
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down = closed.getsockname()[1]
    with socket.socket() as up:
        up.bind(("127.0.0.1", 0))
        up.listen()
        port = up.getsockname()[1]
        passing = "".join(
            f'          - {{step: "1.2", kind: port, port: {port}, name: backend-{i}}}\n'
            for i in range(8)
        )
        inv = pytester.path / "inv.yml"
        inv.write_text(
            f"""\
version: 1
name: report
systems:
  miniapp:
    title: 客户账户分析小程序
    steps:
      "1.1": {{title: 检查服务进程, normal: "所有端口均处于 `LISTEN` 状态", remedy: "{REMEDY}"}}
      "1.2": {{title: 检查数据同步状态, remedy: "参照 **监控与错误处理** 进行处理"}}
    hosts:
      prod:
        address: 127.0.0.1
        connection: local://
        checks:
{passing}\
          - {{step: "1.1", kind: port, port: {down}}}
          - {{step: "1.2", kind: port, port: {down}, name: wechat_miniprogram_management_backend}}
""",
            encoding="utf-8",
        )
        html = pytester.path / "report.html"
        result = pytester.runpytest_subprocess(
            "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider",
            "-p", "no:benchmark", "-m", "daily", "-n", "2", "--dist", "loadgroup",
            f"--html={html}", "--self-contained-html",
            timeout=120,
        )  # fmt: skip
    result.assert_outcomes(passed=8, failed=2)
    return html


def test_page_puts_what_to_act_on_first(pytester: pytest.Pytester) -> None:
    text = failing_report(pytester).read_text(encoding="utf-8")
    assert "table-layout: fixed" in text  # report.css, in the page itself
    order = [
        text.index(s) for s in ("需要处理: 2 CRIT", 'id="xunjian-summary"', 'id="results-table"')
    ]
    assert order == sorted(order)
    assert htmllib.escape(REMEDY, quote=False) in text
    blob = json.loads(htmllib.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1)))  # type: ignore[union-attr]
    # pytest-html's own first sort in the browser: by result, Error and Failed first
    assert blob["initialSort"] == "result"
