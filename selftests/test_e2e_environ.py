"""End to end on runbook 001's Flask app (127.0.11.1): the §6 variables of its running process
(environ, daily) and their weekly backup (env_backup), and the §8 Markdown report. Healthy
passes; the app restarted with a changed and then a vanished variable is reported by name, and
no value of them reaches the terminal, the JUnit XML, the HTML or the Markdown report.

The suite runs from a temporary folder (``reports: {markdown: reports/...}`` is relative to
the run), on the lab inventory, with a history of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from terminal_output import run_env

from xunjian.actions.env_backup import backups, file_name
from xunjian.due import today_in_shanghai
from xunjian.lab import Lab
from xunjian.lab.component import Context
from xunjian.lab.creditpilot import CreditPilot

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory" / "lab-creditpilot.yml"
ENV = "creditpilot-app-6.1-flask-env"
BACKUP = "creditpilot-app-6-env-backup"
BACKUP_DIR = Path("/run/xunjian-lab/backups/creditpilot-env")
CHANGED, VANISHED = "CREDITPILOT_GOOGLE_SA_KEY", "CREDITPILOT_DOCPARSER_API_KEY"


@dataclass(frozen=True)
class Check:
    outcome: str  # passed / failed
    verdict: str
    actual: str
    message: str


@dataclass(frozen=True)
class Run:
    stdout: str
    checks: dict[str, Check]  # by check id
    folder: Path

    @property
    def markdown(self) -> str:
        return (self.folder / "reports" / "api_validation_report.md").read_text(encoding="utf-8")

    def texts(self) -> list[str]:
        return [self.stdout, *(p.read_text() for p in self.folder.rglob("*") if p.is_file())]


def suite(lab: Lab, folder: Path, cadence: str, history: Path) -> Run:
    """``pytest -m CADENCE`` on the CreditPilot lab inventory, run from ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    junit = folder / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", cadence, "-p", "no:cacheprovider",
         f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), str(ROOT / "tests"),
         f"--inventory={INVENTORY}", f"--junitxml={junit}", f"--html={folder / 'report.html'}",
         f"--alluredir={folder / 'allure'}", f"--history={history}"],
        cwd=folder, env=run_env(lab.env()), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    checks = {}
    for case in ET.parse(junit).iter("testcase"):
        props = {p.get("name"): p.get("value", "") for p in case.iter("property")}
        cid = case.get("name", "").split("[", 1)[-1].split("]", 1)[0]
        failed = any(child.tag in ("failure", "error") for child in case)
        checks[cid] = Check(
            "failed" if failed else "passed",
            props.get("xunjian.verdict", ""),
            props.get("xunjian.actual", ""),
            props.get("xunjian.message", ""),
        )
    return Run(proc.stdout + proc.stderr, checks, folder)


def restart(lab: Lab, secrets: dict[str, str]) -> None:
    """The Flask app again, with these lab secrets in its environment."""
    lab.stop("creditpilot")
    CreditPilot(Context(lab.paths, secrets)).start()


@pytest.fixture
def app(lab: Lab) -> Iterator[dict[str, str]]:
    """The lab's secrets; the app is restarted with its own environment afterwards, and the
    backups this test dated back are removed."""
    made = set(backups(BACKUP_DIR))
    yield lab.env()
    lab.stop("creditpilot")
    lab.start("creditpilot")
    for extra in set(backups(BACKUP_DIR)) - made:
        extra.unlink()


def test_changed_and_vanished_variables_are_named_never_shown(
    lab: Lab, app: dict[str, str], tmp_path: Path
) -> None:
    history = tmp_path / "history.sqlite"
    restart(lab, app)  # the app as the lab starts it (another test may have left it changed)

    healthy = suite(lab, tmp_path / "healthy", "daily", history)
    env = healthy.checks[ENV]
    assert (env.outcome, env.verdict) == ("passed", "OK"), healthy.stdout[-3000:]
    assert "6 of 6 set; first run" in env.actual
    assert not [c for c, r in healthy.checks.items() if r.outcome == "failed"], healthy.stdout[
        -3000:
    ]
    report = healthy.markdown
    assert "# CreditPilot API 验收报告 (api_validation_report.md)" in report
    assert f"`{ENV}`: pid " in report.split("### 环境变更说明")[1]
    assert "| creditpilot-app-4-customers | OK |" in report.split("### 数据完整性报告")[1]

    weekly = suite(lab, tmp_path / "weekly-1", "weekly", history)
    first = weekly.checks[BACKUP]
    assert (first.outcome, first.verdict) == ("passed", "OK"), weekly.stdout[-3000:]
    today = BACKUP_DIR / file_name(today_in_shanghai())
    data = json.loads(today.read_text())
    assert sorted(data["vars"]) == sorted(
        ["GOOGLE_PROJECT_ID", "GOOGLE_PROCESSOR_ID", "GOOGLE_LOCATION",
         "GOOGLE_SERVICE_ACCOUNT_JSON", "DOCPARSER_API_KEY", "DOCPARSER_PARSER_ID"]
    )  # fmt: skip
    today.rename(BACKUP_DIR / file_name(today_in_shanghai() - timedelta(days=7)))  # last week's

    changed = app | {CHANGED: "rotated-service-account-key-4711"}
    restart(lab, changed)
    after = suite(lab, tmp_path / "changed", "daily", history)
    env = after.checks[ENV]
    assert (env.outcome, env.verdict) == ("passed", "WARN"), after.stdout[-3000:]
    assert env.message == "since the last run changed: GOOGLE_SERVICE_ACCOUNT_JSON"
    assert "changed: GOOGLE_SERVICE_ACCOUNT_JSON" in after.markdown.split("### 环境变更说明")[1]
    weekly = suite(lab, tmp_path / "weekly-2", "weekly", history)
    backup = weekly.checks[BACKUP]
    assert (backup.outcome, backup.verdict) == ("passed", "WARN"), weekly.stdout[-3000:]
    assert "changed: GOOGLE_SERVICE_ACCOUNT_JSON" in backup.message

    gone = {k: v for k, v in changed.items() if k != VANISHED}
    restart(lab, gone)
    vanished = suite(lab, tmp_path / "vanished", "daily", history)
    env = vanished.checks[ENV]
    assert env.verdict == "WARN", vanished.stdout[-3000:]  # §9: 集成报错 is a WARNING
    assert env.message == (
        "DOCPARSER_API_KEY is not set; since the last run vanished: DOCPARSER_API_KEY"
    )

    values = [app[CHANGED], changed[CHANGED], app[VANISHED]]
    for run in (healthy, after, weekly, vanished):
        for text in run.texts():
            assert not any(v in text for v in values)
    for text in (p.read_text() for p in backups(BACKUP_DIR)):
        assert not any(v in text for v in values)
