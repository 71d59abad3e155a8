"""cors: each allowed origin is echoed in ``Access-Control-Allow-Origin`` (with
``Access-Control-Allow-Credentials: true`` where credentials are asked), and an origin not on
the list gets neither (runbook 001 §7: ``curl -I -H "Origin: ..." localhost:5000/api/customers``
for its ten domains). One request per origin, from the runner or, ``via: host``, on the host."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Literal

import requests
from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident, NonEmpty, Url
from xunjian.inventory.model import CheckBase
from xunjian.observe import web
from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.observe.host import probe_for
from xunjian.result import Result, Verdict

ORDER = 52
ACAO, ACAC = "access-control-allow-origin", "access-control-allow-credentials"


class CorsCheck(CheckBase):
    kind: Literal["cors"]
    name: Ident
    url: Url
    method: Literal["HEAD", "GET", "OPTIONS"] = "HEAD"
    origins: list[NonEmpty] = Field(min_length=1, description="origins that must be allowed")
    credentials: bool = Field(True, description="Access-Control-Allow-Credentials: true too")
    refused: list[NonEmpty] = Field(
        default_factory=lambda: ["https://xunjian-cors-probe.invalid"],
        description="origins that must get no Access-Control-Allow-Origin",
    )
    via: Literal["runner", "host"] = "runner"
    on_failure: Literal["CRIT", "WARN"] = Field(
        "CRIT", description="the verdict of a failed origin (runbook 001 §9: CORS失败 is WARNING)"
    )


SPEC = CorsCheck


@dataclass(frozen=True)
class CorsAnswer:
    """The CORS headers one request with an Origin got; status None: no answer."""

    status: int | None
    allow_origin: str | None = None
    allow_credentials: str | None = None
    error: str = ""


@dataclass(frozen=True)
class HostCors(Fact[CorsAnswer]):
    """``curl -I -H 'Origin: o' url`` on the host: the response headers only."""

    method: str
    url: str
    origin: str
    seconds: float

    def command(self) -> str:
        argv = ["curl", "--silent", "--show-error", "--noproxy", "*", "--output", "/dev/null"]
        argv += ["--dump-header", "-", "--max-time", f"{self.seconds:g}"]
        argv += ["--head"] if self.method == "HEAD" else ["--request", self.method]
        argv += ["--header", f"Origin: {self.origin}", "--", self.url]
        return shlex.join(argv)

    def describe(self) -> str:
        return f"curl {self.method} {self.url} Origin: {self.origin} (on the host)"

    def parse(self, section: Section) -> CorsAnswer:
        return parse_headers(section.stdout, " ".join(section.stderr.split())[:200])


def parse_headers(text: str, error: str = "") -> CorsAnswer:
    """The last response's status and CORS headers from ``curl --dump-header`` output."""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.startswith("HTTP/")]
    if not blocks:
        return CorsAnswer(None, error=error or "no answer")
    lines = blocks[-1].splitlines()
    parts = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return CorsAnswer(status, headers.get(ACAO), headers.get(ACAC))


def _spec(case: CheckCase) -> CorsCheck:
    return spec_of(case, CorsCheck)


def _all(spec: CorsCheck) -> list[str]:
    return [*spec.origins, *spec.refused]


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    creds = " with credentials" if spec.credentials else ""
    return (
        f"{spec.method} {spec.url}: {len(spec.origins)} origin(s) allowed{creds}; "
        f"{len(spec.refused)} refused"
    )


def budget(case: CheckCase) -> float:
    spec = _spec(case)
    if spec.via == "host":
        return probe_for(case).limit
    return case.timeout * len(_all(spec))


def _facts(case: CheckCase) -> list[HostCors]:
    spec = _spec(case)
    return [HostCors(spec.method, spec.url, o, case.timeout) for o in _all(spec)]


def facts(case: CheckCase) -> list[Fact[Any]]:
    return list(_facts(case)) if _spec(case).via == "host" else []


def targets(case: CheckCase) -> set[str]:
    spec = _spec(case)
    return {web.endpoint(spec.url)[0]} if spec.via == "runner" else set()


def _request(spec: CorsCheck, origin: str, timeout: float) -> CorsAnswer:
    try:
        with web.session() as http:
            resp = http.request(
                spec.method,
                spec.url,
                headers={"Origin": origin},
                timeout=timeout,
                allow_redirects=False,
            )
    except requests.RequestException as e:
        return CorsAnswer(None, error=f"no answer: {type(e).__name__}")
    return CorsAnswer(resp.status_code, resp.headers.get(ACAO), resp.headers.get(ACAC))


def observe(case: CheckCase) -> dict[str, CorsAnswer]:
    spec = _spec(case)
    if spec.via == "host":
        probe = probe_for(case)
        return {f.origin: probe.get(f) for f in _facts(case)}
    return {o: _request(spec, o, case.timeout) for o in _all(spec)}


def evaluate(case: CheckCase, answers: dict[str, CorsAnswer]) -> Result:
    spec = _spec(case)
    problems: list[str] = []
    for origin in _all(spec):
        got = answers.get(origin)
        if got is None or got.status is None:
            problems.append(f"{origin}: {got.error if got else 'not asked'}")
        elif origin in spec.refused:
            if got.allow_origin in (origin, "*"):
                problems.append(f"{origin} (not listed) is allowed: {got.allow_origin}")
        elif got.allow_origin != origin:
            problems.append(f"{origin}: Access-Control-Allow-Origin {got.allow_origin!r}")
        elif spec.credentials and (got.allow_credentials or "").lower() != "true":
            problems.append(f"{origin}: Access-Control-Allow-Credentials {got.allow_credentials!r}")
    allowed = sum(1 for o in spec.origins if (a := answers.get(o)) and a.allow_origin == o)
    actual = f"{allowed} of {len(spec.origins)} origin(s) echoed"
    if problems:
        verdict = Verdict.WARN if spec.on_failure == "WARN" else Verdict.CRIT
        return Result(verdict, expected(case), actual, problems[0], tuple(problems[:12]))
    return Result.ok(expected(case), actual)
