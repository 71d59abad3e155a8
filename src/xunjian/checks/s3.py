"""s3: the MinIO/S3 endpoint is healthy, accepts the credentials, has the bucket; the console logs in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, SecretRef, Url
from xunjian.inventory.model import CheckBase, Model
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import web
from xunjian.observe.facts import Fact, UnitState
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict

ORDER = 60


class ConsoleLogin(Model):
    url: Url
    path: str = "/api/v1/login"


class S3Check(CheckBase):
    kind: Literal["s3"]
    name: Ident
    endpoint: Url
    access_key: str
    secret_key: SecretRef
    bucket: str
    health_path: str = Field(
        "/minio/health/live", description="MinIO's; seaweedfs answers on /healthz"
    )
    console: ConsoleLogin | None = None
    unit: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9:_.@\\-]*$",
        description="systemd unit to check over the host connection, e.g. minio.service "
        "(a unit name: never an option such as -H)",
    )


SPEC = S3Check


@dataclass(frozen=True)
class S3Observation:
    health: str  # "200" or an error
    bucket: str  # "exists", "missing" or an error
    console: str | None  # "204 token" (status, session cookie) or an error; None: not configured
    unit: str | None  # the state systemctl is-active printed; None: not configured or not seen
    unit_error: str | None = None  # why the unit's state could not be seen


ACTIVE = frozenset({"active", "reloading"})  # systemctl is-active states of a running unit


def _spec(case: CheckCase) -> S3Check:
    return spec_of(case, S3Check)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [
        f"{spec.endpoint}{spec.health_path} -> 200",
        f"bucket {spec.bucket} exists for {spec.access_key}",
    ]
    if spec.console:
        parts.append(f"console login as {spec.access_key} at {spec.console.url} succeeds")
    if spec.unit:
        parts.append(f"{spec.unit} is active")
    return "; ".join(parts)


def budget(case: CheckCase) -> float:
    """Health, bucket (a region lookup, then the bucket), console; the unit on the host."""
    spec = _spec(case)
    requests_made = 3 + (1 if spec.console else 0)
    return requests_made * case.timeout + (probe_for(case).limit if spec.unit else 0)


def facts(case: CheckCase) -> list[Fact[Any]]:
    unit = _spec(case).unit
    return [UnitState(unit)] if unit else []


def targets(case: CheckCase) -> set[str]:
    spec = _spec(case)
    found = {urlsplit(spec.endpoint).hostname or ""}
    if spec.console:
        found.add(urlsplit(spec.console.url).hostname or "")
    return found


def _health(spec: S3Check, timeout: float) -> str:
    url = spec.endpoint + spec.health_path
    try:
        with (
            web.session() as http,
            http.get(url, timeout=timeout, allow_redirects=False, stream=True) as r,
        ):
            return str(r.status_code)  # the body is not read: the status is the answer
    except requests.Timeout:
        raise ObservationError(f"{url} timed out after {timeout:g}s") from None
    except requests.RequestException as e:
        return f"no answer ({type(e).__name__})"


def _bucket(spec: S3Check, timeout: float) -> str:
    url = urlsplit(spec.endpoint)
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=urllib3.Retry(total=0)
    )
    try:
        client = Minio(
            url.netloc,
            spec.access_key,
            SECRETS.resolve(spec.secret_key),
            secure=url.scheme == "https",
            http_client=http,
        )
        return "exists" if client.bucket_exists(spec.bucket) else "missing"
    except S3Error as e:
        return f"refused: {e.code}"
    except MinioException as e:  # an error page from a proxy, a 5xx without a body
        return f"bad answer ({type(e).__name__})"
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
        reason = e.reason if isinstance(e, urllib3.exceptions.MaxRetryError) else e
        # NewConnectionError subclasses ConnectTimeoutError in urllib3: a refusal is an answer
        timed_out = isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
            reason, urllib3.exceptions.NewConnectionError
        )
        if timed_out:
            raise ObservationError(f"{spec.endpoint}: bucket {spec.bucket} timed out") from None
        return f"no answer ({type(reason).__name__})"


def _console(spec: S3Check, timeout: float) -> str | None:
    if not spec.console:
        return None
    url = spec.console.url.rstrip("/") + spec.console.path
    login = {"accessKey": spec.access_key, "secretKey": SECRETS.resolve(spec.secret_key)}
    try:
        with (
            web.session() as http,
            http.post(url, json=login, timeout=timeout, allow_redirects=False, stream=True) as r,
        ):
            # MinIO's console answers a good login with 204 and a session cookie named token
            return f"{r.status_code} token" if "token" in r.cookies else str(r.status_code)
    except requests.Timeout:
        raise ObservationError(f"{url} timed out after {timeout:g}s") from None
    except requests.RequestException as e:
        return f"no answer ({type(e).__name__})"


def _unit(case: CheckCase, unit: str | None) -> tuple[str | None, str | None]:
    """(state, None), or (None, why the state could not be seen)."""
    if not unit:
        return None, None
    try:
        return probe_for(case).get(UnitState(unit)), None
    except ObservationError as e:
        return None, str(e)


def observe(case: CheckCase) -> S3Observation:
    spec = _spec(case)
    return S3Observation(
        _health(spec, case.timeout),
        _bucket(spec, case.timeout),
        _console(spec, case.timeout),
        *_unit(case, spec.unit),
    )


def evaluate(case: CheckCase, obs: S3Observation) -> Result:
    spec = _spec(case)
    parts = [f"health {obs.health}", f"bucket {obs.bucket}"]
    problems = []
    if obs.health != "200":
        problems.append(f"health answers {obs.health}")
    if obs.bucket != "exists":
        problems.append(f"bucket {spec.bucket} {obs.bucket}")
    if obs.console is not None:
        parts.append(f"console login {obs.console}")
        if obs.console not in ("200 token", "204 token"):
            problems.append(f"console login answers {obs.console} (expected 204 and a token)")
    unseen: list[str] = []
    if obs.unit_error is not None:
        unseen.append(f"{spec.unit} not observed: {obs.unit_error}")
        parts.append(unseen[0])
    elif obs.unit is not None:
        parts.append(f"{spec.unit} {obs.unit}")
        if obs.unit not in ACTIVE:
            missing = " (no such unit)" if obs.unit == "unknown" else ""
            problems.append(f"{spec.unit} is {obs.unit}{missing}")
    actual = "; ".join(parts)
    if problems:  # what was seen to be wrong outweighs what could not be seen
        return Result.crit(expected(case), actual, "; ".join(problems + unseen))
    if unseen:
        return Result(Verdict.UNKNOWN, expected(case), actual, unseen[0])
    return Result.ok(expected(case), actual)
