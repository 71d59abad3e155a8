"""http: status, status line, body and JSON expectations, latency with WARN and CRIT levels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from jsonpath_ng import parse as jsonpath

from xunjian.checks.spec import spec_of
from xunjian.inventory import CheckCase
from xunjian.inventory.schema import HttpCheck
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import web
from xunjian.result import ObservationError, Result, Verdict


@dataclass(frozen=True)
class HttpObservation:
    status: int | None  # None: nothing answered
    status_line: str
    body: str
    elapsed_ms: float
    error: str | None = None


def _spec(case: CheckCase) -> HttpCheck:
    return spec_of(case, HttpCheck)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"{spec.method} {spec.url} -> {spec.status_line or '/'.join(map(str, spec.status))}"]
    parts += [f"body contains {s!r}" for s in spec.body_contains]
    parts += [
        f"{j.path} == {j.equals!r}" if j.equals is not None else f"{j.path} exists"
        for j in spec.json_expect
    ]
    if spec.latency_crit_ms or spec.latency_warn_ms:
        parts.append(f"latency < {spec.latency_warn_ms or spec.latency_crit_ms:g} ms")
    return "; ".join(parts)


def budget(case: CheckCase) -> float:
    """The whole exchange within the check's timeout: a trickling server is cut off there."""
    return case.timeout


_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}


def observe(case: CheckCase) -> HttpObservation:
    spec = _spec(case)
    try:
        headers = spec.headers | {k: SECRETS.resolve(v) for k, v in spec.secret_headers.items()}
        with (
            web.session() as http,
            http.request(
                spec.method,
                spec.url,
                headers=headers,
                timeout=case.timeout,
                verify=spec.verify_tls,
                allow_redirects=False,
                stream=True,
            ) as resp,
        ):
            body = web.read_body(resp, case.timeout) if spec.method != "HEAD" else b""
    except requests.Timeout:
        raise ObservationError(
            f"{spec.method} {spec.url} timed out after {case.timeout:g}s"
        ) from None
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


def _same(found: Any, want: str | float | bool) -> bool:
    """JSON equality without Python's True == 1."""
    if isinstance(found, bool) or isinstance(want, bool):
        return isinstance(found, bool) and isinstance(want, bool) and found is want
    return bool(found == want)


def _json_problems(spec: HttpCheck, body: str) -> list[str]:
    if not spec.json_expect:
        return []
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return ["the body is not JSON"]
    problems = []
    for j in spec.json_expect:
        found = [m.value for m in jsonpath(j.path).find(doc)]
        if not found:
            if j.exists:
                problems.append(f"{j.path} is missing")
        elif j.equals is not None and not _same(found[0], j.equals):
            problems.append(f"{j.path} is {found[0]!r}, not {j.equals!r}")
    return problems


def evaluate(case: CheckCase, obs: HttpObservation) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs.status is None:
        return Result.crit(exp, obs.error or "no answer", f"{spec.url} does not answer")
    actual = f"{obs.status_line} in {obs.elapsed_ms:.0f} ms"
    problems = []
    if obs.status not in spec.status:
        problems.append(f"status {obs.status}")
    if spec.status_line and obs.status_line != spec.status_line:
        problems.append(f"status line {obs.status_line!r}")
    problems += [f"body lacks {s!r}" for s in spec.body_contains if s not in obs.body]
    problems += _json_problems(spec, obs.body)
    if spec.latency_crit_ms and obs.elapsed_ms >= spec.latency_crit_ms:
        problems.append(f"latency {obs.elapsed_ms:.0f} ms >= {spec.latency_crit_ms:g} ms")
    if problems:
        return Result.crit(exp, actual, "; ".join(problems))
    if spec.latency_warn_ms and obs.elapsed_ms >= spec.latency_warn_ms:
        return Result(
            Verdict.WARN,
            exp,
            actual,
            f"latency {obs.elapsed_ms:.0f} ms >= {spec.latency_warn_ms:g} ms",
        )
    return Result.ok(exp, actual)
