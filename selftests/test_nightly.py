"""The nightly pipeline: its workflow file is sound, and its command runs on the lab."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from xunjian.lab import Lab

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def steps() -> list[dict[str, object]]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return list(doc["jobs"]["inspect"]["steps"])


def test_every_run_step_is_valid_shell_and_names_a_real_inventory() -> None:
    runs = [str(s["run"]) for s in steps() if "run" in s]
    assert runs, "the workflow runs nothing"
    for run in runs:
        checked = subprocess.run(["bash", "-n", "-c", run], capture_output=True, text=True)
        assert checked.returncode == 0, f"{run!r}: {checked.stderr}"
        for inventory in re.findall(r"inventory/\S+\.yml", run):
            assert (ROOT / inventory).is_file(), f"{run!r} names a missing {inventory}"


def test_every_secret_the_inventory_needs_comes_from_the_repository_secrets() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    env = doc["jobs"]["inspect"]["env"]
    (run,) = [str(s["run"]) for s in steps() if "run" in s]
    (inventory,) = re.findall(r"inventory/\S+\.yml", run)
    needed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", (ROOT / inventory).read_text()))
    assert needed, f"{inventory} references no secret: the test would prove nothing"
    assert needed <= set(env), f"not passed to the job: {sorted(needed - set(env))}"
    for name in needed:
        assert env[name] == f"${{{{ secrets.{name} }}}}", f"{name} must come from secrets"


def test_the_schedule_is_the_runbooks_in_shanghai_time() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    crons = [c["cron"] for c in on["schedule"]]
    assert crons == ["30 0 * * *", "0 7 * * 5"]  # 08:30 daily, Friday 15:00, UTC+8


@pytest.mark.lab
def test_the_nightly_command_runs_on_the_lab(lab: Lab, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THQH_", "CTEA_"))}
    env |= {"XUNJIAN_REPORTS": str(out), "NOTIFY": "--notify-dry-run", "XUNJIAN_SKIP_INSTALL": "1"}
    # the Allure generator's JVM looks up this machine's name: from a hosts file of its own, so
    # that no DNS query leaves 127.0.0.0/8 (jdk.net.hosts.file, JDK 9+)
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {socket.gethostname()}\n")
    env["JAVA_TOOL_OPTIONS"] = f"-Djdk.net.hosts.file={hosts}"
    done = subprocess.run(
        ["bash", "bin/nightly", "inventory/lab.yml", "--today", "2026-11-24", "-p",
         "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("report.html", "junit.xml", "history.sqlite", "allure-results"):
        assert (out / name).exists(), f"{name} missing after bin/nightly"
    families = {f.name for f in text_string_to_metric_families((out / "xunjian.prom").read_text())}
    assert "xunjian_check_verdict" in families
    if (ROOT / ".tools/node_modules/.bin/allure").exists():
        assert (out / "allure-report" / "index.html").is_file()
        assert (out / "allure-site" / "history").is_dir()  # what the next run carries
