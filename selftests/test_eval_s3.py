"""s3: health, credentials and bucket, console login, systemd unit (pure evaluation, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import s3
from xunjian.checks.s3 import S3Observation
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
) -> S3Observation:
    return S3Observation(health, bucket, console, unit)


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
