"""environ: per-variable rules, change detection by keyed hashes, and no value anywhere (pure
evaluate tables with an accept and a reject side; the host commands run here through sh)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from dotenv import dotenv_values
from pydantic import ValidationError
from stub_host import LocalHost, install

from xunjian.checks import env_source, environ
from xunjian.checks.env_source import EnvReading
from xunjian.checks.environ import EnvironObservation
from xunjian.inventory.case import CheckCase
from xunjian.observe.batch import Section
from xunjian.observe.envdigest import FileEnv, Seen, key_id, keyed, sha256_hex
from xunjian.observe.procs import Proc
from xunjian.result import Result, Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
KEY = b"lab-hash-key-0123456789"
JWT = "jwt-secret-value-that-is-long-enough-4242"
ENVIRON: dict[str, Any] = {
    "kind": "environ",
    "name": "env",
    "env_file": "/app/.env",
    "vars": {"NODE_ENV": {"equals": "production"}},
}
CTEA: dict[str, Any] = {
    "kind": "environ",
    "name": "env-checklist",
    "process": r"node .*dist/index\.js",
    "vars": {
        "DATABASE_URL": {},
        "NODE_ENV": {"equals": "production"},
        "JWT_SECRET": {"min_length": 32},
        "PAYMENT_PROVIDER": {"not_in": ["mock"]},
        "DATABASE_SSL_REJECT_UNAUTHORIZED": {"equals": "true", "unless": "DATABASE_CA_CERT"},
        "SENTRY_DSN": {"required": False},
    },
}
HEALTHY = {
    "DATABASE_URL": "postgres://app:pw-in-url@db/ctea",
    "NODE_ENV": "production",
    "JWT_SECRET": JWT,
    "PAYMENT_PROVIDER": "stripe",
    "DATABASE_SSL_REJECT_UNAUTHORIZED": "true",
}


def seen(env: dict[str, str], names: tuple[str, ...]) -> dict[str, Seen]:
    return {
        n: Seen(True, len(env[n].encode()), sha256_hex(env[n])) if n in env else Seen(False)
        for n in names
    }


def reading(env: dict[str, str], case: CheckCase, key: bytes | None = KEY) -> EnvReading:
    spec = case.spec
    assert isinstance(spec, environ.EnvironCheck)
    vars_ = seen(env, spec.names())
    if key is None:
        return EnvReading("pid 42 (node)", vars_, key_problem="XUNJIAN_ENV_HASH_KEY is not set")
    hashes = {n: keyed(key, s) for n, s in vars_.items()}
    return EnvReading("pid 42 (node)", vars_, "", key_id(key), "", hashes)


def judge(
    env: dict[str, str],
    check: dict[str, Any] | None = None,
    previous: dict[str, Any] | None = None,
    key: bytes | None = KEY,
) -> Result:
    case = make_case(check or CTEA)
    return environ.evaluate(case, EnvironObservation(reading(env, case, key), previous))


def memo_of(env: dict[str, str], check: dict[str, Any] | None = None) -> dict[str, Any]:
    memo = judge(env, check).memo
    assert memo is not None
    return memo


@pytest.mark.parametrize(
    ("change", "verdict", "text"),
    [
        pytest.param({}, OK, "5 of 6 set", id="healthy"),
        pytest.param({"DATABASE_URL": None}, CRIT, "DATABASE_URL is not set", id="missing"),
        pytest.param({"DATABASE_URL": ""}, CRIT, "DATABASE_URL is empty", id="empty"),
        pytest.param(
            {"NODE_ENV": "development"}, CRIT, "NODE_ENV is not 'production' (11 bytes)", id="env"
        ),
        pytest.param({"NODE_ENV": "Production"}, CRIT, "is not 'production'", id="case-counts"),
        pytest.param(
            {"JWT_SECRET": "x" * 31}, CRIT, "JWT_SECRET is 31 bytes long, fewer than 32", id="jwt"
        ),
        pytest.param({"JWT_SECRET": "y" * 32}, OK, "5 of 6 set", id="jwt-32-is-enough"),
        pytest.param(
            {"PAYMENT_PROVIDER": "mock"}, CRIT, "PAYMENT_PROVIDER is 'mock', which", id="mock"
        ),
        pytest.param(
            {"DATABASE_SSL_REJECT_UNAUTHORIZED": "false"}, CRIT, "is not 'true'", id="ssl-false"
        ),
        pytest.param(
            {"DATABASE_SSL_REJECT_UNAUTHORIZED": "false", "DATABASE_CA_CERT": "/etc/ca.pem"},
            OK,
            "5 of 6 set",
            id="ssl-waived-by-ca",
        ),
        pytest.param(
            {"DATABASE_SSL_REJECT_UNAUTHORIZED": "false", "DATABASE_CA_CERT": ""},
            CRIT,
            "is not 'true'",
            id="empty-ca-waives-nothing",
        ),
        pytest.param({"SENTRY_DSN": "https://k@sentry/1"}, OK, "6 of 6 set", id="optional-set"),
    ],
)
def test_rules(change: dict[str, str | None], verdict: Verdict, text: str) -> None:
    env = {k: v for k, v in (HEALTHY | change).items() if v is not None}
    assert_result(judge(env), verdict, text)  # a first run: no change to tell


def test_several_failures_are_all_named() -> None:
    env = HEALTHY | {"NODE_ENV": "test", "PAYMENT_PROVIDER": "mock"}
    result = judge(env)
    assert result.verdict is CRIT
    assert "NODE_ENV is not 'production'" in result.message
    assert "PAYMENT_PROVIDER is 'mock'" in result.message


def test_on_failure_warn_makes_a_failed_rule_warn() -> None:
    check = {**ENVIRON, "vars": {"SENTRY_DSN": {}}, "on_failure": "WARN"}
    assert_result(judge({}, check), WARN, "SENTRY_DSN is not set")


def test_a_missing_source_is_the_failure_verdict() -> None:
    case = make_case(CTEA)
    absent = EnvReading("the process", None, "no process matches 'node'")
    result = environ.evaluate(case, EnvironObservation(absent, None))
    assert_result(result, CRIT, "no process matches 'node'")
    assert result.memo is None


def test_first_run_remembers_keyed_hashes_only() -> None:
    result = judge(HEALTHY, previous=None)
    assert_result(result, OK, "first run: nothing to compare with yet")
    assert result.memo is not None
    assert result.memo["@key"] == key_id(KEY)
    assert result.memo["SENTRY_DSN"] is None  # not set
    assert set(result.memo) == {"@key", *CTEA["vars"]}
    assert result.memo["NODE_ENV"] != sha256_hex("production")  # keyed, not the plain digest


def test_unchanged_since_last_run_is_ok() -> None:
    assert_result(judge(HEALTHY, previous=memo_of(HEALTHY)), OK, "no change since the last run")


@pytest.mark.parametrize(
    ("now", "verdict", "text"),
    [
        pytest.param(
            HEALTHY | {"JWT_SECRET": JWT + "x"}, WARN, "changed: JWT_SECRET", id="changed"
        ),
        pytest.param(
            {k: v for k, v in HEALTHY.items() if k != "DATABASE_URL"},
            CRIT,  # the rule fails too: the worse verdict wins, both are said
            "vanished: DATABASE_URL",
            id="vanished",
        ),
        pytest.param(
            HEALTHY | {"SENTRY_DSN": "https://k@s/1"}, WARN, "appeared: SENTRY_DSN", id="new"
        ),
    ],
)
def test_changes_are_named_never_shown(now: dict[str, str], verdict: Verdict, text: str) -> None:
    result = judge(now, previous=memo_of(HEALTHY))
    assert_result(result, verdict, text)
    assert text in result.message


@pytest.mark.parametrize(("level", "verdict"), [("CRIT", CRIT), ("OK", OK)])
def test_changes_level_is_the_inventorys(level: str, verdict: Verdict) -> None:
    check = {**CTEA, "changes": level}
    now = HEALTHY | {"JWT_SECRET": JWT + "x"}
    result = judge(now, check, previous=memo_of(HEALTHY, check))
    assert result.verdict is verdict
    assert "changed: JWT_SECRET" in result.actual


def test_no_key_says_change_detection_is_not_possible() -> None:
    result = judge(HEALTHY, previous=memo_of(HEALTHY), key=None)
    assert_result(result, WARN, "change detection not possible: XUNJIAN_ENV_HASH_KEY is not set")
    assert result.memo is None


def test_a_new_key_is_not_taken_for_changed_values() -> None:
    result = judge(HEALTHY, previous=memo_of(HEALTHY), key=b"another-key-9876543210")
    assert_result(result, WARN, "the hash key is not the last run's")
    assert "changed" not in result.message


def test_no_value_reaches_result_or_memo() -> None:
    before = memo_of(HEALTHY)
    now = HEALTHY | {"JWT_SECRET": "short-but-secret-jwt", "NODE_ENV": "staging-zz"}
    result = judge(now, previous=before)
    text = json.dumps(
        [result.expected, result.actual, result.message, result.details, result.memo, repr(result)]
    )
    for value in [*HEALTHY.values(), "short-but-secret-jwt", "staging-zz"]:
        if value not in ("production", "true"):  # the inventory's own expected values
            assert value not in text
            assert sha256_hex(value) not in text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"process": "x", "env_file": "/e"}, "exactly one of process", id="both"),
        pytest.param({"process": None, "env_file": None}, "exactly one of process", id="none"),
        pytest.param({"process": "(", "env_file": None}, "process: not a regular", id="regex"),
        pytest.param({"env_file": "app/.env"}, "should match pattern '^/'", id="relative"),
        pytest.param({"vars": {}}, "at least 1 item", id="no-vars"),
        pytest.param({"vars": {"1BAD": {}}}, "should match pattern", id="bad-name"),
        pytest.param({"vars": {"A": {"equals": True}}}, "valid string", id="unquoted-true"),
        pytest.param({"vars": {"A": {"unless": "A"}}}, "cannot waive its own", id="self-waiver"),
        pytest.param({"vars": {"A": {"min_length": 0}}}, "greater than or equal to 1", id="len"),
        pytest.param({"vars": {"A": {"equal": "x"}}}, "Extra inputs", id="typo"),
        pytest.param({"changes": "INFO"}, "'OK', 'WARN' or 'CRIT'", id="changes"),
        pytest.param({"on_failure": "OK"}, "'CRIT' or 'WARN'", id="on-failure"),
    ],
)
def test_bad_inventory_input_is_named(change: dict[str, Any], error: str) -> None:
    check = {k: v for k, v in ({**ENVIRON, **change}).items() if v is not None}
    with pytest.raises(ValidationError, match=re.escape(error)):
        make_case(check)


def test_expected_says_every_rule() -> None:
    text = environ.expected(make_case(CTEA))
    for part in (
        "the process matching",
        "NODE_ENV = 'production'",
        "JWT_SECRET >= 32 bytes",
        "PAYMENT_PROVIDER not 'mock'",
        "(unless DATABASE_CA_CERT is set)",
        "SENTRY_DSN set if set",
    ):
        assert part in text


# -- the host side, through sh on this machine --------------------------------------------------


@pytest.fixture
def service(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line names a marker, with a known environment."""
    marker = tmp_path / "xunjian-environ-selftest-marker"
    marker.write_text("")
    env = {"PATH": os.environ["PATH"], **HEALTHY, "JWT_SECRET": "multi\nline\nvalue-xx\n"}
    sleep = "import time; time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", sleep, str(marker)], env=env)
    deadline = time.monotonic() + 5
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    while time.monotonic() < deadline and marker.name.encode() not in cmdline.read_bytes():
        time.sleep(0.05)
    yield proc
    proc.kill()
    proc.wait()


