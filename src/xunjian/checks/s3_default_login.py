"""s3_default_login: the MinIO root login is not the default pair. Runbook 000 part 3 sets up
``mc`` with ``minioadmin minioadmin``: a server that still takes that pair gives its data to
anyone who has read MinIO's documentation. Observed by trying it: a signed S3 request (list
buckets) and, if given, the console's login; the pair working is CRIT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from pydantic import Field

from xunjian.checks.s3 import ConsoleLogin
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, Url
from xunjian.inventory.model import CheckBase
from xunjian.observe import web
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError, Result, Verdict

ORDER = 65
REFUSED = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})
PUBLIC = "minioadmin:minioadmin"  # MinIO's documented default root login


Login = Annotated[str, Field(pattern=r"^[^:\s]+:\S+$", description="USER:PASSWORD")]


class S3DefaultLoginCheck(CheckBase):
    kind: Literal["s3_default_login"]
    name: Ident
    endpoint: Url
    console: ConsoleLogin | None = None
    logins: list[Login] = Field(
        default_factory=lambda: [PUBLIC],
        min_length=1,
        description="public default logins to try, USER:PASSWORD (documented defaults, never "
        "a real secret)",
    )


SPEC = S3DefaultLoginCheck


@dataclass(frozen=True)
class Attempt:
    login: str  # USER (the pair's public user name)
    via: str  # "S3 API" or "console"
    answer: str  # "accepted", "accepted (AccessDenied ...)", "refused (CODE)", or what came


def _spec(case: CheckCase) -> S3DefaultLoginCheck:
    return spec_of(case, S3DefaultLoginCheck)


def _pairs(spec: S3DefaultLoginCheck) -> list[tuple[str, str]]:
    return [(login.partition(":")[0], login.partition(":")[2]) for login in spec.logins]


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    where = f"{spec.endpoint}" + (f" and its console {spec.console.url}" if spec.console else "")
    return f"{where} refuse the default login {', '.join(spec.logins)}"


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    return len(spec.logins) * (2 + (1 if spec.console else 0)) * case.timeout


def facts(case: CheckCase) -> list[Fact[Any]]:
    return []


def targets(case: CheckCase) -> set[str]:
    spec = _spec(case)
    found = {urlsplit(spec.endpoint).hostname or ""}
    if spec.console:
        found.add(urlsplit(spec.console.url).hostname or "")
    return found


def _s3(endpoint: str, user: str, password: str, timeout: float) -> str:
    url = urlsplit(endpoint)
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=urllib3.Retry(total=0)
    )
    client = Minio(url.netloc, user, password, secure=url.scheme == "https", http_client=http)
    try:
        client.list_buckets()
    except S3Error as e:
        if e.code in REFUSED:
            return f"refused ({e.code})"
        if e.code == "AccessDenied":  # the signature was good: logged in, not allowed to list
            return "accepted (AccessDenied: logged in, but may not list buckets)"
        return f"answered {e.code}"
    except MinioException as e:
        return f"answered {type(e).__name__}"
    except (urllib3.exceptions.HTTPError, OSError) as e:
        raise ObservationError(f"{endpoint}: no answer ({type(e).__name__})") from None
    return "accepted"


def _console(url: str, user: str, password: str, timeout: float) -> str:
    try:
        with (
            web.session() as http,
            http.post(
                url,
                json={"accessKey": user, "secretKey": password},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as r,
        ):
            if r.status_code in (200, 204) and "token" in r.cookies:
                return "accepted"
            return (
                f"refused ({r.status_code})" if r.status_code in (401, 403) else str(r.status_code)
            )
    except requests.RequestException as e:
        raise ObservationError(f"{url}: no answer ({type(e).__name__})") from None


def observe(case: CheckCase) -> list[Attempt]:
    spec = _spec(case)
    attempts = []
    for user, password in _pairs(spec):
        attempts.append(Attempt(user, "S3 API", _s3(spec.endpoint, user, password, case.timeout)))
        if spec.console:
            url = spec.console.url.rstrip("/") + spec.console.path
            attempts.append(Attempt(user, "console", _console(url, user, password, case.timeout)))
    return attempts


def evaluate(case: CheckCase, attempts: list[Attempt]) -> Result:
    exp = expected(case)
    actual = "; ".join(f"{a.login} via {a.via}: {a.answer}" for a in attempts)
    taken = [a for a in attempts if a.answer.startswith("accepted")]
    if taken:
        logins = sorted({a.login for a in taken})
        return Result.crit(
            exp,
            actual,
            f"the default login {', '.join(logins)} is accepted "
            f"({', '.join(a.via for a in taken)}): set MINIO_ROOT_USER and MINIO_ROOT_PASSWORD "
            "to a login of your own, and give mc that login",
        )
    unclear = [a for a in attempts if not a.answer.startswith("refused")]
    if unclear:
        first = unclear[0]
        said = f"the {first.via} neither took nor refused {first.login}: {first.answer}"
        return Result(Verdict.UNKNOWN, exp, actual, said)
    return Result.ok(exp, actual)
