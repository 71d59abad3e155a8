"""The inventory: rejected inputs (with their messages), the shipped inventories, the schema."""

from __future__ import annotations

import ipaddress
import json
import re
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from pydantic import TypeAdapter

from xunjian import checks
from xunjian.checks.file import FileCheck
from xunjian.checks.flowspec import FlowCheck
from xunjian.checks.http import HttpCheck
from xunjian.checks.sql import SqlExpect
from xunjian.inventory.__main__ import schema_text
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import load
from xunjian.inventory.preflight import check_secrets, check_ssh_configs, secret_refs
from xunjian.inventory.schema import KINDS, SECRET_KEYS
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
    pytest.param(  # every message goes through redact_urls, whatever key echoes a value
        "kind: port, port: 3306}",
        "kind: port, port: 'http://u:Hunter2pw@127.0.0.1/'}",
        "checks[0].port: Input should be a valid integer, unable to parse string as an integer"
        " (got 'http://u:***@127.0.0.1/')",
        id="password-url-echoed-elsewhere",
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
    pytest.param(  # the spelling before thresholds named the bad states
        "expect: {no_rows: true}",
        "expect: {row_count: {op: '>=', value: 1}}",
        "checks[1].expect.row_count.op: unknown key",
        id="old-row-count-op-value",
    ),
    pytest.param(
        "expect: {no_rows: true}",
        "expect: {scalar: {crit: '<= 0'}, warn: {op: '<', value: 50}}",
        "checks[1].expect.warn: unknown key",
        id="old-warn-beside-scalar",
    ),
    pytest.param(
        "expect: {no_rows: true}",
        "expect: {scalar: {crit: 'below 1'}}",
        "checks[1].expect.scalar.crit: 'below 1' is not a condition: expected a condition such as",
        id="threshold-not-a-condition",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", latency_warn_ms: 500}',
        "checks[0].latency_warn_ms: unknown key",
        id="old-latency-warn-ms",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", latency: {warn: "> 500"}}',
        "checks[0]: latency needs a time unit, e.g. {warn: '> 500 ms'}",
        id="latency-without-unit",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", on_timeout: OK}',
        "checks[0].on_timeout: Input should be 'UNKNOWN', 'CRIT' or 'WARN' (got 'OK')",
        id="on-timeout-ok",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: file, name: f, path: backup.tgz}',
        "checks[0].path: String should match pattern '^/' (got 'backup.tgz')",
        id="file-relative-path",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: file, name: f, path: /b.tgz, size: {crit: "< 1 h"}}',
        "checks[0]: size needs a size unit (B, KiB, MiB, GiB, KB, MB, GB), e.g. < 1 KiB",
        id="file-size-in-hours",
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
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", headers: {Authorization: Bearer hunter2}}',
        "checks[0].headers.Authorization: looks like a credential, and headers are sent as written:"
        " put it under secret_headers as an ${ENV_VAR} reference",
        id="literal-authorization-header",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", headers: {X-Auth-Token: Hunter2Literal}}',
        "checks[0].headers.X-Auth-Token: looks like a credential",
        id="literal-token-header",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", headers: {x-session-id: 123456}}',
        "checks[0].headers.x-session-id: Input should be a valid string",
        id="numeric-session-header",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", secret_headers: {X-Api-Key: Hunter2Literal}}',
        "checks[0].secret_headers.X-Api-Key: must be an environment reference",
        id="literal-secret-header",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://admin:Hunter2Secret@127.0.0.1/"}',
        "checks[0].url: must be a URL without user:password@",
        id="password-in-url",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://Hunter2Token@127.0.0.1/"}',
        "checks[0].url: must be a URL without user:password@",
        id="token-in-url",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "ftp://127.0.0.1/"}',
        "checks[0].url: must be a URL such as http://HOST[:PORT]/PATH (http or https)"
        " (got 'ftp://127.0.0.1/')",
        id="url-scheme",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: s3, name: s, endpoint: "http://admin:Hunter2Secret@127.0.0.1:9000",'
        ' access_key: a, secret_key: "${T_S3}", bucket: b}',
        "checks[0].endpoint: must be a URL without user:password@",
        id="password-in-endpoint",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: s3, name: s, endpoint: "http://127.0.0.1:9000", access_key: a,'
        ' secret_key: "${T_S3}", bucket: b, console: {url: "http://a:Hunter2Secret@127.0.0.1:9001/"}}',
        "checks[0].console.url: must be a URL without user:password@",
        id="password-in-console-url",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: s3, name: s, endpoint: "ftp://admin:Hunter2Secret@127.0.0.1:9000",'
        ' access_key: a, secret_key: "${T_S3}", bucket: b}',
        "checks[0].endpoint: must be a URL without user:password@",
        id="password-in-ftp-endpoint",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", json: [{path: "$..[?bad"}]}',
        "checks[0].json[0].path: not a JSONPath (Error on line 1, col 4: Unexpected character: ?);"
        " e.g. $.status (got '$..[?bad')",
        id="bad-jsonpath",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", json: [{path: $.a, exists: false}]}',
        "checks[0].json[0]: exists: false needs equals: alone it checks nothing",
        id="json-expectation-that-checks-nothing",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", body_contains: [ok, ""]}',
        "checks[0].body_contains[1]: String should have at least 1 character (got '')",
        id="empty-body-text",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port, port: 3306, process: []}",
        "checks[0].process: List should have at least 1 item after validation, not 0",
        id="no-owner-process",
    ),
    pytest.param(
        "kind: port, port: 3306}",
        "kind: port, port: 3306, bind: []}",
        "checks[0].bind: List should have at least 1 item after validation, not 0",
        id="no-bind-address",
    ),
    pytest.param(
        '{step: "1.1", kind: port, port: 3306}',
        '{step: "1.1", kind: log, name: l, path: /var/log/x.log}',
        "give success, failure, known or counted: a log check must be able to fail",
        id="log-that-cannot-fail",
    ),
    pytest.param(
        "address: 127.0.0.1\n",
        "address: 127.0.0.1\n        connection: ssh://root:hunter2@127.0.0.1\n",
        "connection: a password in the connection: use keys and your ssh config instead",
        id="password-in-connection",
    ),
    pytest.param("version: 1", "version: 2", "version: Input should be 1", id="version"),
    pytest.param(
        "    title: 系统A\n",
        "    title: [系统A\n",
        "line 6, column 10: not valid YAML: expected ',' or ']', but got ':'"
        " (while parsing a flow sequence at line 5, column 12)",
        id="bad-yaml",
    ),
    pytest.param(  # PyYAML's own message would quote the line, password and all
        '"${T_DB_PASSWORD}"',
        '"hunter2-real-pw',
        "(while parsing a flow mapping at line 12, column 14)",
        id="bad-yaml-unterminated-quote",
    ),
    pytest.param(
        'password: "${T_DB_PASSWORD}"',
        'password: hunter2-real-pw, password: "${T_DB_PASSWORD}"',
        "line 12, column 54: not valid YAML: duplicate key 'password'",
        id="bad-yaml-duplicate-secret",
    ),
    pytest.param(
        '"${T_DB_PASSWORD}"',
        "!!int hunter2-real-pw",
        "not valid YAML: a value does not fit its !!tag",
        id="bad-yaml-tagged-secret",
    ),
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
    assert "hunter2" not in text.lower()  # a rejected secret is never echoed


