"""pm2: online, restarts since the last run judged by limits, env never kept (pure tables)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import pm2
from xunjian.checks.pm2 import Pm2List, Pm2Observation, Pm2Proc
from xunjian.observe.batch import Section
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
CHECK: dict[str, Any] = {
    "kind": "pm2",
    "name": "ctea-platform",
    "app": "ctea-platform",
    "restarts": {"warn": "> 0", "crit": "> 3"},
}


def proc(status: str = "online", restarts: int = 2, name: str = "ctea-platform") -> Pm2Proc:
    return Pm2Proc(name, status, restarts, 0, 1_795_650_428_066, 4242)


def judge(procs: list[Pm2Proc] | None, before: int | None = 2) -> Any:
    memo = None if before is None else {"restarts": before}
    return pm2.evaluate(make_case(CHECK), Pm2Observation(procs, memo))


@pytest.mark.parametrize(
    ("procs", "before", "verdict", "text"),
    [
        pytest.param([proc()], 2, OK, "restart_time 2, 0 since", id="steady"),
        pytest.param([proc()], None, OK, "no earlier run", id="first-run-baseline"),
        pytest.param([proc(restarts=3)], 2, WARN, "1 restart(s) since the last run", id="one-warn"),
        pytest.param([proc(restarts=6)], 2, CRIT, "4 restart(s) since", id="crash-loop-crit"),
        pytest.param([proc(restarts=0)], 5, OK, "pm2 reset", id="counter-reset-rebases"),
        pytest.param([proc("stopped")], 2, CRIT, "stopped, not online", id="stopped"),
        pytest.param([proc("errored")], 2, CRIT, "errored, not online", id="errored"),
        pytest.param([proc(name="other")], 2, CRIT, "no process ctea-platform", id="absent"),
        pytest.param([], 2, CRIT, "no process ctea-platform", id="empty-list"),
        pytest.param(None, 2, CRIT, "no pm2 daemon", id="no-daemon"),
    ],
)
def test_verdicts(
    procs: list[Pm2Proc] | None, before: int | None, verdict: Verdict, text: str
) -> None:
    assert_result(judge(procs, before), verdict, text)


def test_every_instance_must_be_online_and_restarts_add_up() -> None:
    cluster = [proc(restarts=1), proc(restarts=2)]
    assert_result(judge(cluster, 3), OK, "restart_time 3")
    assert_result(judge([proc(), proc("stopping")], 4), CRIT, "stopping")


def test_the_memo_is_the_restart_count_only() -> None:
    assert judge([proc(restarts=7)], 7).memo == {"restarts": 7}
    assert judge([proc("stopped", restarts=7)], 7).memo == {"restarts": 7}
    assert judge(None).memo is None


def test_the_command_never_starts_a_daemon_and_quotes_its_paths() -> None:
    cmd = Pm2List("/opt/my pm2/pm2", "/root/.pm2").command()
    assert "'/opt/my pm2/pm2' jlist | node -e" in cmd
    assert "PM2_HOME=/root/.pm2; export PM2_HOME" in cmd
    assert 'kill -0 "$(cat "$h/pm2.pid")"' in cmd
    assert Pm2List("pm2", None).parse(Section(pm2.NO_DAEMON_RC, "", "no pm2 daemon")) is None


def test_parse_reads_the_filtered_lines_and_refuses_anything_else() -> None:
    line = json.dumps({"name": "a", "status": "online", "restarts": 4, "since": 1, "pid": 9})
    assert pm2.parse_procs(line + "\n") == [Pm2Proc("a", "online", 4, 0, 1, 9)]
    with pytest.raises(ObservationError, match="pm2 filter printed"):
        pm2.parse_procs("[PM2] Spawning PM2 daemon\n")


@pytest.mark.skipif(
    subprocess.run(["which", "node"], capture_output=True).returncode, reason="no node"
)
def test_the_host_filter_drops_every_environment_value() -> None:
    jlist = [
        {
            "pid": 77,
            "name": "ctea-platform",
            "pm2_env": {
                "status": "online",
                "restart_time": 3,
                "unstable_restarts": 0,
                "pm_uptime": 1700000000000,
                "JWT_SECRET": "s3cr3t-value-never-kept-0123456789",
                "env": {"DATABASE_URL": "postgresql://u:s3cr3t-value-never-kept@h/db"},
            },
        }
    ]
    text = "some pm2 banner\n" + json.dumps(jlist)
    out = subprocess.run(
        ["node", "-e", pm2.FILTER], input=text, capture_output=True, text=True, check=True
    ).stdout
    assert "s3cr3t" not in out
    assert pm2.parse_procs(out) == [Pm2Proc("ctea-platform", "online", 3, 0, 1700000000000, 77)]
    bad = subprocess.run(
        ["node", "-e", pm2.FILTER], input='[{"JWT_SECRET": "s3cr3t', capture_output=True, text=True
    )
    assert bad.returncode == 3 and "s3cr3t" not in bad.stderr + bad.stdout


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"restarts": {"warn": "> 1 s"}}, "plain numbers"),
        ({"pm2_home": "relative/.pm2"}, "pm2_home"),
        ({"app": ""}, "app"),
        ({"apps": "x"}, "apps"),
    ],
)
def test_bad_specs_are_refused_by_name(change: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        make_case({**CHECK, **change})
