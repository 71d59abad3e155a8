"""The inventory: rejected inputs (with their messages), the shipped inventories, the schema."""

from __future__ import annotations

import ipaddress
import json
import re
import textwrap
from pathlib import Path

import pytest

from xunjian.inventory import InventoryError, check_secrets, load
from xunjian.inventory.__main__ import schema_text
from xunjian.inventory.secrets import Secrets

ROOT = Path(__file__).resolve().parent.parent
GOOD = """\
version: 1
name: t
systems:
  a:
    title: 系统A
    steps:
      "1.1": {title: 检查服务进程, normal: 所有端口均处于 `LISTEN`, remedy: 重启}
    hosts:
      h:
        address: 127.0.0.1
        databases:
          d: {user: root, password: "${T_DB_PASSWORD}", database: x}
        checks:
          - {step: "1.1", kind: port, port: 3306}
          - {step: "1.1", kind: sql, name: q, db: d, query: "SELECT 1", expect: {no_rows: true}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inv.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_inventory_loads(tmp_path: Path) -> None:
    cases = load(write(tmp_path, GOOD))
    assert [c.id for c in cases] == ["a-h-1.1-port-3306", "a-h-1.1-q"]
    assert cases[0].step.normal == "所有端口均处于 `LISTEN`"


REJECTED = [
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port, prot: 3306}",
        "checks[0].prot: unknown key",
        id="unknown-key",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port, port: '33o6'}",
        "checks[0].port: Input should be a valid integer",
        id="wrong-type",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port, port: 70000}",
        "checks[0].port: Input should be less than or equal to 65535 (got 70000)",
        id="port-range",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port}",
        "checks[0].port: required key is missing",
        id="missing-key",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: prot, port: 3306}",
        "does not match any of the expected tags",
        id="unknown-kind",
    ),
    pytest.param(
        '{step: "1.1", kind: port',
        '{step: "9.9", kind: port',
        "checks[0].step: step '9.9' is not declared in systems.a.steps (declared: 1.1)",
        id="undeclared-step",
    ),
    pytest.param(
        "db: d,",
        "db: nope,",
        "database 'nope' is not declared in systems.a.hosts.h.databases",
        id="undeclared-db",
    ),
    pytest.param(
        '"${T_DB_PASSWORD}"',
        "hunter2",
        "databases.d.password: must be an environment reference",
        id="literal-password",
    ),
    pytest.param(
        "expect: {no_rows: true}",
        "expect: {}",
        "give exactly one of no_rows, row_count, scalar",
        id="empty-expect",
    ),
    pytest.param(
        "address: 127.0.0.1\n",
        "address: 127.0.0.1\n        address: 127.0.0.2\n",
        "duplicate key 'address'",
        id="duplicate-key",
    ),
    pytest.param(
        "name: q,",
        "name: port-3306,",
        "test id 'a-h-1.1-port-3306' is used by more than one check",
        id="duplicate-id",
    ),
    pytest.param(
        "expect: {no_rows: true}",
        "expect: {no_rows: false}",
        "expect.no_rows: Input should be True",
        id="no-rows-false",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", headers: {Authorization: Bearer x}}',
        "Authorization carries credentials: put it under secret_headers",
        id="literal-authorization-header",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://u:pw@127.0.0.1/"}',
        "checks[0].url: String should match pattern",
        id="password-in-url",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: log, name: l, path: /var/log/x.log}',
        "give success or failure: a log check must be able to fail",
        id="log-that-cannot-fail",
    ),
    pytest.param(
        "address: 127.0.0.1\n",
        "address: 127.0.0.1\n        connection: ssh://root:hunter2@127.0.0.1\n",
        "connection: a password in the connection: use keys and your ssh config instead",
        id="password-in-connection",
    ),
    pytest.param("version: 1", "version: 2", "version: Input should be 1", id="version"),
    pytest.param("    title: 系统A\n", "    title: [系统A\n", "not valid YAML", id="bad-yaml"),
]


@pytest.mark.parametrize(("old", "new", "message"), REJECTED)
def test_rejected_inventory_names_the_key_and_expectation(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InventoryError) as err:
        load(path)
    text = str(err.value)
    assert str(path) in text
    assert message in text
    assert "hunter2" not in text  # a rejected secret is never echoed


def test_case_repr_is_its_id_only(tmp_path: Path) -> None:
    """pytest prints parameters in tracebacks and Allure records them: only the id goes there."""
    case = load(write(tmp_path, GOOD))[1]
    assert repr(case) == "CheckCase('a-h-1.1-q')"


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read the file"):
        load(tmp_path / "absent.yml")
    with pytest.raises(InventoryError, match=r"\(top level\): expected a mapping, got list"):
        load(write(tmp_path, "- a\n- b\n"))


def test_missing_secret_names_key_path_and_variable(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    cases = load(path)
    with pytest.raises(InventoryError) as err:
        check_secrets(path, cases, Secrets(environ={}))
    assert (
        "systems.a.hosts.h.databases.d.password: environment variable T_DB_PASSWORD is not set"
        in str(err.value)
    )
    check_secrets(path, cases, Secrets(environ={"T_DB_PASSWORD": "x"}))  # accepted twin


def _addresses(path: Path) -> set[str]:
    found = set()
    for case in load(path):
        found.add(case.host.address)
        found.update(re.findall(r"\d+\.\d+\.\d+\.\d+", case.connection))
        found.update(db.host for db in case.host.databases.values() if db.host)
        for text in re.findall(r"https?://([^/:]+)", json.dumps(case.spec.model_dump(mode="json"))):
            found.add(text)
    return found


def test_lab_inventory_is_loopback_only() -> None:
    addresses = _addresses(ROOT / "inventory" / "lab.yml")
    assert addresses, "no addresses found: the test would prove nothing"
    for a in addresses:
        assert ipaddress.ip_address(a).is_loopback, (
            f"{a} in inventory/lab.yml is not a loopback address"
        )


def test_production_inventory_is_not_loopback() -> None:
    """The twin: the check above does tell production addresses apart."""
    assert not any(
        ipaddress.ip_address(a).is_loopback
        for a in _addresses(ROOT / "inventory" / "thqh.yml")
        if re.fullmatch(r"[\d.]+", a)
    )


# What the lab forces to differ, per check: addresses, plain HTTP with a Host header on 27878,
# seaweedfs's health URL, no systemd, and the stand-ins' process names.
LAB_DIFFERENCES = {"url", "headers", "endpoint", "console", "health_path", "unit", "process"}


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "thqh.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab.yml")}
    assert prod.keys() == lab.keys()
    for cid, case in prod.items():
        assert lab[cid].step == case.step, cid
        mine, theirs = lab[cid].spec.model_dump(), case.spec.model_dump()
        differ = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
        assert differ <= LAB_DIFFERENCES, (cid, {k: (mine.get(k), theirs.get(k)) for k in differ})
        if "process" in differ:  # a stand-in is named beside the production process, never instead
            assert set(theirs["process"]) <= set(mine["process"]), cid
        assert lab[cid].host.databases == case.host.databases, cid


def test_schema_json_is_current() -> None:
    assert (ROOT / "inventory" / "schema.json").read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m xunjian.inventory schema > inventory/schema.json"
    )


def test_readme_example_is_a_valid_inventory(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    cases = load(write(tmp_path, example))
    assert [c.id for c in cases] == ["miniapp-prod-1.1-port-3306", "miniapp-prod-1.2-sync-state"]