def test_reads_a_process_environment_on_the_host(
    monkeypatch: pytest.MonkeyPatch, service: subprocess.Popen[bytes]
) -> None:
    check = {**CTEA, "process": "sleep.*xunjian-environ-selftest-marker"}
    case = make_case(check)
    stub = LocalHost()
    install(monkeypatch, case, stub)
    monkeypatch.setenv("XUNJIAN_ENV_HASH_KEY", KEY.decode())
    monkeypatch.setattr(environ, "previous", lambda _case: None)
    obs = environ.observe(case)
    assert obs.reading.source.startswith(f"pid {service.pid} (python")
    assert obs.reading.vars is not None
    jwt = obs.reading.vars["JWT_SECRET"]
    assert jwt.length == len("multi\nline\nvalue-xx\n") and jwt.is_value("multi\nline\nvalue-xx\n")
    assert obs.reading.vars["SENTRY_DSN"] == Seen(False)
    result = environ.evaluate(case, obs)
    assert_result(result, CRIT, "JWT_SECRET is 20 bytes long, fewer than 32")
    assert len(stub.commands) == 2  # ps (with the other facts), then this pid's environ
    for value in HEALTHY.values():  # nothing of a value is on a command line sent to the host
        if value not in ("production", "true"):
            assert not any(value in c for c in stub.commands)


