"""The pytest plugin, driven through pytester: options, markers, ids, verdicts, exit codes, reports."""

from __future__ import annotations

import html as htmllib
import http.server
import json
import re
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from terminal_output import failures, run_env, section
from test_inventory import GOOD, REJECTED

from xunjian.checks import kinds
from xunjian.inventory.fields import Cadence
from xunjian.plugin import CADENCES

ROOT = Path(__file__).resolve().parent.parent
TESTS = (ROOT / "tests" / "daily" / "test_daily.py").read_text(encoding="utf-8")
WEEKLY = (ROOT / "tests" / "weekly" / "test_weekly.py").read_text(encoding="utf-8")
SECRET = "s3cr3t-'tok\\en-ü"  # a quote, a backslash, a non-ASCII letter: repr escapes them


@pytest.fixture
def listener() -> Iterator[int]:
    """A real listening socket on 127.0.0.1 (a port that is up)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on exit: nothing listens there


class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {"status": "healthy", "auth": self.headers.get("Authorization", "")}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def unused(*used: str) -> int:
    """The test functions of one cadence file that get no case: one per registered kind the
    inventory does not use (an empty parameter set, deselected by -m or -k)."""
    return len(kinds().keys() - set(used))


def project(pytester: pytest.Pytester, checks: str, hosts: str = "") -> Path:
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: t
systems:
  sys:
    title: 测试系统
    steps:
      "1.1": {{title: 检查服务进程, normal: 所有端口均处于 `LISTEN`, remedy: 如果发现服务有异常，根据情况重启或 kill 掉再启动即可}}
      "5.1": {{title: 检查Nginx, cadence: daily, normal: 返回 `HTTP/1.1 200 OK`, remedy: 重启 Nginx}}
      "9.1": {{title: 每周补录, cadence: weekly}}
    hosts:
      local:
        address: 127.0.0.1
        connection: local://
        checks:
{checks}
{hosts}""",
        encoding="utf-8",
    )
    return inv


def run(pytester: pytest.Pytester, inv: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "xunjian.plugin",
        "--inventory",
        str(inv),
        "-p",
        "no:cacheprovider",
        *args,
        timeout=120,
    )


def test_ids_markers_and_ok(pytester: pytest.Pytester, listener: int) -> None:
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: port, port: {listener}}}\n'
        f'          - {{step: "9.1", kind: port, port: {listener}, name: weekly-only}}',
    )
    result = run(pytester, inv, "-m", "daily", "-v")
    result.assert_outcomes(passed=1, deselected=unused("port"))  # empty parameter sets
    result.stdout.fnmatch_lines(
        [f"*test_port?sys-local-1.1-port-{listener}? PASSED*", "*sys 测试系统: 1 OK*"]
    )
    assert "weekly-only" not in result.stdout.str()  # a weekly check is not in tests/daily
    assert result.ret == 0
    pytester.makepyfile(**{"tests/weekly/test_weekly": WEEKLY})
    weekly = run(pytester, inv, "-m", "weekly", "-v")
    # the folder gives the cadence marker: the daily port case and both folders' empty sets
    weekly.assert_outcomes(passed=1, deselected=1 + 2 * unused("port"))
    weekly.stdout.fnmatch_lines(
        ["*tests/weekly/test_weekly.py::test_port?sys-local-9.1-weekly-only? PASSED*"]
    )


def test_crit_fails_with_runbook_words(pytester: pytest.Pytester, closed_port: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {closed_port}}}')
    result = run(pytester, inv, "-m", "daily")
    result.assert_outcomes(failed=1, deselected=unused("port"))
    result.stdout.fnmatch_lines(
        [
            f"*[[]CRIT[]] 测试系统 / local (127.0.0.1) / 步骤 1.1 检查服务进程: port {closed_port} is not listening*",
            f"*expected: LISTEN on 127.0.0.1:{closed_port}*",
            f"*actual:   nothing listens on port {closed_port}*",
            "*异常处理: 如果发现服务有异常，根据情况重启或 kill 掉再启动即可*",
        ]
    )
    assert result.ret == 1


