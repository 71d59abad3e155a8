"""The digest: grouping by verdict, system and step, recovered checks, the byte limit."""

from __future__ import annotations

from datetime import datetime

import pytest

from xunjian.alerts import AlertItem, RunSummary
from xunjian.alerts.digest import MARKDOWN, TEXT, build, headline
from xunjian.alerts.fit import cut, fit, left_out_line, utf8_len


def item(check_id: str, verdict: str, level: str = "P0", **over: str) -> AlertItem:
    fields = {
        "system": "thqh 天启",
        "host": "app01",
        "step": "1.1",
        "title": "端口监听",
        "expected": "3306 listening",
        "actual": "nothing on 3306",
        "remedy": "重启 mysql: systemctl restart mysqld",
        "history": "",
    } | over
    return AlertItem(check_id=check_id, verdict=verdict, level=level, **fields)  # type: ignore[arg-type]


STARTED = datetime(2026, 11, 21, 8, 0)
SUMMARY = RunSummary(
    items=(
        item(
            "thqh-app01-1.3-disk-root",
            "WARN",
            "P2",
            step="1.3",
            title="磁盘",
            expected="< 80%",
            actual="85%",
            remedy="清理日志",
        ),
        item("thqh-app01-1.1-port-3306", "CRIT", history="failing since 2026-11-20 (3 runs)"),
        item(
            "cp-cp01-2.1-http",
            "UNKNOWN",
            "P1",
            system="creditpilot 信用",
            host="cp01",
            step="2.1",
            title="接口",
            expected="HTTP 200",
            actual="could not observe: connection refused",
            remedy="",
        ),
        item("thqh-app01-1.2-proc", "OK", step="1.2", title="进程"),
        item("thqh-app02-1.1-port-3306", "CRIT", host="app02"),
    ),
    started=STARTED,
    recovered=(item("thqh-app01-1.2-java", "OK", "P1", step="1.2", title="进程"),),
    report_url="http://127.0.0.1/report.html",
    inventories=("lab.yml",),
)

GOLDEN_TEXT = """\
[巡检] lab.yml 2026-11-21 08:00 · CRIT 2 · UNKNOWN 1 · WARN 1 · OK 1 · recovered 1

== CRIT ==
◆ thqh 天启
步骤 1.1 端口监听
  异常处理: 重启 mysql: systemctl restart mysqld
  - [P0] app01 · thqh-app01-1.1-port-3306
      expected: 3306 listening
      actual:   nothing on 3306
      failing since 2026-11-20 (3 runs)
  - [P0] app02 · thqh-app02-1.1-port-3306
      expected: 3306 listening
      actual:   nothing on 3306

== UNKNOWN ==
◆ creditpilot 信用
步骤 2.1 接口
  - [P1] cp01 · cp-cp01-2.1-http
      expected: HTTP 200
      actual:   could not observe: connection refused

== WARN ==
◆ thqh 天启
步骤 1.3 磁盘
  异常处理: 清理日志
  - [P2] app01 · thqh-app01-1.3-disk-root
      expected: < 80%
      actual:   85%

== RECOVERED ==
  - [P1] thqh 天启 / app01 / 步骤 1.2 进程 · thqh-app01-1.2-java

Report: http://127.0.0.1/report.html"""


def test_text_digest_groups_by_verdict_system_and_step() -> None:
    assert build(SUMMARY, TEXT) == GOLDEN_TEXT


def test_markdown_digest_marks_sections_and_links_the_report() -> None:
    text = build(SUMMARY, MARKDOWN)
    assert text.startswith("**[巡检] lab.yml 2026-11-21 08:00 · CRIT 2")
    assert "\n### CRIT\n**thqh 天启**\n步骤 1.1 端口监听\n> 异常处理: 重启 mysql" in text
    assert "\n- [P0] app02 · thqh-app02-1.1-port-3306\n> expected: 3306 listening\n" in text
    assert text.endswith("\n[Report](http://127.0.0.1/report.html)")


@pytest.mark.parametrize(
    ("items", "recovered", "expected"),
    [
        (
            (item("a", "OK"), item("b", "OK")),
            (),
            "[巡检] lab.yml 2026-11-21 08:00 · all 2 checks OK",
        ),
        (
            (item("a", "OK"),),
            (item("b", "OK"),),
            "[巡检] lab.yml 2026-11-21 08:00 · all 1 checks OK · recovered 1",
        ),
        ((), (), "[巡检] lab.yml 2026-11-21 08:00 · no checks"),
        (
            (item("a", "WARN"), item("b", "OK")),
            (),
            "[巡检] lab.yml 2026-11-21 08:00 · WARN 1 · OK 1",
        ),
    ],
)
def test_headline_counts(
    items: tuple[AlertItem, ...], recovered: tuple[AlertItem, ...], expected: str
) -> None:
    summary = RunSummary(items, STARTED, recovered, inventories=("lab.yml",))
    assert headline(summary) == expected