def test_an_env_file_on_the_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# CTEA\nexport DATABASE_URL='postgres://a:b@h/d'\nNODE_ENV=production # prod\n"
        f'JWT_SECRET="{JWT}"\nPAYMENT_PROVIDER=mock\nDATABASE_SSL_REJECT_UNAUTHORIZED=true\n'
    )
    case = make_case({**CTEA, "process": None, "env_file": str(env_file)})
    install(monkeypatch, case, LocalHost())
    monkeypatch.delenv("XUNJIAN_ENV_HASH_KEY", raising=False)
    monkeypatch.setattr(environ, "previous", lambda _case: None)
    result = environ.evaluate(case, environ.observe(case))
    assert_result(result, CRIT, "PAYMENT_PROVIDER is 'mock'")
    assert "change detection not possible" in result.message
    missing = make_case({**CTEA, "process": None, "env_file": str(tmp_path / "nope")})
    install(monkeypatch, missing, LocalHost())
    assert_result(environ.evaluate(missing, environ.observe(missing)), CRIT, "does not exist")


def test_no_process_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    case = make_case({**CTEA, "process": "no-such-program-xj-4711"})
    install(monkeypatch, case, LocalHost())
    monkeypatch.setattr(environ, "previous", lambda _case: None)
    result = environ.evaluate(case, environ.observe(case))
    assert_result(result, CRIT, "no process matches 'no-such-program-xj-4711'")


