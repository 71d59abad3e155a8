"""inventory/thqh.yml against runbook 000 itself, not against a list made from the code: part 1,
every row (with its 正常标准 and 异常处理 verbatim), every port and every jar has a check; part 2
(每周任务), every call of the table in order, with its method, URL, header, body and 预期结果."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from terminal_output import run_env

from xunjian.checks.flowspec import FlowCheck
from xunjian.checks.port import PortCheck
from xunjian.checks.process import ProcessCheck
from xunjian.inventory.case import CheckCase
from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "runbooks" / "000_e5d50517cd28a869.txt"
SHARED = ROOT.parent / "shared" / "runbooks" / RUNBOOK.name
SYSTEMS = {"1": "miniapp", "2": "lithium", "3": "wecom", "4": "bdds", "5": "board"}


def sections() -> dict[str, str]:
    part1 = RUNBOOK.read_text(encoding="utf-8").split("## 第二部分", 1)[0]
    pieces = re.split(r"^### (\d)\. .*$", part1, flags=re.M)
    return dict(zip(pieces[1::2], pieces[2::2], strict=True))


def rows(text: str) -> dict[str, tuple[str, str, str]]:
    """step -> (title, 正常标准, 异常处理); the command cell may hold unescaped pipes."""
    found = {}
    for line in text.splitlines():
        if re.match(r"^\| \d\.\d ", line):
            cells = line.split("|")
            found[cells[1].strip()] = (
                cells[2].strip().strip("*"),
                cells[-3].strip(),
                cells[-2].strip(),
            )
    return found


def ports(text: str) -> set[int]:
    key = re.search(r"关键端口：\*\*(.*)$", text, flags=re.M)
    found = {int(p) for p in re.findall(r"\b(\d{4,5})\b", key.group(1))} if key else set()
    others = text.split("其余端口上的服务", 1)[1] if "其余端口上的服务" in text else ""
    for line in others.splitlines():
        if line.startswith("|") and "---" not in line:
            found |= {int(p) for p in re.findall(r"\b(\d{4,5})\b", line)}
    return found


def jars(text: str) -> set[str]:
    return set(re.findall(r"(/usr/local/\S+?\.jar)", text))


@pytest.fixture(scope="module")
def cases() -> list[CheckCase]:
    return load(ROOT / "inventory" / "thqh.yml")


def test_repository_copy_is_the_runbook() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside this clone")
    assert RUNBOOK.read_bytes() == SHARED.read_bytes()


def test_parsing_finds_the_runbook() -> None:
    """The twin of the tests below: the parser sees what a reader sees."""
    sec = sections()
    assert sorted(sec) == ["1", "2", "3", "4", "5"]
    assert rows(sec["1"])["1.2"][1] == "`checkFlag=1` 的记录，其 `syncstate` 必须为 **0**"
    assert ports(sec["3"]) == {3306, 6379, 9000, 9001, 8081}
    assert len(jars(sec["1"])) == 3


@pytest.mark.parametrize("number", sorted(SYSTEMS))
def test_every_row_with_its_words(number: str, cases: list[CheckCase]) -> None:
    mine = [c for c in cases if c.system_id == SYSTEMS[number]]
    found = rows(sections()[number])
    assert found, f"the parser found no rows in section {number}"
    for step, (title, normal, remedy) in found.items():
        checks = [c for c in mine if c.step_id == step]
        assert checks, f"runbook row {step} has no check"
        assert (checks[0].step.title, checks[0].step.normal, checks[0].step.remedy) == (
            title,
            normal,
            remedy,
        )


@pytest.mark.parametrize("number", sorted(SYSTEMS))
def test_every_port_and_jar(number: str, cases: list[CheckCase]) -> None:
    mine = [c.spec for c in cases if c.system_id == SYSTEMS[number]]
    text = sections()[number]
    assert ports(text), f"the parser found no ports in section {number}"
    assert {s.port for s in mine if isinstance(s, PortCheck)} == ports(text)
    assert {s.jar for s in mine if isinstance(s, ProcessCheck)} == jars(text)


# -- part 2: 每周任务 ------------------------------------------------------------------------


def part2() -> str:
    return RUNBOOK.read_text(encoding="utf-8").split("## 第二部分", 1)[1].split("## 第三部分")[0]


def calls(text: str) -> list[dict[str, str]]:
    """The table's rows: 序号, 接口功能, Method, URL, Header, Body/Params, 预期结果."""
    keys = ("step", "title", "method", "url", "header", "body", "expected")
    found = []
    for line in text.splitlines():
        if re.match(r"^\| \*\*Step \d\*\* ", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            found.append(dict(zip(keys, cells, strict=True)))
    return found


def the_flow(cases: list[CheckCase]) -> tuple[CheckCase, FlowCheck]:
    (case,) = [c for c in cases if c.system_id == "wecom" and isinstance(c.spec, FlowCheck)]
    assert isinstance(case.spec, FlowCheck)
    return case, case.spec


def test_parsing_finds_part_2() -> None:
    """The twin of the test below: the parser sees the five calls a reader sees."""
    found = calls(part2())
    assert [c["step"] for c in found] == [f"**Step {n}**" for n in range(1, 6)]
    assert found[0]["url"] == "`/api/user/login`" and found[4]["expected"] == "`code=0`"
    assert "`http://172.17.10.202:8081`" in part2()


def test_part_2_every_call_in_order(cases: list[CheckCase]) -> None:
    case, flow = the_flow(cases)
    text = part2()
    heading = re.search(r"^### 🟣 (.+)$", text, flags=re.M)
    base = re.search(r"API 基础地址：\*\* `([^`]+)`", text)
    assert heading and base
    assert (case.step.title, case.step.cadence) == (heading[1], "weekly")
    assert flow.base_url == base[1]
    rows = calls(text)
    assert len(flow.steps) == len(rows)
    login = flow.steps[0]
    for step, row in zip(flow.steps, rows, strict=True):
        assert step.title == row["title"].strip("*")
        assert step.normal == row["expected"]  # 预期结果, verbatim
        assert step.method == row["method"]
        assert step.path == row["url"].strip("`")
        if "code=0" in row["expected"]:
            assert [(j.path, j.equals) for j in step.expect.json_expect] == [("$.code", 0)]
        if "Bearer [Step1的token]" in row["header"]:
            (token,) = [n for n, path in login.capture.items() if "access_token" in path]
            assert step.secret_headers == {"Authorization": f"Bearer {{{{ steps.login.{token} }}}}"}
        else:
            assert row["header"] == "无" and not step.secret_headers and not step.headers
        if "`username` & `password`" in row["body"]:
            assert step.body == {
                "username": "{{ credentials.username }}",
                "password": "{{ credentials.password }}",
            }
        if "复制 `access_token`" in row["expected"]:
            assert any("access_token" in path for path in step.capture.values())


def test_part_2_is_collected_from_the_production_inventory_never_run() -> None:
    """`pytest -m weekly` on thqh.yml lists the flow (collect only: 172.17.10.202 is never
    called from here), and nothing of part 1."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "weekly", "--inventory", "inventory/thqh.yml",
         "--collect-only", "-q", "-o", "addopts=", "-p", "no:xdist", "-p", "no:cacheprovider"],
        cwd=ROOT, env=run_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    assert ids == ["tests/weekly/test_weekly.py::test_flow[wecom-prod-W1-backfill]"]


# -- part 3: 每两周任务 ----------------------------------------------------------------------

# Every backup step of part 3 and the check kind that does it; the one step deliberately not
# automated is the restore into production (drills restore into throwaway servers instead).
PART3_STEPS = {
    "转储 SQL 文件": "mysql_backup",  # Navicat's dump of thqh_enterprise_wechat
    "不要只存在服务器上": "mysql_backup",  # the dump lands on the runner, not the server
    "mc alias set myminio-backup": "s3_default_login",  # minioadmin minioadmin must not log in
    "mc ls myminio-backup": "s3_backup",  # the bucket is listed by the mirror
    "mc myminio-backup/thqh-enterprise-wechat": "s3_backup",  # the mirror
    "ls -l [备份转存目录]": "s3_backup",  # objects and bytes in the result's details
    "mc diff myminio-backup": "s3_backup",  # a diff by name, size and content hash: empty
}
NOT_AUTOMATED = {
    "mc mirror [备份转存目录] myminio-backup": "the restore into production: drills restore "
    "into throwaway servers on the runner and diff again, never into production",
}


def part3() -> str:
    return RUNBOOK.read_text(encoding="utf-8").split("## 第三部分", 1)[1]


def test_every_part_3_step_is_checked_or_listed_as_not_automated(
    cases: list[CheckCase],
) -> None:
    text = part3()
    for words in (*PART3_STEPS, *NOT_AUTOMATED):
        assert words in text, f"the runbook no longer says {words!r}: update this table"
    commands = [ln for ln in text.splitlines() if ln.startswith("mc ")]
    assert commands, "the parser found no mc command in part 3"
    for command in commands:  # a new mc line in the runbook must be mapped here
        assert any(command.startswith(w) or w in command for w in (*PART3_STEPS, *NOT_AUTOMATED)), (
            command
        )
    kinds = {c.kind for c in cases if c.system_id == "wecom"}
    assert set(PART3_STEPS.values()) <= kinds
    biweekly = {c.kind for c in cases if c.cadence == "biweekly"}
    assert biweekly == {"mysql_backup", "s3_backup"}
    (dump,) = [c for c in cases if c.kind == "mysql_backup"]
    assert dump.spec.db == "ewc" and dump.host.databases["ewc"].database == "thqh_enterprise_wechat"
    (mirror,) = [c for c in cases if c.kind == "s3_backup"]
    assert mirror.spec.bucket == "thqh-enterprise-wechat"
    fresh = [c for c in cases if c.step_id == "B3"]
    assert {c.cadence for c in fresh} == {"daily"} and len(fresh) == 2  # newest dump and mirror
