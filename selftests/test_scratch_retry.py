"""A scratch server that lost a port chosen free is started again, with fresh ports; any other
failure is not retried."""

from __future__ import annotations

import pytest

from xunjian.actions import ActionError
from xunjian.actions.scratch import START_ATTEMPTS, start_retrying

TAKEN = (
    "the scratch S3 server exited 1 while starting: E1125 mini.go:1244 Port allocation failed: "
    "port 35847 for Volume (specified by flag volume.port) is not available on 127.0.0.1"
)


def test_a_lost_port_is_retried_with_the_failed_attempt_undone() -> None:
    calls: list[str] = []

    def start() -> None:
        calls.append("start")
        if calls.count("start") < 3:
            raise ActionError(TAKEN)

    start_retrying(start, lambda: calls.append("undo"))
    assert calls == ["start", "undo", "start", "undo", "start"]


def test_a_port_lost_every_time_gives_up_after_the_attempts() -> None:
    calls: list[str] = []

    def start() -> None:
        calls.append("start")
        raise ActionError(TAKEN)

    with pytest.raises(ActionError, match="Port allocation failed"):
        start_retrying(start, lambda: calls.append("undo"))
    assert calls.count("start") == START_ATTEMPTS


def test_any_other_failure_is_not_retried() -> None:
    calls: list[str] = []

    def start() -> None:
        calls.append("start")
        raise ActionError("the scratch MariaDB exited 1 while starting: InnoDB: corrupt page")

    with pytest.raises(ActionError, match="corrupt page"):
        start_retrying(start, lambda: calls.append("undo"))
    assert calls == ["start"]
