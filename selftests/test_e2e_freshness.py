"""End to end on the lab: the rsync log of runbook 000 row 1.3 must be fresh and its newest
word must be a success (a week-old log holding 传输成功 fails; so does a newer rsync error), and
a request made on the host itself (`via: host`) sees what the host sees."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e import daily

from xunjian.lab import Lab

pytestmark = pytest.mark.lab
LOG = "test_log[miniapp-prod-1.3-rsync-log]"
THQH = "--inventory=inventory/lab.yml"


@pytest.fixture
def restored(lab: Lab) -> Iterator[Lab]:
    log = lab.rsync_log_path()
    text = log.read_bytes()
    yield lab
    log.write_bytes(text)  # content and a fresh mtime


def test_a_week_old_log_with_a_success_fails_max_age(restored: Lab, tmp_path: Path) -> None:
    log = restored.rsync_log_path()
    week_ago = time.time() - 7 * 86400
    os.utime(log, (week_ago, week_ago))
    result = daily(restored, tmp_path, THQH, "-n", "0")
    assert result.failed == {LOG}, result.stdout[-3000:]
    assert "the log is stale: last written 7.0 d ago" in result.stdout
    assert "参照 **监控与错误处理** 进行处理" in result.stdout  # the runbook's remedy


def test_an_rsync_error_after_the_last_success_fails(restored: Lab, tmp_path: Path) -> None:
    with restored.rsync_log_path().open("a", encoding="utf-8") as f:
        f.write("rsync error: some files/attrs were not transferred (code 23) at main.c(1338)\n")
    result = daily(restored, tmp_path, THQH, "-n", "0")
    assert result.failed == {LOG}, result.stdout[-3000:]
    assert "rsync error: some files/attrs were not transferred" in result.stdout


def _inventory(tmp_path: Path, url: str) -> Path:
    inv = tmp_path / "via-host.yml"
    inv.write_text(
        f"""\
version: 1
name: via-host
defaults: {{ssh_config: /run/xunjian-lab/ssh_config}}
systems:
  board:
    title: 统计看板
    steps: {{"5.1": {{title: 检查Nginx, remedy: 重启 Nginx}}}}
    hosts:
      prod:
        address: 127.0.10.5
        connection: ssh://root@127.0.10.5
        checks:
          - {{step: "5.1", kind: http, name: head, via: host, method: HEAD, url: "{url}",
              status_line: HTTP/1.1 200 OK, latency: {{warn: "> 2 s"}}}}
""",
        encoding="utf-8",
    )
    return inv


def test_a_request_made_on_the_host(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "closed").mkdir()
    good = _inventory(tmp_path / "ok", "http://127.0.10.5:8081/")
    ok = daily(lab, tmp_path / "ok", f"--inventory={good}")
    assert ok.returncode == 0, ok.stdout[-3000:]
    assert ok.outcomes == {"test_http[board-prod-5.1-head]": "passed"}
    closed = _inventory(tmp_path / "closed", "http://127.0.10.5:1/")
    bad = daily(lab, tmp_path / "bad", f"--inventory={closed}")
    assert bad.failed == {"test_http[board-prod-5.1-head]"}
    assert "from the host: curl: (7) Failed to connect to 127.0.10.5 port 1" in bad.stdout
