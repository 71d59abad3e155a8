"""The grouped message of one run for one channel: what is CRIT, UNKNOWN and WARN by system and
step with the runbook's remedy, what recovered, and where the report is; cut to a byte limit.

Pure: the same summary, style and limit give the same text (the dry run shows exactly this).
"""

from __future__ import annotations

from dataclasses import dataclass

from xunjian.alerts.fit import cut, fit
from xunjian.alerts.summary import AlertItem, RunSummary

FIELD_LIMIT = 600  # bytes of one expected, actual, remedy or history value


@dataclass(frozen=True)
class Style:
    """How a message marks its parts: plain text, or the markdown of chat bots."""

    title: str
    section: str
    system: str
    remedy: str  # prefix of the step's remedy lines
    item: str  # prefix of a check's first line
    detail: str  # prefix of a check's expected, actual and history lines
    link: str


TEXT = Style(
    title="{}",
    section="== {} ==",
    system="◆ {}",
    remedy="  ",
    item="  - ",
    detail="      ",
    link="Report: {}",
)
MARKDOWN = Style(
    title="**{}**",
    section="### {}",
    system="**{}**",
    remedy="> ",
    item="- ",
    detail="> ",
    link="[Report]({})",
)


def headline(summary: RunSummary) -> str:
    """The first line (and a mail's subject): inventories, start time and the counts."""
    names = " ".join(summary.inventories)
    when = summary.started.strftime("%Y-%m-%d %H:%M")
    counts = summary.counts()
    if not summary.items:
        parts = ["no checks"]
    elif counts["OK"] == len(summary.items):
        parts = [f"all {len(summary.items)} checks OK"]
    else:
        parts = [f"{v} {counts[v]}" for v in ("CRIT", "UNKNOWN", "WARN", "OK") if counts[v]]
    if summary.recovered:
        parts.append(f"recovered {len(summary.recovered)}")
    title = " ".join(p for p in ("[巡检]", names, when) if p)
    return " · ".join([title, *parts])


def _field(prefix: str, label: str, value: str) -> list[str]:
    lines = cut(value, FIELD_LIMIT).splitlines() or [""]
    first = f"{prefix}{label}{lines[0]}"
    return [first, *(f"{prefix}{line}" for line in lines[1:])]


def _problem_entries(summary: RunSummary, style: Style) -> list[list[str]]:
    entries: list[list[str]] = []
    section = system = step = remedy = None
    for item in summary.problems():
        lines: list[str] = []
        if item.verdict != section:
            lines += ["", style.section.format(item.verdict)]
            section, system = item.verdict, None
        if item.system != system:
            lines.append(style.system.format(item.system))
            system, step = item.system, None
        if item.step != step:
            lines.append(f"步骤 {item.step} {item.title}".rstrip())
            step, remedy = item.step, None
        if item.remedy and item.remedy != remedy:
            lines += _field(style.remedy, "异常处理: ", item.remedy)
            remedy = item.remedy
        lines.append(f"{style.item}[{item.level}] {item.host} · {item.check_id}")
        lines += _field(style.detail, "expected: ", item.expected)
        lines += _field(style.detail, "actual:   ", item.actual)
        if item.history:
            lines += _field(style.detail, "", item.history)
        entries.append(lines)
    return entries


def _recovered_line(item: AlertItem, style: Style) -> str:
    return (
        f"{style.item}[{item.level}] {item.system} / {item.host} / "
        f"步骤 {item.step} {item.title} · {item.check_id}"
    )


def _recovered_entries(summary: RunSummary, style: Style) -> list[list[str]]:
    entries = [[_recovered_line(item, style)] for item in summary.recovered]
    if entries:
        entries[0][:0] = ["", style.section.format("RECOVERED")]
    return entries


def build(summary: RunSummary, style: Style = TEXT, limit: int = 20_000) -> str:
    """The message, at most ``limit`` UTF-8 bytes: the entries that do not fit are left out
    from the end and counted in a line of their own; head and report link are always kept."""
    head = [style.title.format(headline(summary))]
    foot = ["", style.link.format(summary.report_url)] if summary.report_url else []
    entries = _problem_entries(summary, style) + _recovered_entries(summary, style)
    text, _ = fit(head, entries, foot, limit, summary.report_url)
    return text
