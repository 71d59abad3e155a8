"""unit: a systemd unit active, enabled, Restart=always, its workers there, and its restart
count not climbing since the last run's memo (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import unit
from xunjian.checks.unit import UnitObservation, UnitShow
from xunjian.observe.batch import Section
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
UNIT: dict[str, Any] = {
    "kind": "unit",
    "unit": "datasync",
    "children": 2,
    "restarts": {"warn": "> 0", "crit": "> 3"},
}
HEALTHY = {"LoadState": "loaded", "ActiveState": "active", "SubState": "running", "UnitFileState": "enabled",
           "Restart": "always", "NRestarts": "5", "MainPID": "4242", "Children": "2"}  # fmt: skip


def judge(previous: dict[str, Any] | None = None, **props: str) -> Any:
    return unit.evaluate(make_case(UNIT), UnitObservation(HEALTHY | props, previous))


@pytest.mark.parametrize(
    ("props", "previous", "verdict", "text"),
    [
        ({}, None, OK, "first run"),
        ({}, {"NRestarts": 5}, OK, "+0 since the last run"),
        (
            {"NRestarts": "6"},
            {"NRestarts": 5},
            WARN,
            "restarted 1 time(s) since the last run (NRestarts 5 -> 6)",
        ),
        ({"NRestarts": "9"}, {"NRestarts": 5}, CRIT, "restarted 4 time(s)"),
        ({"NRestarts": "1"}, {"NRestarts": 5}, WARN, "restarted 1 time(s)"),  # a reset count
        (
            {"ActiveState": "activating", "SubState": "auto-restart"},
            None,
            CRIT,
            "is activating (auto-restart), not active",
        ),
        ({"ActiveState": "inactive", "SubState": "dead"}, {"NRestarts": 5}, CRIT, "not active"),
        (
            {"UnitFileState": "disabled"},
            None,
            CRIT,
            "is disabled, not enabled: it will not start at boot",
        ),
        ({"Restart": "no"}, None, CRIT, "Restart=no, not always"),
        ({"Children": "1"}, None, CRIT, "has 1 child process(es), not 2"),
        ({"LoadState": "not-found"}, None, CRIT, "no unit datasync"),
    ],
)
def test_unit(
    props: dict[str, str], previous: dict[str, Any] | None, verdict: Verdict, text: str
) -> None:
    result = judge(previous, **props)
    assert_result(result, verdict, text)
    assert result.memo == {"NRestarts": int(props.get("NRestarts", "5")), "MainPID": 4242}


def test_show_output_is_parsed_and_a_failure_named() -> None:
    fact = UnitShow("systemctl", "datasync")
    out = "ActiveState=active\nNRestarts=0\nMainPID=7\nChildren=2\n"
    assert fact.parse(Section(0, out, ""))["Children"] == "2"
    with pytest.raises(ObservationError, match="rc=127"):
        fact.parse(Section(127, "", "sh: systemctl: not found"))
    with pytest.raises(ObservationError, match="no ActiveState"):
        fact.parse(Section(0, "garbage\n", ""))


def test_restarts_take_plain_numbers() -> None:
    with pytest.raises(ValueError, match="restarts takes plain numbers"):
        make_case(UNIT | {"restarts": {"warn": "> 1 s"}})
