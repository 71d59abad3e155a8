"""A fleet split over runners by --host, its reports merged into one (README: "A fleet larger
than one runner"). Two runs select disjoint hosts of one inventory; the merge holds both."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from xunjian.report import merge

ROOT = Path(__file__).resolve().parent.parent
TESTS = (ROOT / "tests" / "daily" / "test_daily.py").read_text(encoding="utf-8")


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def fleet(pytester: pytest.Pytester, port: int) -> Path:
    """Four hosts (site a: a1 a2, site b: b1 b2) sharing one template by role."""
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    hosts = "\n".join(
        f"      {h}: {{address: 127.0.0.1, connection: 'local://', roles: [node]}}"
        for h in ("a1", "a2", "b1", "b2")
    )
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: fleet
systems:
  sys:
    title: 机群
    steps: {{"1.1": {{title: 检查服务进程}}}}
    templates:
      node:
        - {{step: "1.1", kind: port, port: {port}}}
    hosts:
{hosts}
""",
        encoding="utf-8",
    )
    return inv


def runner(pytester: pytest.Pytester, inv: Path, site: str) -> Path:
    out = pytester.path / f"runner-{site}"
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider",
        "-m", "daily", "--host", f"{site}*",
        f"--junitxml={out / 'junit.xml'}", f"--alluredir={out / 'allure-results'}",
        timeout=120,
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    return out


def test_runners_split_by_host_merge_into_one_report(
    pytester: pytest.Pytester, listener: int
) -> None:
    inv = fleet(pytester, listener)
    runs = [runner(pytester, inv, "a"), runner(pytester, inv, "b")]
    cases, files = merge.merge(pytester.path / "merged", runs)
    assert cases == 4
    names = {
        c.get("name", "").split("@")[0]
        for c in ET.parse(pytester.path / "merged/junit.xml").iter("testcase")
    }
    assert names == {f"test_port[sys-{h}-1.1-port-{listener}]" for h in ("a1", "a2", "b1", "b2")}
    results = [
        json.loads(f.read_text())
        for f in (pytester.path / "merged/allure-results").glob("*-result.json")
    ]
    assert sorted(r["name"].split(":")[0] for r in results) == [
        f"sys-{h}-1.1-port-{listener}" for h in ("a1", "a2", "b1", "b2")
    ]
    assert files >= 4


def test_a_host_glob_that_matches_nothing_stops_the_run(
    pytester: pytest.Pytester, listener: int
) -> None:
    inv = fleet(pytester, listener)
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider",
        "-m", "daily", "--host", "c*", timeout=120,
    )  # fmt: skip
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--host c*: matches no host (hosts: a1, a2, b1, b2)*"])


def test_merge_refuses_a_runner_without_results(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no JUnit XML"):
        merge.merge(tmp_path / "out", [tmp_path / "empty"])


def test_hosts_come_from_an_ansible_inventory_with_their_roles(
    pytester: pytest.Pytester, listener: int
) -> None:
    """ansible-inventory reads the INI (children groups included); each host gets the role's
    checks and an ssh:// connection from its hostvars. Collected only: nothing is contacted."""
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    (pytester.path / "hosts.ini").write_text(
        "[web]\nweb01 ansible_host=127.0.10.2 ansible_user=root ansible_port=2222\n"
        "web02 ansible_host=127.0.10.4\n[db]\ndb01 ansible_host=127.0.10.1\n"
        "[prod:children]\nweb\ndb\n",
        encoding="utf-8",
    )
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: ans
systems:
  sys:
    title: 机群
    steps: {{"1.1": {{title: 检查服务进程}}}}
    templates:
      node:
        - {{step: "1.1", kind: port, port: {listener}}}
    host_sources:
      - {{ansible: hosts.ini, group: prod, roles: [node]}}
""",
        encoding="utf-8",
    )
    from xunjian.inventory.load import load

    cases = load(inv)
    assert {c.host_id: c.connection for c in cases} == {
        "web01": "ssh://root@127.0.10.2:2222",
        "web02": "ssh://127.0.10.4",
        "db01": "ssh://127.0.10.1",
    }
    assert [c.id for c in cases] == [
        f"sys-{h}-1.1-port-{listener}" for h in ("web01", "web02", "db01")
    ]


def test_an_ansible_group_without_hosts_names_the_groups(
    pytester: pytest.Pytester, listener: int
) -> None:
    (pytester.path / "hosts.ini").write_text("[web]\nweb01\n", encoding="utf-8")
    inv = pytester.path / "inv.yml"
    inv.write_text(
        "version: 1\nname: ans\nsystems:\n  sys:\n    title: t\n    steps: {'1.1': {title: x}}\n"
        "    templates: {node: []}\n"
        "    host_sources: [{ansible: hosts.ini, group: nope, roles: [node]}]\n",
        encoding="utf-8",
    )
    from xunjian.inventory.errors import InventoryError
    from xunjian.inventory.load import load

    with pytest.raises(
        InventoryError, match=r"host_sources\[0\]\.ansible: group 'nope' has no hosts"
    ):
        load(inv)


def test_a_machine_named_by_two_systems_is_one_probe(tmp_path: Path) -> None:
    """Two systems (or two runbooks' inventories) on one machine: one probe, one connection,
    one xdist group, so its facts are gathered once for both."""
    from xunjian.inventory.load import load
    from xunjian.observe import host

    inv = tmp_path / "inv.yml"
    inv.write_text(
        """\
version: 1
name: shared
systems:
  a:
    title: A
    steps: {"1": {title: x}}
    hosts: {app: {address: 127.0.10.1, checks: [{step: "1", kind: port, port: 22}]}}
  b:
    title: B
    steps: {"1": {title: y}}
    hosts: {db: {address: 127.0.10.1, checks: [{step: "1", kind: port, port: 3306}]}}
""",
        encoding="utf-8",
    )
    first, second = load(inv)
    assert first.host_key != second.host_key
    assert first.probe_key == second.probe_key and first.group == second.group
    try:
        assert host.probe_for(first) is host.probe_for(second)
    finally:
        host.reset()
