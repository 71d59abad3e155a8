"""Hostile inventories: every malformed file stops with exit 4, from `python -m xunjian.inventory
check` and from pytest, naming the file, the line where there is one, the key path and what was
expected; never a traceback, never a secret. Each class has its accepting twin below the table."""

from __future__ import annotations

import os
import random
import runpy
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import testinfra.backend
import yaml

from xunjian.inventory import build, read, urls
from xunjian.inventory.__main__ import main
from xunjian.inventory.load import load
from xunjian.inventory.preflight import secret_refs
from xunjian.inventory.secrets import Secrets, redact_urls

ROOT = Path(__file__).resolve().parent.parent
GOOD = """\
version: 1
name: hostile
defaults: {timeout: 7}
systems:
  a:
    title: 系统A
    steps:
      "1.1": {title: 检查服务进程, normal: 所有端口均处于 LISTEN, remedy: 重启}
      "2.1": {title: 检查日志}
    templates:
      node:
        - {step: "1.1", kind: port, port: 22, process: [sshd]}
    hosts:
      h:
        address: 127.0.0.1
        connection: local://
        databases:
          d: {user: root, password: "${T_DB_PASSWORD}", database: x, statement_timeout: 10}
        roles: [node]
        checks:
          - {step: "1.1", kind: port, port: 3306, timeout: 5}
          - {step: "1.1", kind: sql, name: q, db: d, query: "SELECT 1", expect: {no_rows: true}, show_rows: 5}
          - {step: "1.1", kind: http, name: w, url: "http://127.0.0.1:8080/health", status: [200, 204]}
          - {step: "2.1", kind: log, name: l, path: /var/log/x.log, success: ok, lines: 40, max_age: 36h}
      web:
        address: web-01.example.com
        connection: ssh://root@web-01.example.com:22?timeout=5
        roles: [node]
"""
Make = Callable[[Path], Path]


def text(body: str) -> Make:
    return raw(body.encode("utf-8"))


def raw(body: bytes) -> Make:
    def make(where: Path) -> Path:
        path = where / "inv.yml"
        path.write_bytes(body)
        return path

    return make


def sub(old: str, new: str, *expected: str, line: int | None = 0) -> tuple[Make, tuple[str, ...]]:
    """GOOD with ``old`` replaced; the expectations gain ``line N`` of the first changed line
    (``line``: another line; None: no line, the problem has no place in the file)."""
    assert GOOD.count(old) == 1, old
    body = GOOD.replace(old, new)
    first = next(i for i, (a, b) in enumerate(zip(GOOD, body, strict=False)) if a != b)
    where = () if line is None else (f"line {line or body[:first].count(chr(10)) + 1}",)
    return text(body), (*where, *expected)


def special(kind: str) -> Make:
    def make(where: Path) -> Path:
        path = where / "inv.yml"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))  # left bound: the test's tmp dir goes with it
            _SOCKETS.append(server)
        elif kind == "symlink-to-fifo":
            os.mkfifo(where / "pipe")
            path.symlink_to(where / "pipe")
        elif kind == "device":
            return Path("/dev/null")
        elif kind == "sparse-huge":
            with path.open("wb") as f:
                f.truncate(read.MAX_BYTES + 1)  # no data written: refused on its size alone
        return path

    return make


_SOCKETS: list[socket.socket] = []


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_block(depth: int) -> str:
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}x\n"


def ansible(ini: str) -> Make:
    """An inventory whose hosts come from an Ansible INI inventory beside it."""

    def make(where: Path) -> Path:
        (where / "hosts.ini").write_text(ini, encoding="utf-8")
        sources = "    host_sources: [{ansible: hosts.ini, roles: [node]}]\n    hosts:\n"
        return text(GOOD.replace("    hosts:\n", sources))(where)

    return make


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
CAUGHT_DEEP = "d: &d " + nested(40) + "\ne: " + "[" * 30 + "*d" + "]" * 30 + "\n"
UTF16 = GOOD.encode("utf-16-le")
JUNK = b"\x00\x01\x02\xfe" + random.Random(6).randbytes(4096)

