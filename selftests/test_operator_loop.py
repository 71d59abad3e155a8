"""The run's loop, end to end in pytester: history across runs, the textfile, --due, env_file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import test_plugin
from prometheus_client.parser import text_string_to_metric_families
from test_plugin import project, run, unused

from xunjian.inventory.envfile import apply
from xunjian.inventory.errors import InventoryError

listener = test_plugin.listener  # the fixtures, shared
closed_port = test_plugin.closed_port


def test_failing_since_across_three_runs_then_recovered(
    pytester: pytest.Pytester, closed_port: int, listener: int
) -> None:
    inv = project(
        pytester, f'          - {{step: "1.1", kind: port, port: {closed_port}, name: app}}'
    )
    db = pytester.path / "h.sqlite"
    junit = pytester.path / "j.xml"
    for _ in range(3):
        run(pytester, inv, "-m", "daily", f"--history={db}", f"--junitxml={junit}")
    text = junit.read_text(encoding="utf-8")
    assert 'name="xunjian.history" value="failing since ' in text
    assert "(3 runs)" in text
    healed = inv.read_text(encoding="utf-8").replace(str(closed_port), str(listener))
    inv.write_text(healed, encoding="utf-8")
    result = run(pytester, inv, "-m", "daily", f"--history={db}", f"--junitxml={junit}")
    result.assert_outcomes(passed=1, deselected=unused("port"))
    assert 'name="xunjian.history" value="recovered"' in junit.read_text(encoding="utf-8")
    (cid,) = re.findall(r'name="test_port\[([^]]+)\]', junit.read_text(encoding="utf-8"))
    shown = pytester.run("python3", "-m", "xunjian.history", "show", "--db", str(db), cid)
    assert shown.ret == 0, shown.stderr.str()
    assert [line.split()[2] for line in shown.stdout.lines[1:] if line.strip()] == [
        "OK", "CRIT", "CRIT", "CRIT"
    ]  # fmt: skip


def test_textfile_parses_with_prometheus_client(
    pytester: pytest.Pytester, closed_port: int, listener: int
) -> None:
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: port, port: {closed_port}}}\n'
        f'          - {{step: "1.1", kind: port, port: {listener}}}',
    )
    prom = pytester.path / "x.prom"
    run(pytester, inv, "-m", "daily", f"--textfile={prom}", f"--history={pytester.path / 'h'}")
    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    samples = {s.labels["check"]: s.value for s in families["xunjian_check_verdict"].samples}
    assert samples == {
        f"sys-local-1.1-port-{closed_port}": 2.0,  # CRIT
        f"sys-local-1.1-port-{listener}": 0.0,  # OK
    }
    assert {s.labels["step"] for s in families["xunjian_check_verdict"].samples} == {"1.1"}


@pytest.mark.parametrize(
    ("today", "due"),
    [
        ("2026-11-23", {"daily", "weekly"}),  # a Monday
        ("2026-11-24", {"daily"}),
        ("2026-11-27", {"daily", "biweekly"}),  # the anchor's Friday
        ("2026-12-04", {"daily"}),  # the other Friday
        ("2026-12-11", {"daily", "biweekly"}),
    ],
)
def test_due_selects_the_cadences_of_the_day(
    pytester: pytest.Pytester, listener: int, today: str, due: set[str]
) -> None:
    inv = project(
        pytester,
        f'          - {{step: "1.1", kind: port, port: {listener}}}\n'
        f'          - {{step: "9.1", kind: port, port: {listener}, name: every-monday}}\n'
        f'          - {{step: "9.2", kind: port, port: {listener}, name: fortnight}}',
    )
    text = inv.read_text(encoding="utf-8")
    text = text.replace(
        '      "9.1": {title: 每周补录, cadence: weekly}',
        '      "9.1": {title: 每周补录, cadence: weekly}\n'
        '      "9.2": {title: 备份, cadence: biweekly}',
    ).replace("name: t\n", "name: t\nschedule: {biweekly_anchor: 2026-11-27}\n")
    inv.write_text(text, encoding="utf-8")
    for cadence in ("weekly", "biweekly"):
        pytester.makepyfile(
            **{
                f"tests/{cadence}/test_{cadence}": (
                    pytester.path / "tests/daily/test_daily.py"
                ).read_text()
            }
        )
    result = run(pytester, inv, "--due", f"--today={today}", "--collect-only", "-q")
    listed = result.stdout.str()
    assert ("every-monday" in listed) is ("weekly" in due)
    assert ("fortnight" in listed) is ("biweekly" in due)
    assert f"sys-local-1.1-port-{listener}" in listed


def test_due_rejects_a_bad_date(pytester: pytest.Pytester, listener: int) -> None:
    inv = project(pytester, f'          - {{step: "1.1", kind: port, port: {listener}}}')
    result = run(pytester, inv, "--due", "--today=2026-11-31", "--collect-only")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--today*2026-11-31*"])


def test_env_file_fills_what_is_not_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "lab.env"
    env.write_text("XJ_T_A=from-file\nXJ_T_B=from-file\n")
    env.chmod(0o600)
    monkeypatch.setenv("XJ_T_A", "already-set")
    monkeypatch.delenv("XJ_T_B", raising=False)
    assert apply(tmp_path / "inv.yml", "lab.env") == ["XJ_T_B"]
    assert os.environ["XJ_T_A"] == "already-set"
    assert os.environ["XJ_T_B"] == "from-file"
    monkeypatch.delenv("XJ_T_B")


@pytest.mark.parametrize(("mode", "said"), [(0o640, "mode 640"), (0o604, "mode 604")])
def test_env_file_that_others_can_read_is_refused(tmp_path: Path, mode: int, said: str) -> None:
    env = tmp_path / "lab.env"
    env.write_text("XJ_T_C=secret\n")
    env.chmod(mode)
    with pytest.raises(InventoryError, match=f"{said} lets others read or change it: chmod 600"):
        apply(tmp_path / "inv.yml", "lab.env")
    assert "XJ_T_C" not in os.environ


def test_env_file_missing_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=r"env_file: .*nope\.env: cannot read it"):
        apply(tmp_path / "inv.yml", "nope.env")
