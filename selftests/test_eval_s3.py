"""s3: health, credentials and bucket, console login, systemd unit (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from stub_host import LocalHost, Refusing, install

from xunjian import checks
from xunjian.checks import s3
from xunjian.checks.s3 import S3Observation
from xunjian.inventory.case import CheckCase
from xunjian.result import Verdict

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


NO_SYSTEMCTL = (
    "`systemctl is-active -- minio.service` failed (rc=127): "
    "timeout: failed to run command 'systemctl'"
)


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
            "minio.service not observed: `systemctl is-active -- minio.service` failed (rc=127)",
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


# The unit's state table (UnitState's parse) is in test_facts.py; here the unit's branch runs
# end to end through checks.run: a real HostProbe and its batch script, run by sh on this
# machine with a fake systemctl first on PATH, and the endpoint's answers faked.
ACTIVE = "echo active"
INACTIVE = "echo inactive; exit 3"
NOT_FOUND = "echo 'sh: 1: systemctl: not found' >&2; exit 127"


@pytest.mark.parametrize(
    ("systemctl", "verdict", "text"),
    [
        pytest.param(ACTIVE, OK, "minio.service active", id="active"),
        pytest.param(INACTIVE, CRIT, "minio.service is inactive", id="inactive"),
        pytest.param(
            NOT_FOUND,
            UNKNOWN,
            "minio.service not observed: `systemctl is-active -- minio.service` failed "
            "(rc=127): sh: 1: systemctl: not found",
            id="no-systemctl",
        ),
        pytest.param(
            None,
            UNKNOWN,
            "minio.service not observed: host ssh://127.0.10.1 unreachable: "
            "ssh: connect to host 127.0.10.1 port 22: Connection refused",
            id="host-unreachable",
        ),
    ],
)
def test_s3_unit_through_run(
    systemctl: str | None,
    verdict: Verdict,
    text: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    fake = tmp_path / "systemctl"
    fake.write_text(f"#!/bin/sh\n{systemctl}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(s3, "_health", lambda _spec, _timeout: "200")
    monkeypatch.setattr(s3, "_bucket", lambda _spec, _timeout: "exists")
    monkeypatch.setattr(s3, "_console", lambda _spec, _timeout: "204 token")
    case: CheckCase = make_case(S3)
    stub = LocalHost({"PATH": f"{tmp_path}:/usr/bin:/bin"}) if systemctl else Refusing()
    probe = install(monkeypatch, case, stub)
    assert_result(checks.run(case), verdict, text)
    assert probe.round_trips == 1  # the unit's state came with the host's one batch
    if isinstance(stub, LocalHost):
        (command,) = stub.commands
        assert "systemctl is-active -- minio.service" in command