REJECTED = [
    # the file itself: what it is, how big, its encoding and characters
    pytest.param(
        special("fifo"), ("a FIFO (named pipe): an inventory must be a regular file",), id="fifo"
    ),
    pytest.param(special("symlink-to-fifo"), ("a FIFO (named pipe)",), id="symlink-to-fifo"),
    pytest.param(
        special("directory"), ("a directory: an inventory must be a regular file",), id="directory"
    ),
    pytest.param(
        special("socket"), ("a socket: an inventory must be a regular file",), id="socket"
    ),
    pytest.param(
        special("device"), ("a character device: an inventory must be a regular file",), id="device"
    ),
    pytest.param(special("sparse-huge"), ("more than the limit of 67108864",), id="over-64-mib"),
    pytest.param(
        lambda where: where / "absent.yml", ("cannot read the file: No such file",), id="missing"
    ),
    pytest.param(
        raw(b"\xff\xfe" + UTF16),
        ("line 1: the file is UTF-16 (little-endian)", "UTF-8 only", "FF FE"),
        id="utf16-le-bom",
    ),
    pytest.param(
        raw(b"\xfe\xff" + GOOD.encode("utf-16-be")),
        ("UTF-16 (big-endian)", "UTF-8 only"),
        id="utf16-be-bom",
    ),
    pytest.param(
        raw(b"\xff\xfe\x00\x00" + GOOD.encode("utf-32-le")),
        ("UTF-32 (little-endian)", "UTF-8 only"),
        id="utf32-le-bom",
    ),
    pytest.param(
        raw(UTF16),
        ("line 1, column 2 (byte offset 1): a NUL byte: UTF-16 without a byte order mark",),
        id="utf16-no-bom",
    ),
    pytest.param(
        raw(GOOD.replace("系统A", "caf\xe9").encode("latin-1", "replace")),
        ("line 6, column 15", "byte 0xE9 is not UTF-8", "UTF-8 only", "byte offset"),
        id="latin-1",
    ),
    pytest.param(
        raw(GOOD.encode() + b"# \xc3\x28\n"),
        ("line 29, column 3", "byte 0xC3 is not UTF-8"),
        id="broken-utf8-sequence",
    ),
    pytest.param(
        raw(JUNK), ("line 1, column 1 (byte offset 0): a NUL byte", "UTF-8 only"), id="binary-junk"
    ),
    pytest.param(
        text(GOOD.replace("系统A", "系统\x07A")),
        ("line 6, column 14: control character U+0007",),
        id="bell-character",
    ),
    pytest.param(
        text(""),
        ("(top level): expected a mapping, got nothing (the file is empty)",),
        id="empty-file",
    ),
    pytest.param(
        text("# only a comment\n\n"), ("got nothing (the file is empty)",), id="only-comments"
    ),
    pytest.param(
        text("- a\n- b\n"), ("(top level): expected a mapping, got list",), id="top-level-list"
    ),
    pytest.param(
        text("just words\n"), ("(top level): expected a mapping, got str",), id="top-level-scalar"
    ),
    pytest.param(
        text(GOOD + "---\nversion: 1\n"),
        ("line 29, column 1", "a second YAML document"),
        id="two-documents",
    ),
    pytest.param(
        text(GOOD + "# " + "x" * 10_000_000 + "\n"),
        ("line 29: 10000002 characters long, more than the limit of 1048576",),
        id="10-mb-line",
    ),
    # YAML's structure: depth, aliases, tags, keys
    pytest.param(
        text(f"name: {nested(100_000)}\n"),
        ("line 1, column 70", "nested deeper than 64 levels"),
        id="deep-flow-100000",
    ),
    pytest.param(
        text(f"name: {nested(65)}\n"),
        ("line 1, column 70: not valid YAML: nested deeper than 64 levels",),
        id="deep-flow-65",
    ),
    pytest.param(
        text(deep_block(80)),
        ("line 65, column 129", "nested deeper than 64 levels"),
        id="deep-block",
    ),
    pytest.param(
        text(CAUGHT_DEEP),
        ("line 2", "nested deeper than 64 levels through an alias"),
        id="deep-through-alias",
    ),
    pytest.param(
        text(LAUGHS),
        ("line 7", "more than 5000000 values once aliases are expanded"),
        id="billion-laughs",
    ),
    pytest.param(
        text("a: &a [x, *a]\n"),
        ("line 1, column 11", "alias *a is inside its own anchor"),
        id="recursive-alias",
    ),
    pytest.param(
        *sub(
            "roles: [node]\n        checks:",
            "roles: *nope\n        checks:",
            "found undefined alias",
        ),
        id="undefined-alias",
    ),
    pytest.param(
        *sub(
            "        address: 127.0.0.1\n",
            "        address: 127.0.0.1\n\tconnection: local://\n",
            "cannot start any token",
        ),
        id="tab-indentation",
    ),
    pytest.param(
        *sub(
            "        address: 127.0.0.1\n",
            "        address: 127.0.0.1\n        address: 127.0.0.2\n",
            "duplicate key 'address'",
        ),
        id="duplicate-key",
    ),
    pytest.param(
        *sub(
            "port: 3306, timeout: 5}", "port: 3306, timeout: 5, port: 3307}", "duplicate key 'port'"
        ),
        id="duplicate-key-flow",
    ),
    pytest.param(
        *sub(
            "      web:\n",
            "      web:\n        <<: {roles: [node]}\n        roles: [node]\n        roles: [node]\n",
            "duplicate key 'roles'",
            line=28,
        ),
        id="duplicate-beside-merge",
    ),
    pytest.param(
        *sub(
            "      web:\n",
            "      web:\n        <<: 5\n",
            "expected a mapping or list of mappings for merging",
        ),
        id="merge-a-scalar",
    ),
    pytest.param(
        *sub(
            "      web:\n",
            "      web:\n        ? [a, b]\n        : c\n",
            "a key must be a plain value",
        ),
        id="list-as-key",
    ),
    pytest.param(
        *sub(
            'password: "${T_DB_PASSWORD}"',
            "password: !!int hunter2-real-pw",
            "a value does not fit its !!tag",
        ),
        id="tag-mismatch-secret",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: !!python/object/apply:os.system [id],",
            "could not determine a constructor",
        ),
        id="python-tag",
    ),
    pytest.param(
        *sub("port: 3306,", f"port: {'9' * 5000},", "a value does not fit its !!tag"),
        id="5000-digit-number",
    ),
    pytest.param(
        *sub(
            "    title: 系统A\n",
            '    title: "系统A\n',
            "expected <block end>, but found '<scalar>'",
            line=8,
        ),
        id="unterminated-quote",
    ),
    pytest.param(
        *sub("    title: 系统A\n", "    title: [系统A\n", "expected ',' or ']', but got ':'"),
        id="unclosed-flow",
    ),
    # numbers: strict, finite
    pytest.param(
        *sub(
            "port: 3306,",
            "port: yes,",
            "checks[0].port: Input should be a valid integer, not a boolean",
        ),
        id="port-yes",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: true,",
            "checks[0].port: Input should be a valid integer, not a boolean",
        ),
        id="port-true",
    ),
    pytest.param(
        *sub(
            "port: 22,",
            "port: on,",
            "systems.a.templates.node[0].port: Input should be a valid integer, not a boolean",
        ),
        id="template-port-on",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: '3306',",
            "checks[0].port: Input should be a valid integer, not a quoted string",
        ),
        id="port-quoted",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: 3306.0,",
            "checks[0].port: Input should be a valid integer, not a number with a decimal point",
        ),
        id="port-float",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: '33o6',",
            "checks[0].port: Input should be a valid integer, unable to parse string",
        ),
        id="port-typo",
    ),
    pytest.param(
        *sub("port: 3306,", "port: .inf,", "checks[0].port: Input should be a valid integer"),
        id="port-inf",
    ),
    pytest.param(
        *sub(
            "port: 3306,",
            "port: 70000,",
            "checks[0].port: Input should be less than or equal to 65535",
        ),
        id="port-range",
    ),
    pytest.param(
        *sub("timeout: 5}", "timeout: .inf}", "checks[0].timeout: Input should be a finite number"),
        id="timeout-inf",
    ),
    pytest.param(
        *sub("timeout: 5}", "timeout: .nan}", "checks[0].timeout: Input should be a finite number"),
        id="timeout-nan",
    ),
    pytest.param(
        *sub(
            "timeout: 5}",
            "timeout: yes}",
            "checks[0].timeout: Input should be a valid number, not a boolean",
        ),
        id="timeout-yes",
    ),
    pytest.param(
        *sub(
            "timeout: 5}",
            "timeout: '5'}",
            "checks[0].timeout: Input should be a valid number, not a quoted string",
        ),
        id="timeout-quoted",
    ),
    pytest.param(
        *sub(
            "defaults: {timeout: 7}",
            "defaults: {timeout: .inf}",
            "defaults.timeout: Input should be a finite number",
        ),
        id="default-timeout-inf",
    ),
    pytest.param(
        *sub(
            "statement_timeout: 10}",
            "statement_timeout: .nan}",
            "databases.d.statement_timeout: Input should be a finite number",
        ),
        id="statement-timeout-nan",
    ),
    pytest.param(
        *sub(
            "statement_timeout: 10}",
            "statement_timeout: off}",
            "databases.d.statement_timeout: Input should be a valid number, not a boolean",
        ),
        id="statement-timeout-off",
    ),
    pytest.param(
        *sub(
            "show_rows: 5}",
            "show_rows: on}",
            "checks[1].show_rows: Input should be a valid integer, not a boolean",
        ),
        id="show-rows-on",
    ),
    pytest.param(
        *sub("lines: 40,", "lines: 4e1,", "checks[3].lines: Input should be a valid integer"),
        id="log-lines-float",
    ),
    pytest.param(
        *sub(
            "status: [200, 204]",
            "status: [200, yes]",
            "checks[2].status[1]: Input should be a valid integer, not a boolean",
        ),
        id="http-status-yes",
    ),
    pytest.param(
        *sub("version: 1\n", "version: true\n", "version: expected a number, got a boolean"),
        id="version-true",
    ),
    pytest.param(
        *sub(
            "status: [200, 204]}",
            "status: [200], json: [{path: $.x, equals: .nan}]}",
            "checks[2].json[0].equals",
        ),
        id="json-equals-nan",
    ),
    pytest.param(
        *sub(
            "max_age: 36h}",
            "max_age: {crit: '> .inf h'}}",
            "checks[3].max_age.crit",
            "is not a finite number",
        ),
        id="threshold-inf",
    ),
    pytest.param(
        *sub(
            "status: [200, 204]}",
            'latency: {warn: "> 2 s", crit: "> 500 ms"}}',
            "checks[2].latency",
            "is not reached before crit",
        ),
        id="threshold-order",
    ),
    pytest.param(
        *sub("lines: 40,", "lines: 40, outside: 'yes',", "checks[3].outside: unknown key"),
        id="unknown-key-on-log",
    ),
    pytest.param(
        *sub(
            "port: 3306, timeout: 5}",
            "port: 3306, timeout: 5, outside: 'yes'}",
            "checks[0].outside: Input should be a valid boolean",
        ),
        id="bool-quoted",
    ),
    # the older classes: unknown key, wrong type, missing key or step, bad references
    pytest.param(
        *sub("port: 3306,", "prot: 3306,", "systems.a.hosts.h.checks[0].prot: unknown key"),
        id="unknown-key",
    ),
    pytest.param(
        *sub("kind: port, port: 3306", "kind: port", "checks[0].port: required key is missing"),
        id="missing-key",
    ),
    pytest.param(
        *sub(
            "        roles: [node]\n        checks:",
            "        roles: [node]\n        checks: {a: 1}\n        x:",
            "checks: Input should be a valid list",
        ),
        id="wrong-type-checks",
    ),
    pytest.param(
        *sub(
            '{step: "2.1", kind: log',
            '{step: "9.9", kind: log',
            "checks[3].step: step '9.9' is not declared in systems.a.steps",
        ),
        id="undeclared-step",
    ),
    pytest.param(
        *sub("db: d,", "db: nope,", "checks[1]: database 'nope' is not declared"),
        id="undeclared-database",
    ),
    pytest.param(
        *sub(
            "roles: [node]\n        checks:",
            "roles: [nobody]\n        checks:",
            "systems.a.hosts.h.roles: no template 'nobody'",
        ),
        id="undeclared-role",
    ),
    pytest.param(
        *sub(
            "name: w,", "name: q,", "test id 'a-h-1.1-q' is used by more than one check", line=None
        ),
        id="duplicate-test-id",
    ),
    pytest.param(
        *sub(
            'password: "${T_DB_PASSWORD}"',
            "password: hunter2-real-pw",
            "databases.d.password: must be an environment reference",
        ),
        id="literal-password",
    ),
    # addresses
    pytest.param(
        *sub(
            "address: 127.0.0.1",
            "address: ssh://127.0.0.1",
            "systems.a.hosts.h.address: expected an IP address or a host name",
            "a URL",
        ),
        id="address-url",
    ),
    pytest.param(
        *sub(
            "address: 127.0.0.1",
            "address: 127.0.0.1:22",
            "address: expected",
            "a port does not belong here",
        ),
        id="address-port",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: web 01", "address: expected", "it holds a space"),
        id="address-space",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: root@web01", "a user does not belong here"),
        id="address-user",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: 999.1.1.1", "not a valid IP address or host name"),
        id="address-bad-ip",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: db_master", "not a valid IP address or host name"),
        id="address-underscore",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: -web01", "not a valid IP address or host name"),
        id="address-leading-hyphen",
    ),
    pytest.param(
        *sub("address: 127.0.0.1", "address: ''", "address: expected an IP address or a host name"),
        id="address-empty",
    ),
    pytest.param(
        *sub(
            "database: x,",
            "database: x, host: 'http://db',",
            "databases.d.host: expected an IP address",
        ),
        id="database-host-url",
    ),
    # connections, read as testinfra reads them
    pytest.param(
        *sub(
            "connection: local://",
            "connection: telnet://h",
            "connection: scheme 'telnet'",
            "ssh, safe-ssh, paramiko",
        ),
        id="connection-scheme",
    ),
    pytest.param(
        *sub("connection: local://", "connection: 127.0.0.1", "connection: no SCHEME://"),
        id="connection-no-scheme",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: ssh://h:99999",
            "connection: the port must be a number from 1 to 65535",
        ),
        id="connection-port-99999",
    ),
    pytest.param(
        *sub("connection: local://", "connection: ssh://h:0", "connection: the port must be"),
        id="connection-port-0",
    ),
    pytest.param(
        *sub("connection: local://", "connection: ssh://h:ssh", "connection: the port must be"),
        id="connection-port-name",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?controlpath=/tmp/x'",
            "unknown option 'controlpath' for ssh://",
            "sudo, sudo_user, ssh_config",
        ),
        id="connection-unknown-option",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?ansible_inventory=/etc/hosts'",
            "unknown option 'ansible_inventory' for ssh://",
        ),
        id="connection-other-backends-option",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?sudo=yes'",
            "option 'sudo' must be true or false",
        ),
        id="connection-sudo-yes",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?timeout=0'",
            "option 'timeout' must be a whole number of seconds from 1 to 3600",
        ),
        id="connection-timeout-0",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'paramiko://h?timeout=1e9'",
            "option 'timeout' must be a whole number",
        ),
        id="connection-timeout-float",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?sudo=true&sudo=false'",
            "option 'sudo' is given twice",
        ),
        id="connection-option-twice",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?sudo'",
            "option 'sudo' must be true or false",
        ),
        id="connection-option-blank",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?ssh_config=cfg'",
            "option 'ssh_config' must be an absolute path",
        ),
        id="connection-relative-ssh-config",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://root:hunter2-real-pw@h'",
            "connection: a password in the connection",
        ),
        id="connection-password",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://h?password=hunter2-real-pw'",
            "query parameter 'password' of the connection looks like a credential",
        ),
        id="connection-query-password",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: ssh://h/home",
            "a path after the host is not read by testinfra",
        ),
        id="connection-path",
    ),
    pytest.param(
        *sub("connection: local://", "connection: 'ssh://h#x'", "a #fragment is not read"),
        id="connection-fragment",
    ),
    pytest.param(
        *sub("connection: local://", "connection: local://h", "local:// takes no host"),
        id="connection-local-host",
    ),
    pytest.param(
        *sub("connection: local://", "connection: ssh://", "ssh:// needs a host"),
        id="connection-no-host",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: ssh://bad_host",
            "the host must be an IP address or a host name",
        ),
        id="connection-bad-host",
    ),
    pytest.param(
        *sub("connection: local://", "connection: docker://c:22", "docker:// takes no port"),
        id="connection-docker-port",
    ),
    pytest.param(
        *sub("connection: local://", "connection: ansible://u@web01", "ansible:// takes no USER@"),
        id="connection-ansible-user",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            'connection: "ssh://h\\n"',
            "connection: holds a control character",
        ),
        id="connection-newline",
    ),
    pytest.param(
        *sub(
            "connection: local://",
            "connection: 'ssh://-oProxyCommand=x@h'",
            "the user must be a name",
        ),
        id="connection-user-option",
    ),
    # hosts from an Ansible inventory: validated like the file's own
    pytest.param(
        ansible("[web]\nweb09 ansible_port=99999\n"),
        (
            "line 13: systems.a.host_sources[0] (host 'web09' of hosts.ini) connection: the port must be",
        ),
        id="ansible-port",
    ),
    pytest.param(
        ansible("[web]\nweb09 ansible_host='10.0.0.1 rm'\n"),
        (
            "host_sources[0] (host 'web09' of hosts.ini) address: expected an IP address",
            "it holds a space",
        ),
        id="ansible-host-space",
    ),
    pytest.param(
        ansible("[web]\nweb09 ansible_user=-oProxyCommand=x\n"),
        ("(host 'web09' of hosts.ini) connection: the user must be a name",),
        id="ansible-user-option",
    ),
    # URLs: credentials in the query, ports, hosts
    pytest.param(
        *sub(
            "8080/health",
            "8080/health?access_token=hunter2-real-pw",
            "checks[2].url: query parameter 'access_token' of the URL looks like a credential",
        ),
        id="url-access-token",
    ),
    pytest.param(
        *sub(
            "8080/health",
            "8080/health?a=1&X-Amz-Signature=hunter2-real-pw",
            "'X-Amz-Signature'",
            "${ENV_VAR}",
        ),
        id="url-amz-signature",
    ),
    pytest.param(
        *sub(
            "8080/health",
            "8080/health?apiKey=hunter2-real-pw",
            "'apiKey' of the URL looks like a credential",
        ),
        id="url-api-key",
    ),
    pytest.param(
        *sub(
            "8080/health",
            "8080/health?sig=hunter2-real-pw",
            "'sig' of the URL looks like a credential",
        ),
        id="url-sig",
    ),
    pytest.param(
        *sub("8080/health", "8080/health?password=hunter2-real-pw&x=1", "'password' of the URL"),
        id="url-password",
    ),
    pytest.param(
        *sub(
            "8080/health",
            "8080/${T_PATH}",
            "checks[2].url: an ${ENV_VAR} reference is resolved only as the whole value",
        ),
        id="url-ref-in-path",
    ),
    pytest.param(
        *sub(
            "127.0.0.1:8080/health",
            "127.0.0.1:99999/health",
            "checks[2].url: the port must be a number from 1 to 65535",
        ),
        id="url-port",
    ),
    pytest.param(
        *sub(
            "http://127.0.0.1:8080/health",
            "http://bad_host/health",
            "checks[2].url: the URL's host must be",
        ),
        id="url-host",
    ),
    pytest.param(
        *sub(
            "http://127.0.0.1:8080/health",
            "http://u:hunter2-real-pw@127.0.0.1/",
            "checks[2].url: must be a URL without user:password@",
        ),
        id="url-userinfo",
    ),
    pytest.param(
        *sub(
            "status: [200, 204]}",
            "headers: {X-Api-Key: hunter2-real-pw}}",
            "checks[2].headers.X-Api-Key: looks like a credential",
        ),
        id="header-literal-credential",
    ),
]


