"""Connections belong to a run: each pytest run gets its own ssh control directory (shared by
its xdist workers), and at its end every master in it is closed (``ssh -O exit``) and the
directory removed, so the next run logs in afresh and notices a server that stopped answering.
Against a scratch sshd of our own (127.0.40.5), through pytester as a real run."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scratch import Scratch
from terminal_output import failures, run_env

from xunjian.checks import kinds
from xunjian.observe import masters

ADDRESS = "127.0.40.5"
TIMEOUT = 2
UNUSED = len(kinds()) - 1  # the empty parameter sets of the kinds other than file

CONFTEST = """
import json, os
from pathlib import Path
from xunjian.observe import masters

def pytest_sessionfinish(session):
    # before the plugin's unconfigure closes the masters: what this process saw of the run
    who = getattr(session.config, "workerinput", {}).get("workerid", "controller")
    path = os.environ.get(masters.ENV)
    seen = {"dir": path, "sockets": masters.sockets(path) if path else []}
    (Path(__file__).parent / f"seen-{who}.json").write_text(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    scratch = Scratch(tmp_path_factory.mktemp("scratch"))
    try:
        scratch.sshd(ADDRESS)
        yield scratch
    finally:
        scratch.close()


@pytest.fixture
def base() -> Iterator[Path]:
    """A short control directory of the test's own (the run directories go under it)."""
    path = Path(tempfile.mkdtemp(prefix="xjm-", dir="/tmp"))
    yield path
    for sock in Path(path).rglob("*"):
        masters.close(str(sock))
    subprocess.run(["rm", "-rf", str(path)], check=False)


def project(pytester: pytest.Pytester, config: Path) -> Path:
    pytester.makepyfile(**{"tests/daily/test_daily": "from xunjian.suite import *  # noqa: F403\n"})
    pytester.makeconftest(CONFTEST)
    inv = pytester.path / "inv.yml"
    inv.write_text(
        f"""\
version: 1
name: t
defaults: {{timeout: {TIMEOUT}}}
systems:
  sys:
    title: 测试系统
    steps:
      "1.1": {{title: 检查文件}}
    hosts:
      box:
        address: {ADDRESS}
        connection: ssh://root@{ADDRESS}:2222
        ssh_config: {config}
        checks:
          - {{step: "1.1", kind: file, name: passwd, path: /etc/passwd}}
          - {{step: "1.1", kind: file, name: group, path: /etc/group}}
""",
        encoding="utf-8",
    )
    return inv


def run(pytester: pytest.Pytester, inv: Path, base: Path, *args: str) -> pytest.RunResult:
    for old in pytester.path.glob("seen-*.json"):
        old.unlink()
    env = run_env({"XUNJIAN_SSH_CONTROL_DIR": str(base)})
    env.pop(masters.ENV, None)
    argv = ["python3", "-m", "pytest", "-p", "xunjian.plugin", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*argv, "--inventory", str(inv), "-m", "daily", "-rA", *args],
        cwd=pytester.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), [], 0.0)


def seen(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    return {
        p.stem.removeprefix("seen-"): json.loads(p.read_text())
        for p in pytester.path.glob("seen-*.json")
    }


def alive(sock: str) -> bool:
    """``ssh -O check``: is a master listening on this control socket?"""
    check = ["ssh", "-F", "/dev/null", "-o", f"ControlPath={sock}", "-O", "check", "x"]
    return subprocess.run(check, capture_output=True, timeout=10, check=False).returncode == 0


def survivors(path: str) -> list[str]:
    """Processes whose command line names the directory (an ssh master would)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if path.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def test_each_run_has_its_own_masters_and_closes_them(
    pytester: pytest.Pytester, sshd: Scratch, base: Path
) -> None:
    inv = project(pytester, sshd.root / "ssh" / "ssh_config")
    dirs = []
    for args in (["-n", "2", "--dist", "loadgroup"], ["-p", "no:xdist"]):
        result = run(pytester, inv, base, *args)
        outcomes = result.parseoutcomes()
        assert outcomes.get("passed") == 2 and "failed" not in outcomes, result.outlines
        views = seen(pytester)
        run_dir = views["controller"]["dir"]
        assert run_dir and Path(run_dir).parent == base, views
        assert {v["dir"] for v in views.values()} == {run_dir}, "workers share the run's dir"
        socks = sorted({s for v in views.values() for s in v["sockets"]})
        assert len(socks) == 1, "one master for the machine, in the run's directory"
        assert not alive(socks[0]), "closed at the end of the run (ssh -O exit)"
        assert not Path(run_dir).exists() and not survivors(run_dir)
        dirs.append(run_dir)
    assert dirs[0] != dirs[1], "a run never reuses another's masters"
    assert len(os.listdir(base)) == 0


def test_a_run_right_after_another_notices_that_logins_hang(
    pytester: pytest.Pytester, sshd: Scratch, base: Path
) -> None:
    inv = project(pytester, sshd.root / "ssh" / "ssh_config")
    run(pytester, inv, base, "-p", "no:xdist").assert_outcomes(passed=2, deselected=UNUSED)
    sshd.stop("sshd")
    try:
        start = time.monotonic()
        result = run(pytester, inv, base, "-p", "no:xdist")
        took = time.monotonic() - start
    finally:
        sshd.cont("sshd")
    result.assert_outcomes(failed=2, deselected=UNUSED)
    out = failures("\n".join(result.outlines))
    assert out.count("[UNKNOWN]") == 2
    assert out.count(f"host ssh://root@{ADDRESS}:2222 unreachable: ") >= 2
    assert "CommandResult" not in out
    assert took < TIMEOUT + 6, "one login timeout for the host (plus pytest's start)"
