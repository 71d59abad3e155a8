"""The loopback guard's ssh evaluation, without pytest around it (no connection is made)."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cases import make_case

from xunjian import guard


def test_ssh_config_is_evaluated_once_per_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`ssh -G` runs once per (connection, ssh config), not once per check of that host."""
    config = tmp_path / "ssh_config"
    config.write_text("Host far\n  HostName 192.0.2.7\n", encoding="utf-8")
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(argv: list[str], **kw: Any) -> Any:
        calls.append(argv)
        return real_run(argv, **kw)

    monkeypatch.setattr(guard.subprocess, "run", counting_run)
    guard._ssh_g.cache_clear()
    checks = [{"kind": "port", "port": p} for p in (22, 80, 443)]
    cases = []
    for check in checks:
        case = make_case(check, address="127.0.0.1")
        host = case.host.model_copy(update={"connection": "ssh://root@far:2222"})
        cases.append(dataclasses.replace(case, host=host, ssh_config=config))
    assert guard.outside(cases), "the HostName behind the alias is outside 127/8"
    assert len(calls) == 1 and calls[0][:4] == ["ssh", "-G", "-F", str(config)]
    assert any("192.0.2.7" in line for line in guard.outside(cases))


def test_a_query_option_ssh_config_is_the_one_evaluated(tmp_path: Path) -> None:
    """testinfra lets ?ssh_config= win over the inventory's file: so does the guard."""
    far = tmp_path / "far_config"
    far.write_text("Host *\n  HostName 203.0.113.9\n", encoding="utf-8")
    near = tmp_path / "near_config"
    near.write_text("Host *\n  HostName 127.0.0.9\n", encoding="utf-8")
    case = make_case({"kind": "port", "port": 22})
    case = dataclasses.replace(
        case,
        host=case.host.model_copy(update={"connection": f"ssh://root@127.0.0.1?ssh_config={far}"}),
        ssh_config=near,
    )
    assert "203.0.113.9" in guard.targets(case)
    assert guard.outside([case]) and "203.0.113.9" in guard.outside([case])[0]


def test_a_control_path_in_the_url_is_refused_under_the_guard() -> None:
    case = make_case({"kind": "port", "port": 22})
    case = dataclasses.replace(
        case,
        host=case.host.model_copy(
            update={"connection": "ssh://root@127.0.0.1?controlpath=/tmp/some-master"}
        ),
    )
    assert any("query option controlpath is not evaluated" in t for t in guard.targets(case))
