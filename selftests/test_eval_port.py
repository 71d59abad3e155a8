"""port: listening on the host and reachable from the runner (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import port
from xunjian.checks.port import PortObservation
from xunjian.observe.sockets import Listener, bound_for
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


PORT: dict[str, Any] = {"kind": "port", "port": 3306, "process": ["mysqld", "mariadbd"]}
MARIADB = (("mariadbd", 1500),)
REFUSED = "connect to 127.0.10.1:3306 failed: Connection refused"
TIMED_OUT = "connect to 127.0.10.1:3306 timed out after 5s"


def listening(
    address: str = "127.0.10.1",
    owners: tuple[tuple[str, int], ...] = MARIADB,
    error: str | None = None,
    timed_out: bool = False,
) -> PortObservation:
    return PortObservation((Listener(address, 3306, owners),), error, timed_out)


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(PORT, listening(), OK, "127.0.10.1:3306 (mariadbd[1500])", id="port-ok"),
        pytest.param(PORT, listening(), OK, "outside: connect ok", id="port-ok-outside"),
        pytest.param(PORT, listening("0.0.0.0"), OK, "0.0.0.0:3306", id="port-wildcard-bind"),
        pytest.param(PORT, listening("[::]"), OK, "[::]:3306", id="port-ipv6-wildcard-bind"),
        pytest.param(
            PORT | {"bind": ["127.0.0.1"]},
            listening("127.0.0.1"),
            OK,
            "127.0.0.1:3306",
            id="port-declared-bind",
        ),
        pytest.param(
            PORT | {"process": None},
            listening(owners=()),
            OK,
            "owner not visible",
            id="port-owner-not-required",
        ),
        pytest.param(
            PORT | {"outside": False}, listening(), OK, "mariadbd[1500]", id="port-inside-only"
        ),
        pytest.param(
            PORT,
            PortObservation((), None),
            CRIT,
            "port 3306 is not listening",
            id="port-not-listening",
        ),
        pytest.param(
            PORT,
            PortObservation(
                tuple(bound_for([Listener("127.0.10.2", 3306, MARIADB)], 3306, {"127.0.10.1"})),
                None,
            ),
            CRIT,
            "nothing listens on port 3306",
            id="port-bound-to-another-address",
        ),
        pytest.param(
            PORT, listening(owners=(("java", 2000),)), CRIT, "owned by java", id="port-wrong-owner"
        ),
        pytest.param(
            PORT,
            listening(owners=()),
            UNKNOWN,
            "owners are not visible",
            id="port-owners-not-visible",
        ),
        pytest.param(
            PORT, listening(error=REFUSED), CRIT, "Connection refused", id="port-outside-refused"
        ),
        pytest.param(
            PORT,
            listening(error=REFUSED),
            CRIT,
            "not reachable from the runner",
            id="port-outside-refused-message",
        ),
        pytest.param(
            PORT,
            listening(error=TIMED_OUT, timed_out=True),
            UNKNOWN,
            "timed out",
            id="port-outside-timed-out",
        ),
    ],
)
def test_port(spec: dict[str, Any], obs: PortObservation, verdict: Verdict, text: str) -> None:
    assert_result(port.evaluate(make_case(spec), obs), verdict, text)


def test_port_expected_names_owners_and_outside() -> None:
    case = make_case(PORT)
    result = port.evaluate(case, PortObservation((), None))
    assert result.expected == port.expected(case)
    assert "127.0.10.1:3306" in result.expected
    assert "owned by mysqld|mariadbd" in result.expected
    assert "TCP connect from the runner" in result.expected
    assert "TCP connect" not in port.expected(make_case(PORT | {"outside": False}))


def test_not_listening_names_where_else_the_port_is_bound() -> None:
    elsewhere = (Listener("127.0.0.1", 3306, MARIADB),)
    result = port.evaluate(make_case(PORT), PortObservation((), REFUSED, False, elsewhere))
    assert result.verdict is CRIT
    assert "nothing listens on port 3306 at 127.0.10.1" in result.actual
    assert "bound only elsewhere: 127.0.0.1:3306 (mariadbd[1500])" in result.actual