def test_case_repr_is_its_id_only(tmp_path: Path) -> None:
    """pytest prints parameters in tracebacks and Allure records them: only the id goes there."""
    case = load(write(tmp_path, GOOD))[1]
    assert repr(case) == "CheckCase('a-h-1.1-q')"


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read the file"):
        load(tmp_path / "absent.yml")
    with pytest.raises(InventoryError, match=r"\(top level\): expected a mapping, got list"):
        load(write(tmp_path, "- a\n- b\n"))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("", "environment variable T_DB_PASSWORD is not set", id="empty"),
        pytest.param(
            "x", "environment variable T_DB_PASSWORD is too short to be kept out", id="one-char"
        ),
        pytest.param(
            "Zq9", "environment variable T_DB_PASSWORD is too short to be kept out", id="three"
        ),
        pytest.param(
            "Zq9-pass\n",
            "environment variable T_DB_PASSWORD holds a control character (a stray newline?)",
            id="newline",
        ),
        pytest.param(
            "Zq9\x7fpass", "environment variable T_DB_PASSWORD holds a control", id="delete"
        ),
    ],
)
def test_unusable_secret_names_key_path_and_variable(
    tmp_path: Path, value: str, problem: str
) -> None:
    """check_secrets applies resolve's rules, so the run stops before anything runs."""
    path = write(tmp_path, GOOD)
    cases = load(path)
    with pytest.raises(InventoryError) as err:
        check_secrets(path, cases, Secrets(environ={"T_DB_PASSWORD": value}))
    assert f"systems.a.hosts.h.databases.d.password: {problem}" in str(err.value)
    assert not value or value not in str(err.value)


