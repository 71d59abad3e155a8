"""End to end on the real lab: runbook 000 part 2 (每周任务) as `pytest -m weekly`, the way a user
runs it (the project's addopts: xdist, HTML, JUnit, Allure), reports in a temporary folder.

The lab's enterprise_wechat_backend answers the login and the four downloads (files/WecomApi.java):
a download copies the rows of its upstream_* table (the stand-in for WeCom's cloud) that its
wx_* table lacks. ``new_week`` puts one new row upstream for each, as a week of WeCom brings.
Faults are rows of thqh_enterprise_wechat.lab_control, which the app reads on every request, or
a wrong password in the environment; each fails exactly its step, and the next run after healing
passes. A canary password and token never reach a report, a log or the terminal.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from terminal_output import run_env

from xunjian.lab import Lab

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.lab
FLOW = "test_flow[wecom-prod-W1-backfill]"
EWC = "thqh_enterprise_wechat"
TABLES = {
    "customer": "wx_customer",
    "user": "wx_user",
    "groupchat": "wx_groupchat",
    "chatdata": "wx_chat_record",
}
NEW_ROW = {  # one more row upstream: (id, key, name or sender, time[, content])
    "customer": "MAX(id) + 1, CONCAT('wmNEW', MAX(id) + 1), '新客户', NOW()",
    "user": "MAX(id) + 1, CONCAT('new', MAX(id) + 1), '新员工', NOW()",
    "groupchat": "MAX(id) + 1, CONCAT('wrNEW', MAX(id) + 1), '新群聊', NOW()",
    "chatdata": "MAX(id) + 1, CONCAT('lab-msg-new-', MAX(id) + 1), 'lisi', NOW(), '新消息'",
}
LINE = re.compile(r"^\d\. (\S+) \S+: (OK|WARN|CRIT|UNKNOWN|not run)\b")


@dataclass
class Weekly:
    returncode: int
    stdout: str
    reports: Path
    outcome: str  # of the flow's test: passed, failed or missing
    props: dict[str, str]

    @property
    def verdicts(self) -> tuple[str, ...]:
        """Each call's verdict, from the result's details: OK, WARN, CRIT, UNKNOWN, not run."""
        found = [LINE.match(ln) for ln in self.props.get("xunjian.details", "").splitlines()]
        return tuple(m[2] for m in found if m)

    def texts(self) -> list[str]:
        files = [
            p.read_text(encoding="utf-8", errors="replace")  # a history database is binary
            for p in self.reports.rglob("*")
            if p.is_file()
        ]
        return [self.stdout, *files]


def weekly(
    lab: Lab, out: Path, *args: str, env: dict[str, str] | None = None, xdist: bool = False
) -> Weekly:
    """``pytest -m weekly`` on runbook 000's lab inventory (or the ``--inventory`` given); in
    one process unless ``xdist`` (the project's ``-n auto`` costs 3 s a run, for one test)."""
    if not any(a.startswith("--inventory") for a in args):
        args = ("--inventory=inventory/lab.yml", *args)
    if not xdist:
        args = (*args, "-n", "0")
    out.mkdir(parents=True, exist_ok=True)
    junit = out / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-m", "weekly", "-p", "no:cacheprovider",
            f"--junitxml={junit}", f"--html={out / 'report.html'}",
            f"--alluredir={out / 'allure'}", *args,
        ],
        cwd=ROOT, env=run_env(lab.env() | (env or {})), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    outcome, props = "missing", {}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            if case.get("name", "").split("@")[0] == FLOW:
                kids = {child.tag for child in case}
                outcome = "failed" if kids & {"failure", "error"} else "passed"
                props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
    return Weekly(proc.returncode, proc.stdout + proc.stderr, out, outcome, props)


def sql(lab: Lab, statement: str) -> list[tuple[object, ...]]:
    return lab.sql(statement, EWC)


def control(lab: Lab, name: str, value: str) -> None:
    lab.mariadb.query("REPLACE INTO lab_control VALUES (%s, %s)", EWC, (name, value))


def heal(lab: Lab) -> None:
    sql(lab, "DELETE FROM lab_control")


def new_week(lab: Lab) -> None:
    for kind, row in NEW_ROW.items():
        sql(lab, f"INSERT INTO upstream_{kind} SELECT {row} FROM upstream_{kind}")


def one_new_row_each(lab: Lab) -> None:
    """Whatever the lab held (a fresh seed has a row pending): exactly one new row upstream."""
    catch_up(lab)
    new_week(lab)


def catch_up(lab: Lab) -> None:
    """Copy what is upstream, as a download would: a quiet week follows."""
    for kind, table in TABLES.items():
        sql(lab, f"INSERT INTO {table} SELECT * FROM upstream_{kind} WHERE id NOT IN "
                 f"(SELECT id FROM {table})")  # fmt: skip


