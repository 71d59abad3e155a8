"""http: status, status line, body and JSON expectations, latency with WARN and CRIT levels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field, model_validator

from xunjian import threshold
from xunjian.checks import jsonexpect
from xunjian.checks.jsonexpect import JsonExpect
from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Headers, Ident, NonEmpty, SecretRef, Url
from xunjian.inventory.model import CheckBase
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import endpoints, web
from xunjian.observe.curl import HostRequest
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result, Verdict
from xunjian.threshold import Threshold

ORDER = 50


class HttpCheck(CheckBase):
    kind: Literal["http"]
    name: Ident
    url: Url
    method: Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"] = "GET"
    headers: Headers = Field(default_factory=dict)
    secret_headers: dict[str, SecretRef] = Field(default_factory=dict)
    status: list[int] = Field(default_factory=lambda: [200])
    status_line: str | None = Field(
        None, description="e.g. 'HTTP/1.1 200 OK', as curl -I prints it"
    )
    body_contains: list[NonEmpty] = Field(default_factory=list)
    json_expect: list[JsonExpect] = Field(default_factory=list, alias="json")
    latency: Threshold | None = Field(
        None, description='e.g. {warn: "> 500 ms", crit: "> 1000 ms"} (runbook 002 §2)'
    )
    on_timeout: Literal["UNKNOWN", "CRIT", "WARN"] = Field(
        "UNKNOWN",
        description="the verdict when no answer comes within the timeout; CRIT or WARN where "
        "the runbook says so (runbook 001 §2: no answer within 5 s is CRIT; §9: API超时 of the "
        "data endpoints is a WARNING)",
    )
    on_failure: Literal["CRIT", "WARN"] = Field(
        "CRIT",
        description="the verdict of an answer that fails an expectation, or of no answer; WARN "
        "where the runbook rates it a warning (runbook 001 当前告警: Prometheus not configured)",
    )
    verify_tls: bool = True
    via: Literal["runner", "host"] = Field(
        "runner",
        description="host: the request is made on the host (curl there), for endpoints only "
        "the host reaches, such as localhost:5000",
    )

    @model_validator(mode="after")
    def _time_latency(self) -> HttpCheck:
        if self.latency is not None and self.latency.family != "time":
            raise ValueError("latency needs a time unit, e.g. {warn: '> 500 ms'}")
        if self.via == "host" and (self.secret_headers or "${" in self.url):
            raise ValueError(
                "secrets (secret_headers, ${VAR} in the url) cannot be sent from the host: "
                "curl's command line is visible in the host's process list"
            )
        return self


SPEC = HttpCheck


@dataclass(frozen=True)
class HttpObservation:
    status: int | None  # None: nothing answered
    status_line: str
    body: str
    elapsed_ms: float
    error: str | None = None
    timed_out: bool = False  # no answer within the timeout (on_timeout decides)


def _spec(case: CheckCase) -> HttpCheck:
    return spec_of(case, HttpCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"{spec.method} {spec.url} -> {spec.status_line or '/'.join(map(str, spec.status))}"]
    parts += [f"body contains {s!r}" for s in spec.body_contains]
    parts += jsonexpect.describe(spec.json_expect)
    if spec.latency:
        parts.append(f"latency {threshold.describe(spec.latency)}")
    return "; ".join(parts)


def budget(case: CheckCase) -> float:
    """The whole exchange within the check's timeout: a trickling server is cut off there."""
    return probe_for(case).limit if _spec(case).via == "host" else case.timeout


def _on_host(case: CheckCase) -> HostRequest:
    spec = _spec(case)
    headers = tuple(sorted(spec.headers.items()))
    return HostRequest(spec.method, spec.url, headers, case.timeout, spec.verify_tls)


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_on_host(case)] if _spec(case).via == "host" else []


def targets(case: CheckCase) -> set[str]:
    """From the runner only: a request made on the host goes where the host sends it."""
    spec = _spec(case)
    return {urlsplit(spec.url).hostname or ""} if spec.via == "runner" else set()


_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}


