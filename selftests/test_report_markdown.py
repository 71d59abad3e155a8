"""The Markdown report (runbook 001 §8 api_validation_report.md): rendered from check rows
against a golden file; cells escaped; secrets redacted; the setting validated."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from xunjian.inventory.secrets import SECRETS
from xunjian.inventory.settings import Settings
from xunjian.report import markdown
from xunjian.report.markdown import Row

GOLDEN = Path(__file__).parent / "golden" / "api_validation_report.md"
START = datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 25, 1, 0, 9, tzinfo=UTC)
SYSTEM = "creditpilot CreditPilot 信贷管理"
HOST = "app 127.0.11.1"


def rows() -> list[Row]:
    return [
        Row("creditpilot-app-2-health", SYSTEM, HOST, "2", "健康监控", "http", "OK",
            "HTTP 200", "200 in 12 ms"),
        Row("creditpilot-app-3-customers", SYSTEM, HOST, "3", "API端点实际数据验证", "http",
            "CRIT", "$[0] present", "$[0] is missing", "$[0] is missing",
            "数据丢失: 检查数据库备份, 从备份恢复", "failing since 2026-11-24 (2 runs)"),
        Row("creditpilot-app-4-customers", SYSTEM, HOST, "4", "数据完整性校验", "sql", "OK",
            "scalar > 0", "8"),
        Row("creditpilot-app-6-env", SYSTEM, HOST, "6", "环境变量备份", "environ", "WARN",
            "6 set", "pid 7 (python3): 6 of 6 set; since the last run changed: DOCPARSER_API_KEY",
            "since the last run changed: DOCPARSER_API_KEY", "python3 scripts/backup_env_vars.py"),
        Row("other-db-1-a|b", "other 其他", "db 127.0.9.9", "1", "表 | 管道", "port", "OK",
            "port 1", "line one\nline two"),
    ]  # fmt: skip


def test_render_matches_the_golden_file() -> None:
    text = markdown.render("CreditPilot API 验收报告", rows(), START, END, ["lab-creditpilot.yml"])
    if os.environ.get("XUNJIAN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_sections_of_a_system() -> None:
    text = markdown.render("t", rows(), START, END, ["x.yml"])
    creditpilot = text.split("## other")[0]
    for part in (
        "- 结论: 5 checks: 3 OK, 1 WARN, 1 CRIT, 0 UNKNOWN",
        "### 检查状态 (API端点验收状态)",
        "### 异常清单",
        "  - 异常处理: 数据丢失: 检查数据库备份, 从备份恢复",
        "### 环境变更说明",
        "- **WARN** `creditpilot-app-6-env`: pid 7 (python3): 6 of 6 set; since the last run",
        "### 数据完整性报告",
        "| creditpilot-app-4-customers | OK | scalar > 0 | 8 |",
    ):
        assert part in creditpilot
    # CRIT before WARN among the anomalies
    assert creditpilot.index("**CRIT**") < creditpilot.index("**WARN** `creditpilot-app-6-env` (")
    other = text.split("## other")[1]
    assert "无异常。" in other and "### 环境变更说明" not in other
    assert "| 1 | 表 \\| 管道 | other-db-1-a\\|b |" in other and "line one<br>line two" in other


def test_a_resolved_secret_never_reaches_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SECRETS, "_seen", set())
    SECRETS.remember("s3cret-token-value", "a test secret")
    leaky = Row("c", "s", "h", "1", "t", "http", "CRIT", "e", "said s3cret-token-value", "m")
    text = markdown.render("t", [leaky], START, END, ["x.yml"])
    assert "s3cret-token-value" not in text and "said ***" in text


def test_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "api_validation_report.md"
    markdown.write(target, "# one\n")
    markdown.write(target, "# two\n")
    assert target.read_text() == "# two\n"
    assert [p.name for p in target.parent.iterdir()] == ["api_validation_report.md"]


def test_the_setting() -> None:
    settings = Settings.model_validate({"reports": {"markdown": "reports/a.md"}})
    assert settings.reports.markdown == "reports/a.md" and settings.reports.title == "巡检报告"
    assert Settings.model_validate({}).reports.markdown is None
    with pytest.raises(ValidationError, match="should match pattern"):
        Settings.model_validate({"reports": {"markdown": "reports/a.html"}})
    with pytest.raises(ValidationError, match="Extra inputs"):
        Settings.model_validate({"reports": {"markdwon": "a.md"}})