def counts(lab: Lab) -> dict[str, int]:
    return {t: int(str(sql(lab, f"SELECT COUNT(*) FROM {t}")[0][0])) for t in TABLES.values()}


def tokens(lab: Lab) -> int:
    return int(str(sql(lab, "SELECT COUNT(*) FROM api_token")[0][0]))


def assert_no_lab_secret(lab: Lab, run: Weekly, *more: str) -> None:
    hidden = [v for v in (*lab.env().values(), *more) if v]
    for text in run.texts():
        for secret in hidden:
            assert secret not in text


def test_healthy_lab_passes_and_every_download_moves_its_table(lab: Lab, tmp_path: Path) -> None:
    heal(lab)
    one_new_row_each(lab)
    before = counts(lab)
    run = weekly(lab, tmp_path, xdist=True)  # as a user runs it
    assert run.returncode == 0 and run.outcome == "passed", run.stdout[-3000:]
    assert run.props["xunjian.verdict"] == "OK", run.props
    assert run.verdicts == ("OK",) * 5
    assert counts(lab) == {t: n + 1 for t, n in before.items()}
    assert run.props["xunjian.title"] == "企微会话存档数据补录"
    (result,) = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (tmp_path / "allure").glob("*-result.json")
    ]
    steps = [(s["name"], s["status"]) for s in result["steps"]]
    assert steps == [
        ("1. login 获取Token — OK", "passed"),
        ("2. customer 拉取客户信息 — OK", "passed"),
        ("3. user 拉取员工信息 — OK", "passed"),
        ("4. groupchat 拉取群聊信息 — OK", "passed"),
        ("5. chatdata 拉取聊天记录 — OK", "passed"),
    ]
    assert_no_lab_secret(lab, run)


def test_a_quiet_week_warns_no_new_rows_and_passes(lab: Lab, tmp_path: Path) -> None:
    heal(lab)
    catch_up(lab)
    run = weekly(lab, tmp_path)
    assert run.returncode == 0 and run.outcome == "passed", run.stdout[-3000:]
    assert run.verdicts == ("OK",) + ("WARN",) * 4
    assert (
        "customer: no new rows: the source had none and wx_customer stayed at"
        in (run.props["xunjian.message"])
    )
    assert "WARN" in run.stdout  # listed under "xunjian verdicts"


@dataclass(frozen=True)
class Fault:
    inject: Callable[[Lab], None]
    verdicts: tuple[str, ...]  # login, customer, user, groupchat, chatdata
    words: tuple[str, ...]  # in the failure output
    env: tuple[tuple[str, str], ...] = ()