def _from_host(case: CheckCase) -> HttpObservation:
    spec = _spec(case)
    answer = probe_for(case).get(_on_host(case))
    if answer.status is None:
        if answer.timed_out and spec.on_timeout == "UNKNOWN":
            raise ObservationError(f"{spec.method} {spec.url} (from the host): {answer.error}")
        return HttpObservation(
            None, "", "", answer.elapsed_ms, f"from the host: {answer.error}", answer.timed_out
        )
    return HttpObservation(answer.status, answer.status_line, answer.body, answer.elapsed_ms)


def observe(case: CheckCase) -> HttpObservation:
    spec = _spec(case)
    if spec.via == "host":
        return _from_host(case)
    # the whole exchange within the timeout, and an endpoint that timed out once this run
    # fails fast after (observe/endpoints.py)
    address, port = web.endpoint(spec.url)
    said = f"{spec.method} {spec.url}: no answer within {case.timeout:g} s"
    try:
        return endpoints.within(address, port, case.timeout, said, lambda: _request(case))
    except endpoints.Silent as e:
        if spec.on_timeout != "UNKNOWN":
            return HttpObservation(None, "", "", case.timeout * 1000, str(e), True)
        raise


def _request(case: CheckCase) -> HttpObservation:
    spec = _spec(case)
    try:
        headers = spec.headers | {k: SECRETS.resolve(v) for k, v in spec.secret_headers.items()}
        with (
            web.session() as http,
            http.request(
                spec.method,
                SECRETS.expand(spec.url),  # a ${VAR} in the query: resolved only here
                headers=headers,
                timeout=case.timeout,
                verify=spec.verify_tls,
                allow_redirects=False,
                stream=True,
            ) as resp,
        ):
            body = web.read_body(resp, case.timeout) if spec.method != "HEAD" else b""
    except requests.Timeout:
        address, port = web.endpoint(spec.url)
        said = f"{spec.method} {spec.url}: no answer within {case.timeout:g} s"
        raise endpoints.remember(address, port, said) from None
    except requests.exceptions.SSLError as e:
        return HttpObservation(None, "", "", 0.0, f"TLS failed: {_root(e)}")
    except requests.ConnectionError as e:
        return HttpObservation(None, "", "", 0.0, f"no answer: {_root(e)}")
    except (requests.RequestException, ValueError) as e:
        # the message of e.g. InvalidHeader quotes the header value: name the type only
        raise ObservationError(f"{spec.method} {spec.url}: {type(e).__name__}") from None
    version = _VERSIONS.get(getattr(resp.raw, "version", 11), "HTTP/1.1")
    line = f"{version} {resp.status_code} {resp.reason}"
    return HttpObservation(
        resp.status_code,
        line,
        body.decode(resp.encoding or "utf-8", "replace"),
        resp.elapsed.total_seconds() * 1000,
    )


def _root(e: BaseException) -> str:
    while e.__context__ is not None and e.__context__ is not e:
        e = e.__context__
    return str(e).split(": ", 1)[-1][:200]


def _json_problems(spec: HttpCheck, body: str) -> list[str]:
    if not spec.json_expect:
        return []
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return ["the body is not JSON"]
    return jsonexpect.problems(spec.json_expect, doc)


def evaluate(case: CheckCase, obs: HttpObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    failed = Verdict.WARN if spec.on_failure == "WARN" else Verdict.CRIT
    if obs.status is None:
        if obs.timed_out and spec.on_timeout in ("CRIT", "WARN"):
            failed = Verdict[spec.on_timeout]
        return Result(failed, exp, obs.error or "no answer", f"{spec.url} does not answer")
    actual = f"{obs.status_line} in {obs.elapsed_ms:.0f} ms"
    problems = []
    if obs.status not in spec.status:
        problems.append(f"status {obs.status}")
    if spec.status_line and obs.status_line != spec.status_line:
        problems.append(f"status line {obs.status_line!r}")
    problems += [f"body lacks {s!r}" for s in spec.body_contains if s not in obs.body]
    problems += _json_problems(spec, obs.body)
    band = threshold.judge(spec.latency, obs.elapsed_ms, "ms") if spec.latency else None
    if band is not None and band.verdict is Verdict.CRIT:
        problems.append(f"latency {band.message}")
    if problems:
        return Result(failed, exp, actual, "; ".join(problems))
    if band is not None and band.verdict is Verdict.WARN:
        return Result.warn(exp, actual, f"latency {band.message}")
    return Result.ok(exp, actual)
