"""inventory/thqh.yml against runbook 000 part 1 itself, not against a list made from the code:
every row (with its 正常标准 and 异常处理 verbatim), every port and every jar has a check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