def test_the_table_is_long_enough() -> None:
    assert len(REJECTED) >= 60


@pytest.mark.parametrize(("make", "expected"), REJECTED)
def test_check_refuses_with_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Make, expected: tuple[str, ...]
) -> None:
    path = make(tmp_path)
    assert main(["check", str(path)]) == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert f"invalid inventory {path}:\n" in err
    for part in expected:
        assert part in err
    assert "Traceback" not in err
    assert "hunter2" not in err.lower()


def test_usage_is_exit_2_and_a_valid_file_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 2
    assert main(["check", "a", "b"]) == 2
    assert main(["check", ""]) == 4  # an empty PATH is an unusable inventory, as in pytest
    assert "an empty path (an unset variable?)" in capsys.readouterr().err
    assert main(["check", str(text(GOOD)(tmp_path))]) == 0
    assert capsys.readouterr().out.endswith(": 6 checks\n")


THROUGH_PYTEST = [
    "fifo",
    "directory",
    "utf16-le-bom",
    "latin-1",
    "deep-flow-100000",
    "billion-laughs",
    "port-yes",
    "timeout-inf",
    "connection-port-99999",
    "url-access-token",
]


@pytest.mark.parametrize(("make", "expected"), [p for p in REJECTED if p.id in THROUGH_PYTEST])
def test_pytest_refuses_with_exit_4(
    pytester: pytest.Pytester, make: Make, expected: tuple[str, ...]
) -> None:
    pytester.makepyfile(
        **{"tests/daily/test_daily": (ROOT / "tests/daily/test_daily.py").read_text("utf-8")}
    )
    inv = make(pytester.path)
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-m", "daily", "-p", "no:cacheprovider",
        timeout=60,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err, out = result.stderr.str(), result.stdout.str()
    assert f"ERROR: invalid inventory {inv}:" in err
    for part in expected:
        assert part in err
    assert "Traceback" not in err + out
    assert "hunter2" not in (err + out).lower()


