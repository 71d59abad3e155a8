"""End to end on the real lab: a healthy lab passes every daily check; each fault the runbook
guards against fails exactly its checks, with the runbook's remediation, and heals.

The suite runs as a user runs it (`pytest -m daily` in the repository, with the project's addopts:
xdist by host, HTML, JUnit and Allure), only with the reports written to a temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from terminal_output import failures, run_env

from xunjian.lab import Lab

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.lab


@dataclass
class Run:
    returncode: int
    stdout: str
    outcomes: dict[str, str]  # test name -> passed / failed / skipped
    reports: Path

    @property
    def failed(self) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome == "failed"}


def daily(
    lab: Lab, out: Path, *args: str, env: dict[str, str] | None = None, thqh: bool = True
) -> Run:
    """``pytest -m daily`` on runbook 000's lab inventory (or the ``--inventory`` given; with
    ``thqh=False`` and none given: the project's default, every runbook's lab)."""
    if thqh and not any(a.startswith("--inventory") for a in args):
        args = ("--inventory=inventory/lab.yml", *args)
    out.mkdir(parents=True, exist_ok=True)
    junit = out / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "daily",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            f"--html={out / 'report.html'}",
            f"--alluredir={out / 'allure'}",
            *(
                []
                if any(a.startswith("--history") for a in args)
                else [f"--history={out}.history.sqlite"]  # beside the reports: not a report
            ),
            *args,
        ],
        cwd=ROOT,
        env=run_env(lab.env() | (env or {})),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    outcomes = {}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            kids = {child.tag for child in case}
            outcomes[case.get("name", "").split("@")[0]] = (  # xdist appends @group
                "failed"
                if kids & {"failure", "error"}
                else "skipped"
                if "skipped" in kids
                else "passed"
            )
    return Run(proc.returncode, proc.stdout + proc.stderr, outcomes, out)


@pytest.fixture(scope="module")
def healthy(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return daily(lab, tmp_path_factory.mktemp("healthy"))


def test_healthy_lab_passes_every_daily_check(healthy: Run) -> None:
    assert healthy.returncode == 0, healthy.stdout[-5000:]
    golden = (
        (Path(__file__).parent / "golden" / "thqh-daily-ids.txt")
        .read_text(encoding="utf-8")
        .split()
    )
    assert sorted(healthy.outcomes) == sorted(line.split("::")[-1] for line in golden)
    assert set(healthy.outcomes.values()) == {"passed"}


def test_reports_hold_no_secret_and_carry_labels(lab: Lab, healthy: Run) -> None:
    secrets = [v for v in lab.env().values() if v]
    assert secrets
    texts = [
        healthy.stdout,
        *(p.read_text(encoding="utf-8") for p in healthy.reports.rglob("*") if p.is_file()),
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    results = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (healthy.reports / "allure").glob("*-result.json")
    ]
    assert len(results) == len(healthy.outcomes)
    labels = {(lb["name"], lb["value"]) for r in results for lb in r["labels"]}
    assert ("feature", "miniapp 客户账户分析小程序") in labels
    assert ("story", "1.2 检查数据同步状态") in labels
    assert ("severity", "blocker") in labels


@dataclass(frozen=True)
class Fault:
    inject: Callable[[Lab], None]
    heal: Callable[[Lab], None]
    failing: frozenset[str]
    words: tuple[str, ...]  # the runbook's own words the failure output must carry
    env: tuple[tuple[str, str], ...] = ()


def _append_failure(lab: Lab) -> None:
    with lab.rsync_log_path().open("a", encoding="utf-8") as f:
        f.write(
            "2026-11-24 03:00:02 [rsync] incr_20261124.csv 传输失败: connection reset by peer\n"
        )


def _drop_failure(lab: Lab) -> None:
    log = lab.rsync_log_path()
    log.write_text(
        "".join(
            ln for ln in log.read_text(encoding="utf-8").splitlines(True) if "传输失败" not in ln
        ),
        encoding="utf-8",
    )


FAULTS = {
    "redis-stopped": Fault(
        lambda lab: lab.stop("redis"),
        lambda lab: lab.start("redis"),
        frozenset({"test_port[miniapp-prod-1.1-port-6379]", "test_port[wecom-prod-3.1-port-6379]"}),
        ("如果发现服务有异常，根据情况重启或 kill 掉再启动即可", "参见文末“故障重启指南”"),
    ),
    "java-app-killed": Fault(
        lambda lab: lab.stop("app:ProcessServer"),
        lambda lab: lab.start("app:ProcessServer"),
        frozenset(
            {
                "test_port[miniapp-prod-1.1-port-8083]",
                "test_process[miniapp-prod-1.1-jar-ProcessServer]",
            }
        ),
        ("ProcessServer-0.0.1-SNAPSHOT.jar is not running", "根据情况重启或 kill 掉再启动即可"),
    ),
    "sync-state-not-zero": Fault(
        lambda lab: lab.sql(
            "UPDATE SyncStateTable SET syncstate = 1 WHERE checkFlag = 1 ORDER BY id LIMIT 1"
        ),
        lambda lab: lab.sql("UPDATE SyncStateTable SET syncstate = 0 WHERE checkFlag = 1"),
        frozenset({"test_sql[miniapp-prod-1.2-sync-state]"}),
        ("1 violating row(s)", "syncstate=1", "参照 **监控与错误处理** 进行处理"),
    ),
    "rsync-transfer-failed": Fault(
        _append_failure,
        _drop_failure,
        frozenset({"test_log[miniapp-prod-1.3-rsync-log]"}),
        ("传输失败: connection reset by peer", "日志最后显示传输成功，**无“传输失败”** 字样"),
    ),
    "nginx-stopped": Fault(
        lambda lab: lab.stop("nginx"),
        lambda lab: lab.start("nginx"),
        frozenset(
            {
                "test_port[lithium-prod-2.1-port-8080]",
                "test_port[lithium-prod-2.1-port-8083]",
                "test_http[lithium-prod-2.1-index-web-27878]",
                "test_port[bdds-prod-4.1-port-8081]",
                "test_port[board-prod-5.1-port-8081]",
                "test_http[board-prod-5.1-nginx-head]",
            }
        ),
        ("异常处理: 重启 Nginx",),
    ),
    "minio-wrong-credentials": Fault(
        lambda lab: None,
        lambda lab: None,
        frozenset({"test_s3[wecom-prod-3.2-minio-login]"}),
        (
            "bucket thqh-enterprise-wechat refused",
            "console login answers 401 (expected 204 and a token)",
            "检查 `systemctl status minio.service`",
        ),
        env=(("THQH_MINIO_SECRET_KEY", "not-the-secret"),),
    ),
    "s3-stopped": Fault(
        lambda lab: lab.stop("s3"),
        lambda lab: lab.start("s3"),
        frozenset(
            {
                "test_port[wecom-prod-3.1-port-9000]",
                "test_s3[wecom-prod-3.2-minio-login]",
                "test_s3_default_login[wecom-prod-3.2-minio-default-login]",  # cannot tell
            }
        ),
        ("health answers no answer", "检查 `systemctl status minio.service`"),
    ),
}


@pytest.fixture
def fault(request: pytest.FixtureRequest, lab: Lab) -> Iterator[Fault]:
    f = FAULTS[request.param]
    f.inject(lab)
    try:
        yield f
    finally:
        f.heal(lab)


@pytest.mark.parametrize("fault", list(FAULTS), indirect=True)
def test_fault_fails_exactly_its_checks_then_heals(
    lab: Lab, fault: Fault, healthy: Run, tmp_path: Path
) -> None:
    assert healthy.returncode == 0, "the lab must be healthy before a fault is injected"
    broken = daily(lab, tmp_path / "broken", env=dict(fault.env))
    assert broken.returncode == 1, broken.stdout[-3000:]
    assert broken.failed == fault.failing, broken.stdout[-5000:]
    for words in fault.words:
        assert words in broken.stdout, words
    secrets = [v for v in [*lab.env().values(), *dict(fault.env).values()] if v]
    files = [p.read_text(encoding="utf-8") for p in broken.reports.rglob("*") if p.is_file()]
    for text in [broken.stdout, *files]:
        for secret in secrets:
            assert secret not in text
    fault.heal(lab)
    ids = [f"tests/daily/test_daily.py::{name}" for name in sorted(fault.failing)]
    healed = daily(lab, tmp_path / "healed", *ids)
    assert healed.returncode == 0, healed.stdout[-3000:]
    assert healed.failed == set() and set(healed.outcomes) == fault.failing


def test_sshd_down_makes_host_checks_unknown_not_tracebacks(
    lab: Lab, healthy: Run, tmp_path: Path
) -> None:
    """Every check that looks through ssh reports UNKNOWN with the reason; the others still run."""
    assert healthy.returncode == 0
    fresh = tempfile.mkdtemp(prefix="xj-", dir="/tmp")  # no ssh master of an earlier run helps
    lab.stop("sshd")
    try:
        broken = daily(lab, tmp_path / "broken", env={"XUNJIAN_SSH_CONTROL_DIR": fresh})
    finally:
        lab.start("sshd")
    through_ssh = {
        n for n in healthy.outcomes if n.split("[")[0] in ("test_port", "test_process", "test_log")
    }
    assert broken.failed == through_ssh, broken.stdout[-3000:]
    assert failures(broken.stdout).count("[UNKNOWN]") == len(through_ssh)
    reasons = {
        ln.split("unreachable: ", 1)[1]
        for ln in failures(broken.stdout).splitlines()
        if "unreachable: " in ln
    }
    assert reasons and all("Connection refused" in r for r in reasons), reasons
    assert "Traceback" not in broken.stdout


def test_paramiko_backend_on_the_lab(lab: Lab, tmp_path: Path) -> None:
    """The same lab inventory through testinfra's paramiko backend instead of the ssh binary."""
    text = (ROOT / "inventory" / "lab.yml").read_text(encoding="utf-8")
    text = text.replace("connection: ssh://", "connection: paramiko://")
    text = text.replace("ssh_config: ../.lab/ssh_config", f"ssh_config: {lab.ssh_config_path()}")
    text = text.replace("env_file: ../.lab/lab.env", f"env_file: {lab.paths.root / 'lab.env'}")
    assert text.count("paramiko://") == 5
    inv = tmp_path / "lab-paramiko.yml"
    inv.write_text(text, encoding="utf-8")
    run = daily(lab, tmp_path / "out", f"--inventory={inv}")  # '=': keeps pytest's rootdir
    assert run.returncode == 0, run.stdout[-3000:]
    assert len(run.outcomes) == 38 and run.failed == set()
