"""s3: health, credentials and bucket, console login, systemd unit (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian import checks
from xunjian.checks import s3
from xunjian.checks.s3 import S3Observation
from xunjian.inventory.case import CheckCase
from xunjian.observe.host import CommandOutput
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT, UNKNOWN = Verdict.OK, Verdict.WARN, Verdict.CRIT, Verdict.UNKNOWN


S3: dict[str, Any] = {
    "kind": "s3",
    "step": "3.2",
    "name": "minio-login",
    "endpoint": "http://127.0.10.3:9000",
    "access_key": "myminioadmin",
    "secret_key": "${THQH_MINIO_SECRET_KEY}",
    "bucket": "thqh-enterprise-wechat",
    "console": {"url": "http://127.0.10.3:9001"},
    "unit": "minio.service",
}
S3_BARE = {k: v for k, v in S3.items() if k not in ("console", "unit")}


def s3_seen(
    health: str = "200",
    bucket: str = "exists",
    console: str | None = "204 token",
    unit: str | None = "active",
    unit_error: str | None = None,
) -> S3Observation:
    return S3Observation(health, bucket, console, unit, unit_error)


NO_SYSTEMCTL = "systemctl is-active failed (rc=127): timeout: failed to run command 'systemctl'"


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(S3, s3_seen(), OK, "console login 204 token", id="s3-all-good"),
        pytest.param(
            S3, s3_seen(console="200 token"), OK, "minio.service active", id="s3-console-200"
        ),
        pytest.param(
            S3,
            s3_seen(console="204"),
            CRIT,
            "console login answers 204 (expected 204 and a token)",
            id="s3-console-no-token",
        ),
        pytest.param(
            S3_BARE,
            s3_seen(console=None, unit=None),
            OK,
            "bucket exists",
            id="s3-no-console-no-unit",
        ),
        pytest.param(S3, s3_seen(health="503"), CRIT, "health answers 503", id="s3-health-503"),
        pytest.param(
            S3,
            s3_seen(health="no answer (ConnectionError)"),
            CRIT,
            "ConnectionError",
            id="s3-health-no-answer",
        ),
        pytest.param(
            S3,
            s3_seen(bucket="missing"),
            CRIT,
            "bucket thqh-enterprise-wechat missing",
            id="s3-bucket-missing",
        ),
        pytest.param(
            S3,
            s3_seen(bucket="refused: SignatureDoesNotMatch"),
            CRIT,
            "refused: SignatureDoesNotMatch",
            id="s3-credentials-refused",
        ),
        pytest.param(
            S3, s3_seen(console="401"), CRIT, "console login answers 401", id="s3-console-401"
        ),
        pytest.param(
            S3, s3_seen(unit="inactive"), CRIT, "minio.service is inactive", id="s3-unit-inactive"
        ),
        pytest.param(
            S3,
            s3_seen(unit="unknown"),
            CRIT,
            "minio.service is unknown (no such unit)",
            id="s3-unit-does-not-exist",
        ),
        pytest.param(S3, s3_seen(unit="reloading"), OK, "minio.service reloading", id="s3-reload"),
        pytest.param(
            S3,
            s3_seen(unit=None, unit_error=NO_SYSTEMCTL),
            UNKNOWN,
            "minio.service not observed: systemctl is-active failed (rc=127)",
            id="s3-unit-not-observed",
        ),
        pytest.param(
            S3,
            s3_seen(health="503", unit=None, unit_error=NO_SYSTEMCTL),
            CRIT,
            "health answers 503; minio.service not observed",
            id="s3-seen-problem-beats-unit-not-observed",
        ),
    ],
)
def test_s3(spec: dict[str, Any], obs: S3Observation, verdict: Verdict, text: str) -> None:
    step = {"title": "检查MinIO", "normal": "能用 `myminioadmin` 登录"}
    assert_result(s3.evaluate(make_case(spec, step=step), obs), verdict, text)


def test_s3_reports_every_problem() -> None:
    result = s3.evaluate(make_case(S3), s3_seen(health="503", console="401", unit="failed"))
    assert result.message == (
        "health answers 503; console login answers 401 (expected 204 and a token); "
        "minio.service is failed"
    )


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "state", "error"),
    [
        pytest.param(0, "active\n", "", "active", None, id="active"),
        pytest.param(0, "reloading\n", "", "reloading", None, id="reloading"),
        pytest.param(3, "inactive\n", "", "inactive", None, id="inactive"),
        pytest.param(3, "failed\n", "", "failed", None, id="failed"),
        pytest.param(3, "activating\n", "", "activating", None, id="activating"),
        pytest.param(3, "unknown\n", "", "unknown", None, id="no-such-unit-old-systemd"),
        pytest.param(
            127,
            "",
            "timeout: failed to run command 'systemctl': No such file or directory\n",
            None,
            "systemctl is-active failed (rc=127): timeout: failed to run command 'systemctl'",
            id="no-systemctl",
        ),
        pytest.param(
            127,
            "",
            "bash: line 1: systemctl: command not found\n",
            None,
            "(rc=127): bash: line 1: systemctl: command not found",
            id="command-not-found",
        ),
        pytest.param(
            1,
            "",
            "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
            "Failed to connect to bus: Host is down\n",
            None,
            "(rc=1): System has not been booted with systemd as init system (PID 1). Can't "
            "operate.; Failed to connect to bus: Host is down",
            id="no-systemd",
        ),
        pytest.param(124, "", "", None, "(rc=124): no output", id="timed-out"),
        pytest.param(3, "", "", None, "(rc=3): no output", id="no-state-printed"),
        pytest.param(0, "active\nactive\n", "", None, "(rc=0): active; active", id="two-states"),
    ],
)
def test_unit_state(
    rc: int, stdout: str, stderr: str, state: str | None, error: str | None
) -> None:
    seen, why = s3.unit_state(CommandOutput(rc, stdout, stderr))
    assert seen == state
    assert (why is None) if error is None else (why is not None and error in why), why


class FakeProbe:
    limit = 40.0

    def __init__(self, out: CommandOutput | None) -> None:
        self.out = out
        self.commands: list[tuple[str, tuple[object, ...]]] = []

    def run(self, command: str, *args: object) -> CommandOutput:
        self.commands.append((command, args))
        if self.out is None:
            raise ObservationError("host ssh://127.0.10.3 unreachable: Connection refused")
        return self.out


@pytest.mark.parametrize(
    ("out", "verdict", "text"),
    [
        pytest.param(CommandOutput(0, "active\n", ""), OK, "minio.service active", id="active"),
        pytest.param(
            CommandOutput(3, "inactive\n", ""), CRIT, "minio.service is inactive", id="inactive"
        ),
        pytest.param(
            CommandOutput(127, "", "bash: systemctl: command not found\n"),
            UNKNOWN,
            "minio.service not observed: systemctl is-active failed (rc=127)",
            id="no-systemctl",
        ),
        pytest.param(None, UNKNOWN, "unreachable: Connection refused", id="host-unreachable"),
    ],
)
def test_s3_unit_through_run(
    out: CommandOutput | None, verdict: Verdict, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit's branch end to end, with the endpoint's answers and the host faked."""
    probe = FakeProbe(out)
    monkeypatch.setattr(s3, "probe_for", lambda _case: probe)
    monkeypatch.setattr(s3, "_health", lambda _spec, _timeout: "200")
    monkeypatch.setattr(s3, "_bucket", lambda _spec, _timeout: "exists")
    monkeypatch.setattr(s3, "_console", lambda _spec, _timeout: "204 token")
    case: CheckCase = make_case(S3)
    assert_result(checks.run(case), verdict, text)
    assert probe.commands == [("systemctl is-active %s", ("minio.service",))]