FAULTS = {
    "wrong-password": Fault(
        lambda lab: None,
        ("CRIT",) + ("not run",) * 4,
        (
            'login failed: $.code is 1, not 0 (answer {"code":1,"msg":"用户名或密码错误"})',
            "not run: customer, user, groupchat, chatdata (login failed)",
        ),
        env=(("THQH_API_PASSWORD", "not-the-api-password"),),
    ),
    "expired-token": Fault(
        lambda lab: control(lab, "token_ttl_seconds", "0"),
        ("OK",) + ("CRIT",) * 4,
        (
            "customer, user, groupchat, chatdata failed: HTTP 401, not 200; $.code is 401, not 0 "
            '(answer {"code":401,"msg":"token已过期，请重新登录"})',
        ),
    ),
    "download-code-not-0": Fault(
        lambda lab: control(lab, "fail_download", "groupchat"),
        ("OK", "OK", "OK", "CRIT", "OK"),
        (
            'groupchat failed: $.code is 500, not 0 (answer {"code":500,'
            '"msg":"拉取失败：企业微信接口返回 errcode=-1 系统繁忙"})',
        ),
    ),
    "download-wrote-nothing": Fault(
        lambda lab: control(lab, "noop_download", "chatdata"),
        ("OK", "OK", "OK", "OK", "CRIT"),
        (
            "chatdata failed: answered HTTP 200, code=0 but wx_chat_record did not move",
            "although the source had 1 new row(s)",
        ),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_fails_exactly_its_step_then_heals(lab: Lab, name: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    heal(lab)
    one_new_row_each(lab)
    before, issued = counts(lab), tokens(lab)
    fault.inject(lab)
    try:
        broken = weekly(lab, tmp_path / "broken", env=dict(fault.env))
    finally:
        heal(lab)
    assert broken.returncode == 1 and broken.outcome == "failed", broken.stdout[-3000:]
    assert broken.verdicts == fault.verdicts, broken.props.get("xunjian.details")
    for words in fault.words:
        assert words in broken.stdout, (words, broken.stdout[-3000:])
    assert "Traceback" not in broken.stdout
    assert_no_lab_secret(lab, broken, *dict(fault.env).values())
    if name == "wrong-password":  # no token, and no download sent
        assert (tokens(lab), counts(lab)) == (issued, before)
    new_week(lab)
    healed = weekly(lab, tmp_path / "healed")
    assert healed.returncode == 0 and healed.verdicts == ("OK",) * 5, healed.stdout[-3000:]


def _inventory(lab: Lab, tmp_path: Path, credentials: str) -> Path:
    """inventory/lab.yml with other credentials, readable from a temporary folder."""
    text = (ROOT / "inventory" / "lab.yml").read_text(encoding="utf-8")
    text = text.replace("../.lab/", f"{lab.paths.root}/")  # its ssh_config, its env_file
    env = 'credentials: {username: "${THQH_API_USERNAME}", password: "${THQH_API_PASSWORD}"}'
    assert env in text
    path = tmp_path / "lab-from-sql.yml"
    path.write_text(text.replace(env, f"credentials: {credentials}"), encoding="utf-8")
    return path


SYS_USER = '{from_sql: {db: ewc, query: "SELECT username, password FROM sys_user WHERE id = %d"}}'


def test_credentials_read_from_sys_user_log_in(lab: Lab, tmp_path: Path) -> None:
    """The runbook's own way (查api中ip上的DB获取，在sys_user表中), where the row holds a password."""
    heal(lab)
    inventory = _inventory(lab, tmp_path, SYS_USER % 1)
    run = weekly(lab, tmp_path / "out", f"--inventory={inventory}", "--system=wecom")
    assert run.returncode == 0 and run.verdicts[0] == "OK", run.stdout[-3000:]
    assert_no_lab_secret(lab, run)


def test_a_hashed_sys_user_password_is_refused_and_nothing_is_sent(
    lab: Lab, tmp_path: Path
) -> None:
    heal(lab)
    issued = tokens(lab)
    inventory = _inventory(lab, tmp_path, SYS_USER % 2)  # ewc_audit: a bcrypt hash
    run = weekly(lab, tmp_path / "out", f"--inventory={inventory}", "--system=wecom")
    assert run.returncode == 1 and run.props["xunjian.verdict"] == "UNKNOWN", run.stdout[-3000:]
    assert (
        "credentials: sys_user.password looks like a bcrypt hash: it cannot log in; give the "
        "password in ${VAR}" in run.stdout
    )
    assert "not run: login, customer, user, groupchat, chatdata (no usable credentials)" in (
        run.stdout
    )
    assert tokens(lab) == issued
    hashed = str(sql(lab, "SELECT password FROM sys_user WHERE id = 2")[0][0])
    assert all(hashed not in text for text in run.texts())  # a hash is a secret too


def test_collect_only_sends_nothing(lab: Lab) -> None:
    heal(lab)
    new_week(lab)
    before, issued = counts(lab), tokens(lab)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "weekly", "--inventory=inventory/lab.yml",
         "--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=ROOT, env=run_env(lab.env()), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"tests/weekly/test_weekly.py::{FLOW}" in proc.stdout
    assert (tokens(lab), counts(lab)) == (issued, before)


def test_canary_password_and_token_never_reach_a_report(lab: Lab, tmp_path: Path) -> None:
    """A canary user whose password and tokens are unmistakable; a failing download, so that
    every call's line (the login's answer holds the token) is printed; DEBUG logging."""
    user, password = f"canary-{secrets.token_hex(4)}", f"canary-pw-{secrets.token_hex(8)}"
    prefix = f"canary-token-{secrets.token_hex(6)}."
    lab.mariadb.query("REPLACE INTO sys_user VALUES (3, %s, %s)", EWC, (user, password))
    heal(lab)
    control(lab, "token_prefix", prefix)
    control(lab, "fail_download", "groupchat")
    try:
        run = weekly(
            lab,
            tmp_path,
            "--log-level=DEBUG",
            env={"THQH_API_USERNAME": user, "THQH_API_PASSWORD": password},
            xdist=True,  # the worker's redaction, then the controller's reports
        )
    finally:
        heal(lab)
        sql(lab, "DELETE FROM sys_user WHERE id = 3")
    issued = [
        str(t) for (t,) in sql(lab, f"SELECT token FROM api_token WHERE token LIKE '{prefix}%'")
    ]
    assert len(issued) == 1, issued  # the canary logged in once, and got its canary token
    assert run.returncode == 1 and run.verdicts[3] == "CRIT", run.stdout[-3000:]
    texts = run.texts()
    assert len(texts) > 3  # the terminal, junit, html and Allure's files
    for text in texts:
        for canary in (password, prefix, *issued):
            assert canary not in text
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert "&quot;access_token&quot;:&quot;***&quot;" in junit  # the answer was shown, masked
