"""Alerts end to end on the lab: a fault reaches every channel of lab.yml, signed, through the
lab's receivers (which verify signatures as the services do); a wrong bot secret is one
channel's delivery failure; the next healthy run reports the recovery; no secret is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_e2e import daily

from xunjian.lab import Lab
from xunjian.lab.receiver import Delivery, read_journal

pytestmark = pytest.mark.lab
CHANNELS = {"feishu", "dingtalk", "wecom", "mail"}


def journal(lab: Lab) -> list[Delivery]:
    path = lab.paths.root / "alerts.jsonl"
    return read_journal(path) if path.exists() else []


def test_fault_alerts_every_channel_and_recovery_follows(lab: Lab, tmp_path: Path) -> None:
    history = f"--history={tmp_path / 'history.sqlite'}"
    before = len(journal(lab))
    lab.stop("redis")
    try:
        wrong = {"LAB_FEISHU_SECRET": "not-the-bot-secret"}
        run = daily(lab, tmp_path / "fault", "--notify", history, env=wrong)
    finally:
        lab.start("redis")
    assert run.returncode == 1, run.stdout[-3000:]
    got = journal(lab)[before:]
    assert {d.channel for d in got} == CHANNELS - {"feishu"}, run.stdout[-3000:]
    assert "lab-feishu: NOT delivered" in run.stdout
    assert "19021" in run.stdout  # Feishu's code for a bad signature, read from its 200 answer
    for d in got:
        assert "miniapp-prod-1.1-port-6379" in d.text, d.text
        assert "CRIT" in d.text
        assert "如果发现服务有异常" in d.text  # the runbook's remedy, in its own words
    assert len([d for d in got if d.channel == "mail"]) == 1  # one message per channel per run

    middle = len(journal(lab))
    healed = daily(lab, tmp_path / "healed", "--notify", history)
    assert healed.returncode == 0, healed.stdout[-3000:]
    after = journal(lab)[middle:]
    assert {d.channel for d in after} == CHANNELS, healed.stdout[-3000:]
    for d in after:
        assert "RECOVERED" in d.text and "miniapp-prod-1.1-port-6379" in d.text, d.text

    secrets = [v for v in lab.env().values() if v] + ["not-the-bot-secret"]  # the canaries
    for d in got + after:
        for secret in secrets:
            assert secret not in d.text and secret not in str(d.body), "a secret was sent"
    for secret in secrets:
        assert secret not in run.stdout and secret not in healed.stdout


def test_notify_dry_run_sends_nothing(lab: Lab, tmp_path: Path) -> None:
    before = len(journal(lab))
    lab.stop("redis")
    try:
        run = daily(lab, tmp_path, "--notify-dry-run", f"--history={tmp_path / 'h.sqlite'}")
    finally:
        lab.start("redis")
    assert run.returncode == 1
    assert "dry run, nothing sent" in run.stdout
    assert "miniapp-prod-1.1-port-6379" in run.stdout
    assert len(journal(lab)) == before
