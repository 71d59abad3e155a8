"""Threads spawning processes while another thread rewrites the environment, as pytest does."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHURN = textwrap.dedent(
    """
    import os, subprocess, sys, threading
    if sys.argv[1] == "xunjian":
        import xunjian.plugin  # noqa: F401 - importing the plugin applies the fix
    stop = False
    def churn():
        i = 0
        while not stop:  # what pytest does around every test phase
            os.environ["PYTEST_CURRENT_TEST"] = "x" * (i % 50)
            i += 1
            del os.environ["PYTEST_CURRENT_TEST"]
    errors = []
    def spawn():
        for _ in range(100):
            try:
                subprocess.Popen("true", shell=True, start_new_session=True).wait()
            except OSError as e:
                errors.append(e)
    t = threading.Thread(target=churn)
    t.start()
    spawners = [threading.Thread(target=spawn) for _ in range(3)]
    for s in spawners:
        s.start()
    for s in spawners:
        s.join()
    stop = True
    t.join()
    print(len(errors), repr(errors[:1]))
    """
)


def spawn_errors(mode: str) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHURN, mode], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    count, _, first = out.stdout.strip().partition(" ")
    return int(count), first


def test_plugin_spawns_safely_while_the_environment_changes() -> None:
    count, first = spawn_errors("xunjian")
    assert count == 0, f"{count} spawns failed, first: {first}"


def test_the_race_is_real_on_this_python() -> None:
    """The twin: without the fix the same churn breaks spawning (where vfork drops the GIL)."""
    count, first = spawn_errors("plain")
    if count == 0:
        pytest.skip(f"Python {sys.version.split()[0]} does not show the vfork race here")
    assert "Bad address" in first
