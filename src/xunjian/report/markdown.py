"""The run as a Markdown report, for any inventory that asks for one (``reports: {markdown:
PATH}``); runbook 001 §8's ``api_validation_report.md``: per system the status of every
check, the anomalies with expected / actual / 异常处理, the environment changes (``environ``,
``env_backup``) and the data integrity figures (``sql``). Written by the controller at the
run's end from the checks' report properties, which are redacted already (and redacted again
here): no secret reaches it, and the environment kinds never hold a value to begin with.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xunjian.outcome import clean

ENV_KINDS = ("environ", "env_backup")
DATA_KINDS = ("sql",)
_ORDER = {"CRIT": 0, "UNKNOWN": 1, "WARN": 2, "OK": 3}


@dataclass(frozen=True)
class Row:
    """One check's outcome, from its report properties."""

    check_id: str
    system: str
    host: str
    step: str
    title: str
    kind: str
    verdict: str
    expected: str
    actual: str
    message: str = ""
    remedy: str = ""
    history: str = ""

    @classmethod
    def of(cls, check_id: str, fields: Mapping[str, str], history: str = "") -> Row:
        def get(key: str) -> str:
            return fields.get(key, "")

        return cls(
            check_id, get("system"), get("host"), get("step"), get("title"), get("kind"),
            get("verdict"), get("expected"), get("actual"), get("message"), get("remedy"),
            history,
        )  # fmt: skip


def cell(text: str) -> str:
    """Text for a table cell: one line, pipes escaped, redacted."""
    return clean(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>").strip()


def line(text: str) -> str:
    """Text for a list item: one line, redacted."""
    return " ".join(clean(text).split())


def _table(head: tuple[str, ...], body: Iterable[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    return out


def _counts(rows: list[Row]) -> str:
    by = {v: sum(r.verdict == v for r in rows) for v in ("OK", "WARN", "CRIT", "UNKNOWN")}
    return f"{len(rows)} checks: " + ", ".join(f"{n} {v}" for v, n in by.items())


def _system(rows: list[Row]) -> list[str]:
    out = [
        f"## {line(rows[0].system)}",
        "",
        f"{_counts(rows)}",
        "",
        "### 检查状态 (API端点验收状态)",
        "",
    ]
    out += _table(
        ("步骤", "标题", "检查", "主机", "结论", "实际"),
        ((r.step, r.title, r.check_id, r.host, r.verdict, r.actual) for r in rows),
    )
    bad = sorted((r for r in rows if r.verdict != "OK"), key=lambda r: _ORDER.get(r.verdict, 9))
    out += ["", "### 异常清单", ""]
    if not bad:
        out.append("无异常。")
    for r in bad:
        out.append(f"- **{r.verdict}** `{r.check_id}` (步骤 {line(r.step)} {line(r.title)})")
        for label, text in (
            ("期望", r.expected),
            ("实际", r.actual),
            ("说明", r.message),
            ("异常处理", r.remedy),
            ("历史", r.history),
        ):
            if text.strip():
                out.append(f"  - {label}: {line(text)}")
    env = [r for r in rows if r.kind in ENV_KINDS]
    if env:
        out += ["", "### 环境变更说明", ""]
        out += [f"- **{r.verdict}** `{r.check_id}`: {line(r.actual)}" for r in env]
    data = [r for r in rows if r.kind in DATA_KINDS]
    if data:
        out += ["", "### 数据完整性报告", ""]
        out += _table(
            ("检查", "结论", "期望", "实际"),
            ((r.check_id, r.verdict, r.expected, r.actual) for r in data),
        )
    return out


def render(
    title: str, rows: list[Row], started: datetime, finished: datetime, inventories: list[str]
) -> str:
    """The report; ``rows`` in the inventory's order (systems keep their first appearance)."""
    systems: dict[str, list[Row]] = {}
    for r in rows:
        systems.setdefault(r.system, []).append(r)
    seconds = (finished - started).total_seconds()
    out = [
        f"# {line(title)}",
        "",
        f"- 运行: {started:%Y-%m-%d %H:%M:%S} – {finished:%H:%M:%S} UTC ({seconds:.0f} s)",
        f"- 清单: {', '.join(inventories)}",
        f"- 结论: {_counts(rows)}",
    ]
    for group in systems.values():
        out += ["", *_system(group)]
    return "\n".join(out) + "\n"


def write(path: Path, text: str) -> None:
    """Whole or not at all: a reader sees the last report or this one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
