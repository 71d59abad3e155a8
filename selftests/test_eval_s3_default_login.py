"""s3_default_login: MinIO must refuse its documented default login (pure evaluation, accept
and reject tables over the attempts made)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case

from xunjian.checks import s3_default_login
from xunjian.checks.s3_default_login import Attempt
from xunjian.result import Verdict

OK, CRIT, UNKNOWN = Verdict.OK, Verdict.CRIT, Verdict.UNKNOWN
DEFAULT_LOGIN: dict[str, Any] = {
    "kind": "s3_default_login",
    "name": "minio-default-login",
    "endpoint": "http://127.0.10.3:9000",
    "console": {"url": "http://127.0.10.3:9001"},
}
REFUSED = [
    Attempt("minioadmin", "S3 API", "refused (InvalidAccessKeyId)"),
    Attempt("minioadmin", "console", "refused (401)"),
]


@pytest.mark.parametrize(
    ("attempts", "verdict", "text"),
    [
        pytest.param(
            REFUSED,
            OK,
            "minioadmin via S3 API: refused (InvalidAccessKeyId); minioadmin via console: "
            "refused (401)",
            id="refused",
        ),
        pytest.param(
            [Attempt("minioadmin", "S3 API", "accepted"), REFUSED[1]],
            CRIT,
            "the default login minioadmin is accepted (S3 API): set MINIO_ROOT_USER and "
            "MINIO_ROOT_PASSWORD to a login of your own, and give mc that login",
            id="s3-accepts",
        ),
        pytest.param(
            [
                Attempt(
                    "minioadmin",
                    "S3 API",
                    "accepted (AccessDenied: logged in, but may not list buckets)",
                )
            ],
            CRIT,
            "the default login minioadmin is accepted (S3 API)",
            id="logged-in-but-denied-is-accepted",
        ),
        pytest.param(
            [REFUSED[0], Attempt("minioadmin", "console", "accepted")],
            CRIT,
            "is accepted (console)",
            id="console-accepts",
        ),
        pytest.param(
            [Attempt("minioadmin", "S3 API", "answered SlowDown")],
            UNKNOWN,
            "the S3 API neither took nor refused minioadmin: answered SlowDown",
            id="unclear",
        ),
    ],
)
def test_default_login(attempts: list[Attempt], verdict: Verdict, text: str) -> None:
    assert_result(s3_default_login.evaluate(make_case(DEFAULT_LOGIN), attempts), verdict, text)


def test_expected_and_targets() -> None:
    case = make_case(DEFAULT_LOGIN)
    assert s3_default_login.expected(case) == (
        "http://127.0.10.3:9000 and its console http://127.0.10.3:9001 refuse the default "
        "login minioadmin:minioadmin"
    )
    assert s3_default_login.targets(case) == {"127.0.10.3"}


@pytest.mark.parametrize("login", ["minioadmin", ":minioadmin", "minio admin:x", "a:"])
def test_a_login_that_is_not_user_colon_password_is_refused(login: str) -> None:
    with pytest.raises(ValueError) as err:
        make_case(DEFAULT_LOGIN | {"logins": [login]})
    assert "String should match pattern" in str(err.value) and "logins" in str(err.value)