def test_pytest_refuses_an_empty_inventory_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        **{"tests/daily/test_daily": (ROOT / "tests/daily/test_daily.py").read_text("utf-8")}
    )
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", "--inventory=", "-m", "daily", "-p", "no:cacheprovider", timeout=60
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid inventory --inventory:*", "*an empty path*"])


# ---- the accepting twins ----


def _ids(path: Path) -> list[str]:
    return [c.id for c in load(path)]


def test_good_inventory_loads(tmp_path: Path) -> None:
    assert _ids(text(GOOD)(tmp_path)) == [
        "a-h-1.1-port-3306",
        "a-h-1.1-q",
        "a-h-1.1-w",
        "a-h-2.1-l",
        "a-h-1.1-port-22",
        "a-web-1.1-port-22",
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """YAML allows a UTF-8 byte order mark; it is dropped."""
    assert len(load(raw(b"\xef\xbb\xbf" + GOOD.encode())(tmp_path))) == 6


def test_merge_key_with_an_override_is_honoured(tmp_path: Path) -> None:
    body = (
        GOOD.replace(
            '          - {step: "1.1", kind: port, port: 3306, timeout: 5}\n',
            '          - &p {step: "1.1", kind: port, port: 80, timeout: 5}\n'
            "          - {<<: *p, port: 81}\n"
            "          - {<<: [*p, {port: 1, name: other}], port: 82}\n",
        ).replace(
            "      web:\n        address: web-01.example.com\n",
            "      web: &web\n        address: web-01.example.com\n",
        )
        + "      web2:\n        <<: *web\n        address: web-02.example.com\n"
    )
    cases = {c.id: c for c in load(text(body)(tmp_path))}
    assert cases["a-h-1.1-port-81"].spec.port == 81  # type: ignore[attr-defined]
    assert cases["a-h-1.1-port-81"].timeout == 5  # merged from the anchor
    assert cases["a-h-1.1-other"].spec.port == 82  # type: ignore[attr-defined]
    assert cases["a-web2-1.1-port-22"].host.address == "web-02.example.com"
    assert cases["a-web2-1.1-port-22"].connection == cases["a-web-1.1-port-22"].connection


def test_depth_64_is_read_and_65_is_not(tmp_path: Path) -> None:
    ok = text(f"x: {nested(read.MAX_DEPTH - 1)}\n")(tmp_path)  # the top mapping is a level
    data = read.read(ok).data
    for _ in range(read.MAX_DEPTH - 1):
        data = data["x"] if isinstance(data, dict) else data[0] if data else data
    assert data == []
    with pytest.raises(Exception, match="nested deeper than 64 levels"):
        read.read(text(f"x: {nested(read.MAX_DEPTH)}\n")(tmp_path))


def test_a_long_but_legal_inventory_loads(tmp_path: Path) -> None:
    hosts = "".join(
        f"      n{i:05d}: {{address: 10.0.{i // 250}.{i % 250 + 1}, roles: [node]}}\n"
        for i in range(5000)
    )
    title = "长" * (read.MAX_LINE - 20)  # one line just under the limit
    body = GOOD.replace("    title: 系统A\n", f"    title: {title}\n") + hosts
    cases = load(text(body)(tmp_path))
    assert len(cases) == 6 + 5000
    assert cases[-1].id == "a-n04999-1.1-port-22"
    assert len(cases[0].system.title) == read.MAX_LINE - 20


ACCEPTED_CONNECTIONS = [
    "local://",
    "local://?sudo=true",
    "ssh://web01",
    "ssh://root@web-01.example.com:2222?timeout=5&sudo=true&sudo_user=app",
    "ssh://h?ssh_config=/etc/ssh/ssh_config&ssh_identity_file=~/.ssh/id_ed25519&controlpersist=0",
    "safe-ssh://root@10.0.0.1",
    "ssh://[::1]:22",
    "paramiko://u@10.0.0.1:22?timeout=10",
    "ansible://web01?ansible_inventory=/etc/ansible/hosts&force_ansible=True",
    "docker://app@container-1",
    "podman://c1?sudo=false",
    "kubectl://pod-0?namespace=ns&container=app&context=prod",
    "winrm://admin@10.0.0.5:5986?no_verify_ssl=true&read_timeout_sec=30",
]


@pytest.mark.parametrize("spec", ACCEPTED_CONNECTIONS)
def test_connections_testinfra_reads_are_accepted(spec: str) -> None:
    assert urls.connection_problem(spec) is None


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "fe80::1%eth0", "localhost", "web01", "a-1.example.com."]
)
def test_addresses_are_accepted(address: str) -> None:
    assert urls.address_problem(address) is None


