"""One CheckCase from a check dict, through the real schema and flattening (no YAML, no I/O)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xunjian.inventory.case import CheckCase
from xunjian.inventory.load import cases
from xunjian.inventory.schema import Inventory
from xunjian.result import Result, Verdict

DEFAULT_STEP: dict[str, Any] = {
    "title": "检查服务进程",
    "normal": "所有端口均处于 `LISTEN`",
    "remedy": "如果发现服务有异常，根据情况重启或 kill 掉再启动即可",
}


def make_case(
    check: dict[str, Any],
    *,
    address: str = "127.0.10.1",
    databases: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
) -> CheckCase:
    """The only case of a one-system, one-host inventory holding ``check`` (step "1.1")."""
    check = {"step": "1.1", **check}
    data = {
        "name": "selftest",
        "systems": {
            "sys": {
                "title": "自测系统",
                "steps": {check["step"]: step or DEFAULT_STEP},
                "hosts": {
                    "prod": {"address": address, "databases": databases or {}, "checks": [check]}
                },
            }
        },
    }
    (case,) = cases(Inventory.model_validate(data), Path("/x/inv.yml"))
    return case


def assert_result(result: Result, verdict: Verdict, text: str) -> None:
    __tracebackhide__ = True
    assert result.verdict is verdict, f"{result.verdict.value} != {verdict.value}: {result}"
    assert text in result.message or text in result.actual, f"{text!r} not in {result}"