def test_unreachable_host_is_unknown_not_a_traceback(
    pytester: pytest.Pytester, closed_port: int
) -> None:
    dead = (
        f"      dead:\n        address: 127.0.10.250\n        connection: ssh://root@127.0.10.250:{closed_port}\n"
        "        checks:\n"
        f'          - {{step: "1.1", kind: port, port: 22}}\n'
        f'          - {{step: "1.1", kind: port, port: 80}}\n'
        f'          - {{step: "1.1", kind: process, jar: /x/App-1.0.jar}}\n'
    )
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: port, port: {closed_port}, outside: false}}',
        dead,
    )
    result = run(pytester, inv, "-m", "daily", "-k", "dead")
    # the local port case, and the empty sets of the kinds no host uses
    result.assert_outcomes(failed=3, deselected=1 + unused("port", "process"))
    out = result.stdout.str()
    assert failures(out).count("[UNKNOWN]") == 3
    assert failures(out).count("actual:   could not observe: host ssh://root@127.0.10.250:") == 3
    assert "Traceback" not in out and "RuntimeError" not in out


class Tarpit:
    """Accepts TCP connections and never says a word: a host that does not answer."""

    def __init__(self, address: str) -> None:
        self.sock = socket.create_server((address, 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def tarpit() -> Iterator[Tarpit]:
    pit = Tarpit("127.0.10.251")
    yield pit
    pit.close()


def test_silent_host_costs_one_connection(pytester: pytest.Pytester, tarpit: Tarpit) -> None:
    where = f"127.0.10.251:{tarpit.port}"
    silent = (
        "      silent:\n        address: 127.0.10.251\n"
        f"        connection: ssh://root@{where}\n"
        "        checks:\n"
        '          - {step: "1.1", kind: port, port: 22}\n'
        '          - {step: "1.1", kind: process, jar: /x/App-1.0.jar}\n'
        '          - {step: "1.1", kind: log, name: applog, path: /var/log/app.log, failure: [ERROR]}\n'
        f'          - {{step: "5.1", kind: http, name: web, url: "http://{where}/"}}\n'
    )
    inv = project(
        pytester, '          - {step: "1.1", kind: port, port: 1, outside: false}', silent
    )
    text = inv.read_text(encoding="utf-8").replace(
        "version: 1\n", "version: 1\ndefaults: {timeout: 1}\n"
    )
    inv.write_text(text, encoding="utf-8")
    result = run(pytester, inv, "-m", "daily", "-k", "silent", "-p", "no:xdist")
    result.assert_outcomes(failed=4, deselected=1 + unused("port", "process", "log", "http"))
    out = result.stdout.str()
    assert failures(out).count("[UNKNOWN]") == 4
    unreachable = f"host ssh://root@{where} unreachable:"
    assert failures(out).count(unreachable) == 6  # 3 checks x (headline, actual)
    assert "timed out" in out
    # the three checks that look through ssh share one connection attempt; the HTTP service is
    # a service of its own (ssh may be firewalled while it answers) and gets its own attempt
    assert len(tarpit.accepted) == 2, "one ssh attempt for the host, one for the HTTP service"


def test_s3_that_never_answers_is_unknown(
    pytester: pytest.Pytester, tarpit: Tarpit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_S3_SECRET", "lab-secret-value")
    where = f"127.0.10.251:{tarpit.port}"
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: s3, name: minio, endpoint: "http://{where}", '
        'access_key: admin, secret_key: "${T_S3_SECRET}", bucket: b1, timeout: 1}',
    )
    result = run(pytester, inv, "-m", "daily")
    result.assert_outcomes(failed=1, deselected=unused("s3"))
    result.stdout.fnmatch_lines(
        [f"*[[]UNKNOWN[]]*http://{where}/minio/health/live timed out after 1s*"]
    )


def test_warn_passes_and_shows_and_fail_on_warn_fails(pytester: pytest.Pytester, web: str) -> None:
    inv = project(
        pytester,
        f'          - {{step: "5.1", kind: http, name: slow, url: "{web}/", latency: {{warn: "> 0.001 ms"}}}}',
    )
    result = run(pytester, inv, "-m", "daily")
    result.assert_outcomes(passed=1, deselected=unused("http"))
    result.stdout.fnmatch_lines(
        ["*xunjian verdicts*", "*1 WARN*", "WARN *sys-local-5.1-slow*latency*"]
    )
    assert result.ret == 0
    strict = run(pytester, inv, "-m", "daily", "--fail-on-warn")
    strict.assert_outcomes(failed=1, deselected=unused("http"))
    strict.stdout.fnmatch_lines(["*[[]WARN[]]*latency*"])


BUG = """
    import pytest
    from xunjian.checks import http
    from xunjian.result import ObservationError

    @pytest.fixture(autouse=True)
    def _fault(monkeypatch):
        def observe(case):
            if case.id.endswith("-bug"):
                raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
            raise ObservationError("the host said no")
        monkeypatch.setattr(http, "observe", observe)
"""


def test_only_the_bug_is_an_internal_error_beside_an_unknown(
    pytester: pytest.Pytester, web: str
) -> None:
    """In one run, an exception from xunjian's own code fails its test with the traceback and
    is listed under "xunjian internal errors" (exit 3, see test_internal_error.py), while an
    ObservationError (the observer's documented failure) stays an UNKNOWN verdict; without the
    bug the run exits 1."""
    inv = project(
        pytester,
        f'          - {{step: "5.1", kind: http, name: bug, url: "{web}/"}}\n'
        f'          - {{step: "5.1", kind: http, name: refused, url: "{web}/"}}',
    )
    pytester.makeconftest(BUG)
    result = run(pytester, inv, "-m", "daily")
    result.assert_outcomes(failed=2, deselected=unused("http"))
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR == 3
    out = result.stdout.str()
    assert "TypeError: unsupported operand type(s) for +: 'int' and 'str'" in failures(out)
    internal = section(out, "xunjian internal errors")
    assert "1 check(s) raised from xunjian's own code (exit 3" in internal
    assert "test_http[sys-local-5.1-bug]" in internal
    assert "refused" not in internal
    assert "[UNKNOWN]" in failures(out) and "could not observe: the host said no" in failures(out)

    twin = run(pytester, inv, "-m", "daily", "-k", "refused")
    twin.assert_outcomes(failed=1, deselected=1 + unused("http"))
    assert twin.ret == pytest.ExitCode.TESTS_FAILED
    assert "xunjian internal errors" not in twin.stdout.str()


def test_kinds_without_checks_are_skipped_not_internal_errors(
    pytester: pytest.Pytester, listener: int
) -> None:
    """Without -m every test function runs; the kinds that have no case in the inventory are
    empty parameter sets, which pytest skips. A skip is not a bug in a check: exit 0."""
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    result = run(pytester, inv)
    result.assert_outcomes(passed=1, skipped=unused("port"))
    assert "xunjian internal errors" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_secret_never_reaches_output_or_reports(
    pytester: pytest.Pytester, web: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_TOKEN", SECRET)
    inv = project(
        pytester,
        f'          - step: "5.1"\n            kind: http\n            name: auth\n'
        f'            url: "{web}/"\n            secret_headers: {{Authorization: "${{T_TOKEN}}"}}\n'
        "            json: [{path: $.auth, equals: nobody}]",
    )
    html, junit = pytester.path / "r.html", pytester.path / "j.xml"
    result = run(
        pytester,
        inv,
        "-m",
        "daily",
        f"--html={html}",
        "--self-contained-html",
        f"--junitxml={junit}",
    )
    result.assert_outcomes(failed=1, deselected=unused("http"))
    out = result.stdout.str()
    assert """$.auth is "***", not 'nobody'""" in out  # observed (printed with !r), and redacted
    for text in (out, html.read_text(encoding="utf-8"), junit.read_text(encoding="utf-8")):
        assert "s3cr3t" not in text  # in no spelling: verbatim, escaped or quoted


def test_every_process_knows_every_secret_before_any_check(
    pytester: pytest.Pytester, web: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Secrets are resolved in pytest_configure, in the controller and in each xdist worker:
    a message printed before (or without) the check that uses a secret is redacted too."""
    monkeypatch.setenv("T_TOKEN", SECRET)
    monkeypatch.setenv("T_S3", "s3-secret-Zq9x")
    inv = project(
        pytester,
        f'          - {{step: "5.1", kind: http, name: auth, url: "{web}/", '
        'secret_headers: {X-Token: "${T_TOKEN}"}}\n'
        f'          - {{step: "1.1", kind: s3, name: minio, endpoint: "{web}", access_key: a, '
        'secret_key: "${T_S3}", bucket: b}',
    )
    pytester.makepyfile(
        **{
            "tests/daily/test_first": """
                import os
                from xunjian.inventory.secrets import SECRETS

                def test_secrets_known_first():
                    for var in ("T_TOKEN", "T_S3"):
                        assert SECRETS.redact(os.environ[var]) == "***", var
                """
        }
    )
    run(pytester, inv, "-k", "known_first", "-p", "no:xdist").assert_outcomes(
        passed=1, deselected=2 + unused("http", "s3")
    )
    on_worker = run(pytester, inv, "-k", "known_first", "-n", "2", "-v")
    on_worker.assert_outcomes(passed=1)
    on_worker.stdout.fnmatch_lines(["*[[]gw?[]]*PASSED*test_secrets_known_first*"])


def test_missing_secret_stops_before_any_check(
    pytester: pytest.Pytester, web: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("T_TOKEN", raising=False)
    inv = project(
        pytester,
        f'          - {{step: "5.1", kind: http, name: auth, url: "{web}/", '
        'secret_headers: {Authorization: "${T_TOKEN}"}}',
    )
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: invalid inventory {inv}:*",
            "*systems.sys.hosts.local.checks[[]0[]].secret_headers.Authorization: environment variable T_TOKEN is not set*",
        ]
    )
    for value, problem in (("Zq9", "is too short"), ("Zq9-pw\t", "holds a control character")):
        monkeypatch.setenv("T_TOKEN", value)  # resolve's rules, checked before anything runs
        unusable = run(pytester, inv, "-m", "daily")
        assert unusable.ret == pytest.ExitCode.USAGE_ERROR
        unusable.stderr.fnmatch_lines(
            [
                f"*checks[[]0[]].secret_headers.Authorization: environment variable T_TOKEN {problem}*"
            ]
        )
        assert "Zq9" not in unusable.stderr.str() + unusable.stdout.str()
    collected = run(pytester, inv, "-m", "daily", "--collect-only", "-q")  # listing needs no secret
    assert collected.ret == 0
    collected.stdout.fnmatch_lines(["*test_http?sys-local-5.1-auth?*"])


def test_collect_only_leaves_the_last_reports_alone(
    pytester: pytest.Pytester, listener: int
) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    html = pytester.path / "r.html"
    html.write_text("last night's report", encoding="utf-8")
    result = run(pytester, inv, "--collect-only", "-q", f"--html={html}", "--self-contained-html")
    assert result.ret == 0
    assert html.read_text(encoding="utf-8") == "last night's report"


def test_proxy_environment_is_not_used(
    pytester: pytest.Pytester, web: str, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check talks to the address the inventory names, never through HTTP(S)_PROXY."""
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    inv = project(pytester, f'          - {{step: "5.1", kind: http, name: direct, url: "{web}/"}}')
    run(pytester, inv, "-m", "daily").assert_outcomes(passed=1, deselected=unused("http"))


def test_malformed_inventory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    inv = project(pytester, '          - {step: "1.1", kind: port, prot: 80}')
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*systems.sys.hosts.local.checks[[]0[]].prot: unknown key*"])


@pytest.mark.parametrize(("old", "new", "message"), REJECTED)
def test_every_rejected_inventory_stops_the_run(
    pytester: pytest.Pytester, old: str, new: str, message: str
) -> None:
    """Through pytest itself: exit 4, the file, the key path and the expectation, nothing run."""
    pytester.makepyfile(**{"tests/daily/test_daily": TESTS})
    inv = pytester.path / "inv.yml"
    inv.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert f"ERROR: invalid inventory {inv}:" in err
    assert message in err
    assert "hunter2" not in (err + result.stdout.str()).lower()
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_missing_ssh_config_stops_the_run(pytester: pytest.Pytester, listener: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    text = inv.read_text(encoding="utf-8").replace(
        "connection: local://\n", "connection: local://\n        ssh_config: nowhere/ssh_config\n"
    )
    inv.write_text(text, encoding="utf-8")
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*systems.sys.hosts.local.ssh_config: no such file {pytester.path}/nowhere/ssh_config*"]
    )
    assert "passed" not in result.stdout.str()
    assert run(pytester, inv, "-m", "daily", "--collect-only", "-q").ret == 0


def test_json_path_alone_means_it_must_exist(pytester: pytest.Pytester, web: str) -> None:
    """A JSON expectation with a path only cannot pass without observing the path."""
    inv = project(
        pytester,
        f'          - {{step: "5.1", kind: http, name: there, url: "{web}/", json: [{{path: $.status}}]}}\n'
        f'          - {{step: "5.1", kind: http, name: absent, url: "{web}/", json: [{{path: $.nosuch}}]}}',
    )
    result = run(pytester, inv, "-m", "daily", "-p", "no:xdist")
    result.assert_outcomes(passed=1, failed=1, deselected=unused("http"))
    assert failures(result.stdout.str()).count("$.nosuch is missing") == 1


def test_cadences_are_the_schemas() -> None:
    """The markers and the tests/ folders follow the schema's Cadence values."""
    assert CADENCES == get_args(Cadence) == ("daily", "weekly", "biweekly")
    assert all((ROOT / "tests" / c).is_dir() for c in CADENCES)


def test_loopback_guard_refuses_to_run_far_targets(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With XUNJIAN_LOOPBACK_ONLY (set by bin/selftest) a far target stops the run before any
    connection; collecting it is still fine."""
    monkeypatch.setenv("XUNJIAN_LOOPBACK_ONLY", "1")
    far = (
        "      far:\n        address: 192.0.2.10\n        checks:\n"
        '          - {step: "1.1", kind: port, port: 22}\n'
        '          - {step: "5.1", kind: http, name: site, url: "https://service.example.com/"}\n'
    )
    inv = project(pytester, '          - {step: "1.1", kind: port, port: 1}', far)
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*XUNJIAN_LOOPBACK_ONLY is set, and these targets are not loopback:*",
            "*192.0.2.10 (2 checks, e.g. sys-far-1.1-port-22)*",
            "*service.example.com (1 checks, e.g. sys-far-5.1-site)*",
        ]
    )
    assert run(pytester, inv, "-m", "daily", "--collect-only", "-q").ret == 0


def test_loopback_guard_reads_the_ssh_config(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loopback-looking host whose ssh config sends it elsewhere is refused too."""
    monkeypatch.setenv("XUNJIAN_LOOPBACK_ONLY", "1")
    (pytester.path / "ssh_config").write_text("Host 127.0.10.9\n  HostName 192.0.2.5\n")
    alias = (
        "      alias:\n        address: 127.0.10.9\n        ssh_config: ssh_config\n"
        "        checks:\n"
        '          - {step: "1.1", kind: port, port: 22, outside: false}\n'
    )
    inv = project(pytester, '          - {step: "1.1", kind: port, port: 1}', alias)
    result = run(pytester, inv, "-m", "daily")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*192.0.2.5 (1 checks, e.g. sys-alias-1.1-port-22)*"])


def test_system_filter(pytester: pytest.Pytester, listener: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    assert run(pytester, inv, "--system", "sys", "--collect-only", "-q").ret == 0
    bad = run(pytester, inv, "--system", "nosuch")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--system nosuch: no such system (known: sys)*"])


def test_no_checks_selected_exits_5(pytester: pytest.Pytester, listener: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    assert run(pytester, inv, "-m", "weekly").ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_html_report_has_runbook_columns_and_summary(
    pytester: pytest.Pytester, closed_port: int, listener: int
) -> None:
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: port, port: {closed_port}}}\n'
        f'          - {{step: "1.1", kind: port, port: {listener}}}',
    )
    html = pytester.path / "r.html"
    run(pytester, inv, "-m", "daily", f"--html={html}", "--self-contained-html")
    text = html.read_text(encoding="utf-8")
    assert 'id="xunjian-summary"' in text
    assert '<td>sys 测试系统</td><td>1</td><td>0</td><td class="v-CRIT">1</td><td>0</td>' in text
    blob = json.loads(htmllib.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1)))  # type: ignore[union-attr]
    rows = {tid: runs[0]["resultsTableRow"] for tid, runs in blob["tests"].items()}
    failed = rows[f"tests/daily/test_daily.py::test_port[sys-local-1.1-port-{closed_port}]"]
    assert '<td class="col-verdict">CRIT</td>' in failed
    assert '<td class="col-title">检查服务进程</td>' in failed
    assert (
        '<td class="col-remedy">如果发现服务有异常，根据情况重启或 kill 掉再启动即可</td>' in failed
    )
    assert (
        '<td class="col-verdict">OK</td>'
        in rows[f"tests/daily/test_daily.py::test_port[sys-local-1.1-port-{listener}]"]
    )


def test_junit_carries_properties(pytester: pytest.Pytester, closed_port: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {closed_port}}}')
    junit = pytester.path / "j.xml"
    run(pytester, inv, "-m", "daily", f"--junitxml={junit}", "-o", "junit_family=xunit1")
    props = {p.get("name"): p.get("value") for p in ET.parse(junit).iter("property")}
    assert props["xunjian.verdict"] == "CRIT"
    assert props["xunjian.step"] == "1.1"
    assert props["xunjian.remedy"] == "如果发现服务有异常，根据情况重启或 kill 掉再启动即可"


def test_production_inventory_collects_every_runbook_row() -> None:
    """Collect only: production addresses are never contacted from here."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "daily",
            "--inventory",
            "inventory/thqh.yml",
            "--collect-only",
            "-q",
            "-o",
            "addopts=",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=run_env(),  # no PYTEST_ADDOPTS, colours or terminal width of the caller
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    golden = (
        (Path(__file__).parent / "golden" / "thqh-daily-ids.txt")
        .read_text(encoding="utf-8")
        .split()
    )
    assert ids == golden