def test_all_ok_digest_is_the_headline_and_the_report() -> None:
    summary = RunSummary((item("a", "OK"),), STARTED, report_url="http://r/")
    assert build(summary) == "[巡检] 2026-11-21 08:00 · all 1 checks OK\n\nReport: http://r/"


def test_checks_of_one_system_and_step_stay_together() -> None:
    summary = RunSummary(
        (
            item("a1", "CRIT", system="A", step="1.1"),
            item("b1", "CRIT", system="B", step="1.1"),
            item("a2", "CRIT", system="A", step="1.2"),
            item("a3", "CRIT", system="A", step="1.1", host="app02"),
        ),
        STARTED,
    )
    lines = [x for x in build(summary).splitlines() if x.startswith(("◆", "步骤", "  - "))]
    assert lines == [
        "◆ A",
        "步骤 1.1 端口监听",
        "  - [P0] app01 · a1",
        "  - [P0] app02 · a3",
        "步骤 1.2 端口监听",
        "  - [P0] app01 · a2",
        "◆ B",
        "步骤 1.1 端口监听",
        "  - [P0] app01 · b1",
    ]


def test_a_step_repeats_its_remedy_only_when_a_check_differs() -> None:
    summary = RunSummary(
        (item("a", "CRIT"), item("b", "CRIT", host="app02", remedy="另一个处理")), STARTED
    )
    text = build(summary)
    assert text.count("异常处理: 重启 mysql") == 1
    assert text.count("异常处理: 另一个处理") == 1


def test_multiline_remedy_keeps_its_lines_under_the_prefix() -> None:
    summary = RunSummary((item("a", "CRIT", remedy="第一步\n第二步"),), STARTED)
    assert "  异常处理: 第一步\n  第二步\n" in build(summary)


def many(n: int) -> RunSummary:
    items = tuple(
        item(f"thqh-app{i:02d}-1.1-port-3306", "CRIT", host=f"app{i:02d}", actual="端口未监听" * 3)
        for i in range(n)
    )
    return RunSummary(items, STARTED, report_url="http://127.0.0.1/report.html")


@pytest.mark.parametrize("limit", [4096, 2000, 700, 300])
def test_cut_to_the_limit_in_utf8_bytes_and_count_what_was_left_out(limit: int) -> None:
    summary = many(60)
    text = build(summary, limit=limit)
    assert utf8_len(text) <= limit < utf8_len(build(summary, limit=10**6))
    shown = text.count("  - [P0] ")
    assert f"… {60 - shown} more checks left out, see the report" in text
    assert text.endswith("Report: http://127.0.0.1/report.html")  # the link survives a cut
    assert text.startswith("[巡检] 2026-11-21 08:00 · CRIT 60")


def test_a_digest_that_fits_is_not_cut() -> None:
    text = build(many(3), limit=4096)
    assert "left out" not in text
    assert text.count("  - [P0] ") == 3


def test_a_long_field_is_cut_without_splitting_a_character() -> None:
    summary = RunSummary((item("a", "CRIT", actual="磁" * 1000),), STARTED)
    line = next(x for x in build(summary).splitlines() if "actual:" in x)
    assert line.endswith("磁…")
    assert utf8_len(line.split("actual:   ")[1]) <= 600


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("巡检巡检", 12, "巡检巡检"),  # 12 bytes: fits
        ("巡检巡检", 11, "巡检…"),  # 6 bytes of text + 3 of the ellipsis
        ("巡检巡检", 8, "巡…"),  # never half a character
        ("abc", 2, ""),  # no room even for the ellipsis
        ("", 0, ""),
    ],
)
def test_cut(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected


def test_cut_rejects_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="a byte limit must be 0 or more, got -1"):
        cut("x", -1)


def test_fit_keeps_whole_entries_in_order() -> None:
    entries = [["一" * 10], ["二" * 10], ["三" * 10]]  # 31 bytes each, newline included
    text, left_out = fit(["H"], entries, ["F"], limit=90)
    assert left_out == 2
    assert text == "H\n" + "一" * 10 + "\n\n" + left_out_line(2, "") + "\nF"
    assert utf8_len(text) <= 90


def test_left_out_line_says_check_or_checks() -> None:
    assert left_out_line(1, "") == "… 1 more check left out"
    assert left_out_line(12, "http://r") == "… 12 more checks left out, see the report"