def test_options_are_testinfra_s_own() -> None:
    """Every scheme is a testinfra backend, and every option one parse_hostspec reads."""
    assert set(urls.OPTIONS) == set(testinfra.backend.BACKENDS)
    for scheme, options in urls.OPTIONS.items():
        for option in options:
            _, kw = testinfra.backend.parse_hostspec(f"{scheme}://h?{option}=true")
            assert option in kw, (scheme, option)


def test_a_token_reference_in_a_url_is_a_secret(tmp_path: Path) -> None:
    body = GOOD.replace("8080/health", "8080/health?page=2&access_token=${T_TOKEN}")
    cases = load(text(body)(tmp_path))
    refs = [r for c in cases for r in secret_refs(c)]
    assert ("systems.a.hosts.h.checks[2].url?access_token", "${T_TOKEN}") in refs
    secrets = Secrets(environ={"T_TOKEN": "Zq9-tok/en"})
    url = secrets.expand(cases[2].spec.url)  # type: ignore[attr-defined]
    assert url == "http://127.0.0.1:8080/health?page=2&access_token=Zq9-tok/en"
    assert "Zq9" not in secrets.redact(f"GET {url} failed")


@pytest.mark.parametrize(
    ("text_", "shown"),
    [
        ("GET https://h/x?access_token=Zq9abc&page=2 failed", "?access_token=***&page=2"),
        (
            "https://b.s3/k?X-Amz-Credential=A/B&X-Amz-Signature=ff00",
            "Credential=***&X-Amz-Signature=***",
        ),
        ("'http://h/?apiKey=Zq9abc'", "?apiKey=***'"),
        ("http://h/?token=${T_TOKEN}", "?token=${T_TOKEN}"),  # a reference is no secret
        ("http://h/?page=2&author=me", "?page=2&author=me"),
    ],
)
def test_redact_urls_masks_credential_query_values(text_: str, shown: str) -> None:
    assert shown in redact_urls(text_)
    assert "Zq9" not in redact_urls(text_)