def test_missing_secret_is_named_and_a_usable_one_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    cases = load(path)
    with pytest.raises(InventoryError) as err:
        check_secrets(path, cases, Secrets(environ={}))
    assert (
        "systems.a.hosts.h.databases.d.password: environment variable T_DB_PASSWORD is not set"
        in str(err.value)
    )
    check_secrets(path, cases, Secrets(environ={"T_DB_PASSWORD": "Zq9x"}))  # accepted twin


def test_check_secrets_teaches_the_redaction_every_value(tmp_path: Path) -> None:
    """Every secret of the selected checks is known before a check runs, in whichever process."""
    http = (
        '          - {step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", '
        'secret_headers: {X-Token: "${T_TOKEN}"}}\n'
        '          - {step: "1.1", kind: s3, name: s, endpoint: "http://127.0.0.1:9000", '
        'access_key: a, secret_key: "${T_S3}", bucket: b}\n'
    )
    path = write(tmp_path, GOOD + http)
    cases = load(path)
    assert [key for c in cases for key, _ in secret_refs(c)] == [
        "systems.a.hosts.h.databases.d.password",
        "systems.a.hosts.h.checks[2].secret_headers.X-Token",
        "systems.a.hosts.h.checks[3].secret_key",
    ]
    values = {"T_DB_PASSWORD": "db-Zq9x", "T_TOKEN": "token-Zq9x", "T_S3": "s3-Zq9x"}
    secrets = Secrets(environ=values)
    assert secrets.redact(" ".join(values.values())) == " ".join(values.values())
    check_secrets(path, cases, secrets)
    assert secrets.redact(" ".join(values.values())) == "*** *** ***"


def test_schema_knows_where_secrets_live() -> None:
    assert {"password", "secret_key", "secret_headers", "username"} <= SECRET_KEYS  # flow: username


# a quote, a backslash, a non-ASCII letter, and the other quote: each escaped somewhere
ODD_SECRET = "Zq9-'back\\slash-ü-\"end"


@pytest.mark.parametrize(
    "spelled",
    [
        pytest.param(ODD_SECRET, id="verbatim"),
        pytest.param(repr(ODD_SECRET), id="repr"),
        pytest.param(repr([ODD_SECRET, "x"]), id="repr-in-list"),
        pytest.param(repr(ODD_SECRET.replace('"', "")), id="repr-single-quote-only"),
        pytest.param(repr(ODD_SECRET.replace('"', "") + ' and "'), id="repr-escaping-quote"),
        pytest.param(ascii(ODD_SECRET), id="ascii"),
        pytest.param(repr(ODD_SECRET.encode()), id="bytes"),
        pytest.param(json.dumps(ODD_SECRET), id="json"),
        pytest.param(json.dumps({"k": ODD_SECRET}, ensure_ascii=False), id="json-utf8"),
        pytest.param(quote(ODD_SECRET, safe=""), id="url-quoted"),
        pytest.param(quote_plus(ODD_SECRET + " x"), id="form-quoted"),
    ],
)
def test_redaction_covers_escaped_forms(spelled: str) -> None:
    """Messages print observed values with !r: the escaped spellings are redacted too."""
    secrets = Secrets(environ={"T_ODD": ODD_SECRET, "T_ODD2": ODD_SECRET.replace('"', "")})
    secrets.resolve("${T_ODD}")
    secrets.resolve("${T_ODD2}")
    text = secrets.redact(f"$.auth is {spelled}, not 'nobody'")
    assert "Zq9" not in text and "end" not in text.removesuffix("not 'nobody'")
    assert "***" in text


