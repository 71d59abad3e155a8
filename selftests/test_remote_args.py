"""Every user value that reaches a remote command line arrives as one argument and cannot be
taken as an option: each fact's command is run by a real ``sh`` with stub programs that print
the argv they were given, for hostile values (an option, a command substitution, a separator,
a newline, quotes)."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from xunjian.observe.curl import HostRequest
from xunjian.observe.facts import Fact, Stat, Tail, UnitState
from xunjian.observe.sqlite import SqliteQuery

HOSTILE = [
    "-H user@elsewhere",
    "--host=evil",
    "$(touch /tmp/xunjian-pwned)",
    "`touch /tmp/xunjian-pwned`",
    "a; touch /tmp/xunjian-pwned",
    "a\ntouch /tmp/xunjian-pwned",
    'it\'s "quoted"',
    "*",
]
STUB = '#!/bin/sh\nprintf "%s\\0" "$@" > "$STUB_OUT/$(basename "$0")"\n'


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    """A PATH where tail, stat, systemctl, curl, python3 and date only print their argv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("tail", "stat", "systemctl", "curl", "python3", "date", "head"):
        f = bin_dir / name
        f.write_text(STUB if name != "head" else "#!/bin/sh\ncat\n", encoding="utf-8")
        f.chmod(f.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def argv_of(fact: Fact[object], stubs: Path, program: str) -> list[str]:
    """The argv ``program`` received when the fact's command ran (the file tests see it exist)."""
    out_dir = stubs.parent / "argv"
    out_dir.mkdir(exist_ok=True)
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "HOME": "/tmp", "STUB_OUT": str(out_dir)}
    subprocess.run(["sh", "-c", fact.command()], capture_output=True, env=env, timeout=10)
    assert not Path("/tmp/xunjian-pwned").exists(), "a value was run as a command"
    return (out_dir / program).read_text(encoding="utf-8").split("\0")[:-1]


@pytest.fixture
def existing(tmp_path: Path) -> Callable[[str], str]:
    """A path named after the hostile value that exists (so tail/stat are reached)."""

    def make(value: str) -> str:
        safe = tmp_path / "files"
        safe.mkdir(exist_ok=True)
        p = safe / value.replace("/", "_")
        p.write_text("x\n", encoding="utf-8")
        return str(p)

    return make


@pytest.mark.parametrize("value", HOSTILE)
def test_tail_gets_the_path_after_double_dash(
    value: str, stubs: Path, existing: Callable[[str], str]
) -> None:
    path = existing(value)
    assert argv_of(Tail(path, 40), stubs, "tail") == ["-n", "40", "--", path]


@pytest.mark.parametrize("value", HOSTILE)
def test_stat_gets_the_path_after_double_dash(
    value: str, stubs: Path, existing: Callable[[str], str]
) -> None:
    path = existing(value)
    assert argv_of(Stat(path), stubs, "stat") == ["-L", "-c", "%s %Y %F", "--", path]


@pytest.mark.parametrize("value", HOSTILE)
def test_systemctl_gets_the_unit_after_double_dash(value: str, stubs: Path) -> None:
    assert argv_of(UnitState(value), stubs, "systemctl") == ["is-active", "--", value]


@pytest.mark.parametrize("value", HOSTILE)
def test_curl_gets_the_url_after_double_dash_and_headers_as_values(value: str, stubs: Path) -> None:
    fact = HostRequest("GET", f"http://127.0.0.1/{value}", (("X-Probe", value),), 5, True)
    argv = argv_of(fact, stubs, "curl")
    assert argv[-2:] == ["--", f"http://127.0.0.1/{value}"]
    assert argv[argv.index("--header") + 1] == f"X-Probe: {value}"


@pytest.mark.parametrize("value", HOSTILE)
def test_sqlite_gets_path_and_statement_as_script_arguments(value: str, stubs: Path) -> None:
    argv = argv_of(
        SqliteQuery(f"/data/{value}.db", f"SELECT '{value}'", 1000, 10), stubs, "python3"
    )
    assert argv[0] == "-c"
    assert argv[2:] == [f"/data/{value}.db", f"SELECT '{value}'", "1000", "10"]


def test_stub_path_is_clean() -> None:
    assert not os.path.exists("/tmp/xunjian-pwned")


def test_debug_logging_never_carries_a_hosts_command_output(pytester: pytest.Pytester) -> None:
    """testinfra logs each command's whole output at DEBUG; the batch holds the host's process
    list and log tails. A failing check at log level DEBUG shows none of it."""
    root = Path(__file__).resolve().parent.parent
    pytester.makepyfile(
        **{"tests/daily/test_daily": (root / "tests/daily/test_daily.py").read_text("utf-8")}
    )
    inv = pytester.path / "inv.yml"
    inv.write_text(
        "version: 1\nname: t\nsystems:\n  sys:\n    title: t\n"
        "    steps: {'1.1': {title: x}}\n    hosts:\n      local:\n"
        "        address: 127.0.0.1\n        connection: local://\n        checks:\n"
        "          - {step: '1.1', kind: process, jar: /nope/xunjian-canary.jar}\n",
        encoding="utf-8",
    )
    result = pytester.runpytest_subprocess(
        "-p", "xunjian.plugin", f"--inventory={inv}", "-p", "no:cacheprovider", "-m", "daily",
        "-o", "log_level=DEBUG", "--log-level=DEBUG", "-rA", timeout=120,
    )  # fmt: skip
    assert result.ret == 1
    out = result.stdout.str()
    assert "xunjian-canary.jar is not running" in out
    assert "RUN CommandResult" not in out and "@@xj" not in out
    assert (
        "pytest"
        not in out.split("FAILURES", 1)[-1].split("short test summary")[0].replace("pytester", "")
        or "Captured log" not in out
    )


@pytest.mark.parametrize("unit", ["-H user@elsewhere", "--host=evil", "minio.service; reboot", ""])
def test_a_unit_that_is_not_a_unit_name_is_refused_at_load(unit: str) -> None:
    from cases import make_case
    from pydantic import ValidationError

    spec = {
        "kind": "s3",
        "name": "minio",
        "endpoint": "http://127.0.0.1:9000",
        "access_key": "k",
        "secret_key": "${S3_SECRET}",
        "bucket": "b",
        "unit": unit,
    }
    with pytest.raises(ValidationError, match="unit"):
        make_case(spec)


def test_a_unit_name_with_an_instance_is_accepted() -> None:
    from cases import make_case

    spec = {
        "kind": "s3",
        "name": "minio",
        "endpoint": "http://127.0.0.1:9000",
        "access_key": "k",
        "secret_key": "${S3_SECRET}",
        "bucket": "b",
        "unit": "minio@data-1.service",
    }
    assert make_case(spec).spec.unit == "minio@data-1.service"  # type: ignore[attr-defined]
