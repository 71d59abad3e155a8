"""process: the runbook's jar runs and owns its port (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import process
from xunjian.checks.process import ProcessObservation
from xunjian.observe.procs import Proc
from xunjian.observe.sockets import Listener
from xunjian.result import Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


JAR = "ProcessServer-0.0.1-SNAPSHOT.jar"
PROCESS: dict[str, Any] = {"kind": "process", "jar": f"/usr/local/my/{JAR}", "port": 8083}
JAVA = Proc(2000, "java", f"java -Xmx1g -jar /usr/local/my/{JAR}")
MINE = Listener("*", 8083, (("java", 2000),))
OTHER = Listener("0.0.0.0", 8083, (("java", 3000),))


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(
            PROCESS,
            ProcessObservation((JAVA,), (MINE,)),
            OK,
            "listening on *:8083",
            id="process-running-owns-port",
        ),
        pytest.param(
            PROCESS,
            ProcessObservation((JAVA,), (MINE,)),
            OK,
            f"pid 2000: java /usr/local/my/{JAR}",
            id="process-reports-jar-path",
        ),
        pytest.param(
            PROCESS | {"port": None},
            ProcessObservation((JAVA,), ()),
            OK,
            "pid 2000",
            id="process-no-port-configured",
        ),
        pytest.param(
            PROCESS,
            ProcessObservation((), (OTHER,)),
            CRIT,
            f"{JAR} is not running",
            id="process-not-running",
        ),
        pytest.param(
            PROCESS,
            ProcessObservation((JAVA,), (OTHER,)),
            CRIT,
            "java[3000]",
            id="process-port-owned-by-other-pid",
        ),
        pytest.param(
            PROCESS,
            ProcessObservation((JAVA,), (OTHER,)),
            CRIT,
            "does not listen on 8083",
            id="process-port-owned-by-other-pid-message",
        ),
        pytest.param(
            PROCESS,
            ProcessObservation((JAVA,), ()),
            CRIT,
            "port 8083: nothing",
            id="process-port-not-listening",
        ),
    ],
)
def test_process(
    spec: dict[str, Any], obs: ProcessObservation, verdict: Verdict, text: str
) -> None:
    assert_result(process.evaluate(make_case(spec), obs), verdict, text)


def test_process_owners_not_visible_is_unknown() -> None:
    obs = ProcessObservation((JAVA,), (Listener("*", 8083, ()),))
    assert process.evaluate(make_case(PROCESS), obs).verdict is UNKNOWN


@pytest.mark.parametrize(
    ("spec", "args", "listeners", "verdict"),
    [
        pytest.param(
            PROCESS,
            f"java -jar /usr/local/my/{JAR} --spring.datasource.password=s3cret",
            (MINE,),
            OK,
            id="ok",
        ),
        pytest.param(
            PROCESS,
            f"java -jar /usr/local/my/{JAR} --spring.datasource.password=s3cret",
            (OTHER,),
            CRIT,
            id="other-pid",
        ),
        pytest.param(
            PROCESS | {"port": None},
            f"java -Dspring.datasource.password=s3cret -cp lib/a.jar:/usr/local/my/{JAR} Main",
            (),
            OK,
            id="classpath-no-port",
        ),
    ],
)
def test_process_never_reports_other_arguments(
    spec: dict[str, Any], args: str, listeners: tuple[Listener, ...], verdict: Verdict
) -> None:
    result = process.evaluate(
        make_case(spec), ProcessObservation((Proc(2000, "java", args),), listeners)
    )
    assert result.verdict is verdict
    assert JAR in result.actual
    assert "s3cret" not in repr(result)