@pytest.mark.parametrize(
    ("old", "new", "key", "relative"),
    [
        pytest.param(
            "version: 1\n",
            "version: 1\ndefaults: {ssh_config: ../no/ssh_config}\n",
            "defaults.ssh_config",
            "../no/ssh_config",
            id="defaults",
        ),
        pytest.param(
            "address: 127.0.0.1\n",
            "address: 127.0.0.1\n        ssh_config: no_ssh_config\n",
            "systems.a.hosts.h.ssh_config",
            "no_ssh_config",
            id="host",
        ),
    ],
)
def test_missing_ssh_config_is_named_by_key_path(
    tmp_path: Path, old: str, new: str, key: str, relative: str
) -> None:
    """Found before anything runs, not as every ssh check's UNKNOWN; relative to the inventory."""
    path = write(tmp_path, GOOD.replace(old, new, 1))
    cases = load(path)  # a valid file: listing its checks needs no ssh config
    wanted = (tmp_path / relative).resolve()
    with pytest.raises(InventoryError) as err:
        check_ssh_configs(path, cases)
    assert f"{key}: no such file {wanted} (an ssh config is relative to the inventory file)" in str(
        err.value
    )
    wanted.parent.mkdir(parents=True, exist_ok=True)
    wanted.write_text("Host *\n", encoding="utf-8")
    check_ssh_configs(path, cases)  # accepted twin


def test_credential_free_headers_are_accepted(tmp_path: Path) -> None:
    """The twin of the credential-looking header rows: ordinary headers stay under headers."""
    http = (
        '          - {step: "1.1", kind: http, name: w, url: "http://127.0.0.1/", '
        "headers: {Host: service.example.com, Accept: application/json, Cache-Control: no-cache}, "
        'json: [{path: "$.status", equals: ok}]}\n'
    )
    assert [c.id for c in load(write(tmp_path, GOOD + http))][-1] == "a-h-1.1-w"


def test_threshold_spellings_are_accepted(tmp_path: Path) -> None:
    """The accepting twin of the threshold rows of REJECTED: bad states as the runbooks write
    them, on row counts, scalars, HTTP latency and files."""
    checks = (
        '          - {step: "1.1", kind: sql, name: n, db: d, query: "SELECT 1",'
        ' expect: {row_count: {crit: "<= 0"}}}\n'
        '          - {step: "1.1", kind: sql, name: s, db: d, query: "SELECT 1",'
        ' expect: {scalar: {warn: "> 50", crit: ">= 100"}}}\n'
        '          - {step: "1.1", kind: sql, name: w, db: d, query: "SELECT 1",'
        ' expect: {scalar: {warn: "> 100"}}}\n'
        '          - {step: "1.1", kind: http, name: h, url: "http://127.0.0.1/",'
        ' latency: {warn: "> 500 ms", crit: "> 2000 ms"}, on_timeout: CRIT}\n'
        '          - {step: "1.1", kind: file, name: f, path: /b.tgz,'
        ' size: {crit: "< 1 KiB", warn: "< 1 MiB"}, max_age: 36h}\n'
    )
    cases = {c.id: c for c in load(write(tmp_path, GOOD + checks))}
    assert str(cases["a-h-1.1-s"].spec.expect.scalar.warn) == "> 50"  # type: ignore[attr-defined]
    assert cases["a-h-1.1-h"].spec.on_timeout == "CRIT"  # type: ignore[attr-defined]
    assert cases["a-h-1.1-f"].kind == "file"