def test_own_batch_shell_never_matches() -> None:
    procs = [
        Proc(7, "sh", "sh -c printf '@@xj 1 out' ... node dist/index.js"),
        Proc(9, "node", "node /app/dist/index.js"),
        Proc(8, "node", "node /app/dist/index.js --worker"),
    ]
    assert [p.pid for p in env_source.matching(procs, r"node .*dist/index\.js")] == [8, 9]


def test_the_process_listening_on_a_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    serve = "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
    serve += "print(s.getsockname()[1], flush=True); time.sleep(60)"
    env = {"PATH": os.environ["PATH"], **HEALTHY}
    proc = subprocess.Popen([sys.executable, "-c", serve], env=env, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        case = make_case({**CTEA, "process": None, "port": port})
        install(monkeypatch, case, LocalHost())
        monkeypatch.setattr(environ, "previous", lambda _case: None)
        monkeypatch.setenv("XUNJIAN_ENV_HASH_KEY", KEY.decode())
        obs = environ.observe(case)
        assert obs.reading.source.startswith(f"pid {proc.pid} (python")
        assert_result(environ.evaluate(case, obs), OK, "5 of 6 set")
    finally:
        proc.kill()
        proc.wait()
    case = make_case({**CTEA, "process": None, "port": port})
    install(monkeypatch, case, LocalHost())
    assert_result(
        environ.evaluate(case, environ.observe(case)), CRIT, f"nothing listens on port {port}"
    )


DOTENV = """# comment
export A=plain value # comment
B='single # not a comment'
C="dq \\"esc\\" \\n newline"
 D = spaced
E="multi
line"
A=second wins
F=
G=#hash
H="x" # trailing
I=a#b
J=crlf\r
"""


@pytest.mark.parametrize("awk", [a for a in ("mawk", "gawk", "nawk") if shutil.which(a)])
def test_the_env_file_parser_reads_as_python_dotenv_does(awk: str, tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(DOTENV.encode())
    want = dotenv_values(path, interpolate=False)
    names = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "NOT_THERE")
    fact = FileEnv(str(path), names)
    done = subprocess.run(
        ["sh", "-c", fact.command().replace("awk -v", f"{awk} -v")],
        capture_output=True,
        text=True,
        check=False,
    )
    got = fact.parse(Section(done.returncode, done.stdout, done.stderr))
    assert got is not None
    for name in names:
        value = want.get(name)
        if value is None:
            assert not got[name].present, name
        else:
            assert got[name].is_value(value) and got[name].length == len(value.encode()), name