YAML_FEATURES = """\
a: &a {x: 1, y: [1, 2.5, .inf, ~, yes, No, on, 0x1F, 0o17, 017, 1_000, 2024-01-01, '1', !!str 3]}
b: {<<: *a, y: 2}
c: {<<: [*a, {x: 5, z: 6}], w: 1}
d: *a
e: |
  multi
  line
f: >
  folded
h: [*a, *a]
? k
1.1: float key
"1.1": str key
i: !!int "13"
"""


@pytest.mark.parametrize(
    "name", ["features", *sorted(p.name for p in (ROOT / "inventory").glob("*.yml"))]
)
def test_the_reader_reads_what_pyyaml_reads(name: str) -> None:
    """One pass over libyaml's events builds what PyYAML's own loader builds."""
    body = YAML_FEATURES if name == "features" else (ROOT / "inventory" / name).read_text("utf-8")
    assert repr(build.build(body)) == repr(yaml.load(body, Loader=yaml.SafeLoader))


def test_the_benchmark_inventories_are_valid(tmp_path: Path) -> None:
    bench = runpy.run_path(str(ROOT / "bench" / "collect.py"), run_name="bench_collect")
    for variant in ("roles", "inline"):
        path = tmp_path / f"{variant}.yml"
        path.write_text(bench["inventory"](30, variant), encoding="utf-8")
        assert len(load(path)) == 30 * bench["CHECKS"]


def test_an_ipv6_address_makes_a_bracketed_connection(tmp_path: Path) -> None:
    body = GOOD.replace(
        "        address: web-01.example.com\n        connection: ssh://root@web-01.example.com:22?timeout=5\n",
        "        address: '::1'\n",
    )
    web = next(c for c in load(text(body)(tmp_path)) if c.host_id == "web")
    assert web.connection == "ssh://[::1]"
    assert urls.connection_problem(web.connection) is None