def test_schema_kinds_are_the_check_modules() -> None:
    """errors.py strips the union's tag by these names: they are the schema's, and each has a
    check module."""
    assert KINDS == tuple(checks.kinds())  # the registry's order, port first


def _addresses(path: Path, runner: bool = True) -> set[str]:
    """Every address the inventory's checks reach; ``runner=False`` leaves out the runner's own
    host (``local://``: the backups' directory on the machine running xunjian)."""
    found = set()
    for case in load(path):
        if not runner and case.connection.startswith("local://"):
            continue
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
        for a in _addresses(ROOT / "inventory" / "thqh.yml", runner=False)
        if re.fullmatch(r"[\d.]+", a)
    )


# What the lab forces to differ, per check: addresses, plain HTTP with a Host header on 27878,
# seaweedfs's health URL, no systemd, and the stand-ins' process names; a flow's API address.
LAB_DIFFERENCES = {"url", "headers", "endpoint", "console", "health_path", "unit", "process"}
LAB_DIFFERENCES.add("base_url")
# the backups: where they live on the runner, how many are kept, how long a run may take, and
# rclone's name for the S3 server (MinIO in production, seaweedfs in the lab)
LAB_DIFFERENCES |= {"backup_dir", "keep", "time_limit", "provider"}


def _mirrored(spec: dict[str, Any]) -> dict[str, Any]:
    """A check as the mirror compares it: a flow's proofs are the lab's own (the production
    tables the downloads fill are not known), every call and expectation is the same."""
    if spec.get("kind") == "flow":
        spec["steps"] = [{k: v for k, v in s.items() if k != "proof"} for s in spec["steps"]]
    return spec


def _proof_databases(cases: list[CheckCase]) -> set[str]:
    return {
        s.proof.db for c in cases if isinstance(c.spec, FlowCheck) for s in c.spec.steps if s.proof
    }


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "thqh.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab.yml")}
    assert prod.keys() == lab.keys()
    proofs = _proof_databases(list(lab.values()))
    for cid, case in prod.items():
        assert lab[cid].step == case.step, cid
        mine, theirs = _mirrored(lab[cid].spec.model_dump()), _mirrored(case.spec.model_dump())
        differ = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
        if case.step_id == "B3":  # the freshness of the backups: in the backup directory
            assert str(mine["path"]).startswith("/run/xunjian-lab/backups/"), cid
            differ -= {"path"}
        assert differ <= LAB_DIFFERENCES, (cid, {k: (mine.get(k), theirs.get(k)) for k in differ})
        if "process" in differ:  # a stand-in is named beside the production process, never instead
            assert set(theirs["process"]) <= set(mine["process"]), cid
        extra = lab[cid].host.databases.keys() - case.host.databases.keys()
        assert extra <= proofs, (cid, extra)  # the lab declares its proofs' database only
        assert {k: v for k, v in lab[cid].host.databases.items() if k not in extra} == (
            case.host.databases
        ), cid


def test_schema_json_is_current() -> None:
    assert (ROOT / "inventory" / "schema.json").read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m xunjian.inventory schema > inventory/schema.json"
    )


def _readme_yaml() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in readme.split("```yaml\n")[1:]]


def test_readme_example_is_a_valid_inventory(tmp_path: Path) -> None:
    (example,) = [b for b in _readme_yaml() if b.startswith("version:")]
    cases = load(write(tmp_path, example))
    assert [c.id for c in cases] == ["miniapp-prod-1.1-port-3306", "miniapp-prod-1.2-sync-state"]


def test_readme_threshold_examples_are_valid() -> None:
    """The README's one-line threshold examples, each validated as the key it shows."""
    fields = {
        "latency": HttpCheck.model_fields["latency"].annotation,
        "expect": SqlExpect,
        "max_age": FileCheck.model_fields["max_age"].annotation,
    }
    (block,) = [b for b in _readme_yaml() if b.startswith("latency:")]
    shown = [yaml.safe_load(line) for line in block.splitlines()]
    assert {key for one in shown for key in one} == set(fields)
    for one in shown:
        ((key, value),) = one.items()
        TypeAdapter(fields[key]).validate_python(value)
