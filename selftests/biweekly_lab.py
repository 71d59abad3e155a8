"""The lab side of the biweekly self-tests: an inventory of runbook 000 part 3's checks on the
wecom system (backups in a folder of the test's), and ``pytest -m MARKER`` run on it as a user
runs it, its verdicts and details read back from the JUnit XML."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from terminal_output import run_env

from xunjian.lab import Lab

ROOT = Path(__file__).resolve().parent.parent
DUMP = "test_mysql_backup[wecom-prod-3.3-mysql-dump]"
MIRROR = "test_s3_backup[wecom-prod-3.4-minio-mirror]"
STEPS = """\
      "3.2": {title: 检查MinIO, severity: blocker, normal: "能用 `myminioadmin` 登录", remedy: "检查 `systemctl status minio.service`"}
      "3.3": {title: MySQL 数据库 转储 SQL, cadence: biweekly, normal: "自定义保存路径，不要只存在服务器上", remedy: 重新转储并确认可恢复}
      "3.4": {title: MinIO 文件对象 MC 命令镜像, cadence: biweekly, normal: "mc diff 无差异", remedy: 重新镜像并确认可恢复}
      "3.5": {title: 备份新鲜度, normal: "最新备份不超过 15 天", remedy: 检查每两周任务是否执行}
"""


def inventory(
    path: Path, backups: Path, action: str = "backup", s3: str = "127.0.10.3:9000"
) -> Path:
    """The wecom system with the part 3 checks, its backups in ``backups``."""
    path.write_text(
        f"""\
version: 1
name: biweekly-{path.stem}
defaults: {{timeout: 5, ssh_config: /run/xunjian-lab/ssh_config}}
systems:
  wecom:
    title: 企微会话存档
    steps:
{STEPS}    hosts:
      prod:
        address: 127.0.10.3
        connection: ssh://root@127.0.10.3
        databases:
          wecom: {{user: root, password: "${{THQH_MYSQL_PASSWORD}}", database: thqh_enterprise_wechat}}
        checks:
          - {{step: "3.2", kind: s3_default_login, name: minio-default-login, endpoint: "http://{s3}", console: {{url: "http://127.0.10.3:9001"}}}}
          - {{step: "3.3", kind: mysql_backup, name: mysql-dump, action: {action}, db: wecom, backup_dir: {backups}/mysql, keep: 2, time_limit: 10 min}}
          - {{step: "3.4", kind: s3_backup, name: minio-mirror, action: {action}, endpoint: "http://127.0.10.3:9000", access_key: myminioadmin, secret_key: "${{THQH_MINIO_SECRET_KEY}}", bucket: thqh-enterprise-wechat, provider: SeaweedFS, backup_dir: {backups}/minio, keep: 2, time_limit: 10 min}}
      runner:
        address: 127.0.0.1
        connection: local://
        checks:
          - {{step: "3.5", kind: file, name: mysql-backup-fresh, path: {backups}/mysql, newest: "thqh_enterprise_wechat-*.sql.gz", size: {{crit: "< 1 MiB"}}, max_age: 15d}}
          - {{step: "3.5", kind: file, name: minio-mirror-fresh, path: {backups}/minio/proven.json, max_age: 15d}}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Run:
    returncode: int
    stdout: str
    outcomes: dict[str, str]
    details: dict[str, list[str]]  # test name -> the result's detail lines

    def figures(self, test: str) -> dict[str, float]:
        line = next(d for d in self.details[test] if d.startswith("figures: "))
        return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def suite(lab: Lab, out: Path, marker: str, inv: Path) -> Run:
    """``pytest -m MARKER --inventory=INV`` as a user runs it (one process: -n 0)."""
    out.mkdir(parents=True, exist_ok=True)
    junit = out / "junit.xml"
    argv = [sys.executable, "-m", "pytest", "-m", marker, f"--inventory={inv}", "-n", "0"]
    argv += ["-p", "no:cacheprovider", f"--junitxml={junit}", f"--alluredir={out / 'allure'}"]
    argv += [f"--html={out / 'report.html'}"]
    proc = subprocess.run(
        argv,
        cwd=ROOT,
        env=run_env(lab.env()),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    outcomes, details = {}, {}
    for case in ET.parse(junit).iter("testcase") if junit.exists() else ():
        name = case.get("name", "")
        failed = any(child.tag in ("failure", "error") for child in case)
        outcomes[name] = "failed" if failed else "passed"
        props = {p.get("name"): p.get("value", "") for p in case.iter("property")}
        details[name] = (props.get("xunjian.details") or "").splitlines()
    return Run(proc.returncode, proc.stdout + proc.stderr, outcomes, details)
