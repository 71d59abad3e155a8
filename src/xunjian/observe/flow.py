"""Running a flow: its calls in order, each sent exactly once, its captures carried forward.

Calls act on the server (a download writes rows), so:

* nothing is retried: the session's adapters have ``Retry(0, read=False)``, redirects are not
  followed, and a call that timed out is reported, never repeated;
* a call starts only while the flow's own budget lasts, and that budget ends ``GRACE``
  seconds before the runner's deadline (:mod:`xunjian.checks.runner`): a flow given up at its
  deadline and left running in its thread sends nothing more;
* a flow runs once per process: a second ``observe`` of the same case (a rerun plugin) is
  refused as UNKNOWN;
* only a running test observes, so ``--collect-only`` sends nothing.

Every value learnt at run time (a capture, a password read from a table) is registered with
:data:`~xunjian.inventory.secrets.SECRETS` before anything can print it.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from typing import Any

from xunjian.checks.flowjudge import call_problems
from xunjian.checks.flowrefs import fill, fill_json, step_of
from xunjian.checks.flowspec import FlowCheck, FlowStep
from xunjian.checks.jsonexpect import find
from xunjian.inventory.case import CheckCase
from xunjian.inventory.secrets import SECRETS, MissingSecret, redact_urls
from xunjian.inventory.urls import credential_name
from xunjian.observe import db, endpoints, web
from xunjian.observe.flowcall import Answer, send
from xunjian.observe.flowcreds import credentials
from xunjian.observe.flowrecord import NOT_JSON, CallRecord, FlowObservation, Proof, Reading
from xunjian.result import ObservationError

EXCERPT = 240  # characters of an answer's body shown in reports
_STARTED: dict[int, weakref.ref[CheckCase]] = {}
_LOCK = threading.Lock()


OVERRUN = 0.05  # seconds of slack: the clock moves between setting the budget and a step


def step_limit(case: CheckCase, step: FlowStep) -> float:
    """Seconds one step may take by its own limits: its call and its proof's queries."""
    reads = 0.0
    if step.proof:
        queries = 3 if step.proof.source_query else 2
        reads = queries * db.query_limit(case, step.proof.db)
    return (step.timeout or case.timeout) + reads


def limit(case: CheckCase, spec: FlowCheck) -> float:
    """Seconds the whole flow may take by its own limits."""
    creds = spec.credentials.from_sql if spec.credentials else None
    first = db.query_limit(case, creds.db) if creds else 0.0
    return first + sum(step_limit(case, s) for s in spec.steps)


def run(case: CheckCase, spec: FlowCheck) -> FlowObservation:
    """Every step's record; what could not be done is in the records, not raised."""
    _once(case)
    end = time.monotonic() + limit(case, spec)
    values: dict[str, Any] = {}
    problem = None
    if spec.credentials:
        try:
            values = credentials(case, spec.credentials)
        except ObservationError as e:
            problem = str(e)
    stopped: dict[str, tuple[str, str]] = {}  # step -> (why its dependents do not run, root)
    calls: list[CallRecord] = []
    for step in spec.steps:
        record = _blocked(step, stopped, problem) or _cannot_start(case, spec, step, end)
        if record is None:
            record, captured = _step(case, spec, step, values)
            if call_problems(step, record):
                stopped[step.name] = (f"{step.name} failed", step.name)
            else:
                values |= captured
        else:
            stopped[step.name] = (record.why, record.blocker or step.name)
        calls.append(record)
    return FlowObservation(tuple(calls), problem)


def _cannot_start(
    case: CheckCase, spec: FlowCheck, step: FlowStep, end: float
) -> CallRecord | None:
    """The record of a step that must not start: past the budget (the steps before it overran
    their limits by more than :data:`OVERRUN`), or the API went silent."""
    if time.monotonic() + step_limit(case, step) > end + OVERRUN:
        return CallRecord.not_run(step.name, "the flow's time budget ran out")
    if silent := endpoints.remembered(*web.endpoint(spec.base_url)):
        return CallRecord.not_run(step.name, f"the API did not answer: {silent}")
    return None


def _once(case: CheckCase) -> None:
    with _LOCK:
        seen = _STARTED.get(id(case))
        if seen is not None and seen() is case:
            raise ObservationError(
                "this flow already ran in this process: its calls act on the server and are "
                "never sent twice (a rerun plugin?)"
            )
        _STARTED[id(case)] = weakref.ref(case)


def _blocked(
    step: FlowStep, stopped: dict[str, tuple[str, str]], problem: str | None
) -> CallRecord | None:
    """The record of a step that cannot run: it needs a value a failed step did not give."""
    for _, ref in step.references():
        source = step_of(ref)
        if source is None and problem is not None:
            return CallRecord.not_run(step.name, "no usable credentials", "credentials")
        if source in stopped:
            why, root = stopped[source]
            return CallRecord.not_run(step.name, why, root)
    return None


def _step(
    case: CheckCase, spec: FlowCheck, step: FlowStep, values: dict[str, Any]
) -> tuple[CallRecord, dict[str, Any]]:
    proof = step.proof
    source = _read(case, proof.db, proof.source_query) if proof and proof.source_query else None
    before = _read(case, proof.db, proof.query) if proof else None
    headers = {k: str(fill(v, values)) for k, v in {**step.headers, **step.secret_headers}.items()}
    answer = send(
        step.method,
        spec.base_url.rstrip("/") + step.path,
        headers,
        fill_json(step.body, values) if step.body is not None else None,
        {k: str(fill(v, values)) for k, v in step.form.items()} if step.form else None,
        step.timeout or case.timeout,
        spec.verify_tls,
    )
    after = _read(case, proof.db, proof.query) if proof else None
    doc = _json(answer)
    captured, problems = _capture(step, doc)
    record = CallRecord(
        step.name,
        True,
        status=answer.status,
        error=answer.error,
        timed_out=answer.timed_out,
        elapsed_ms=answer.elapsed_ms,
        doc=doc,
        excerpt=_excerpt(answer.body, doc),  # after the captures are known secrets
        captured=tuple(captured),
        capture_problems=tuple(problems),
        proof=Proof(before, after, source) if before is not None and after is not None else None,
    )
    return record, {f"steps.{step.name}.{k}": v for k, v in captured.items()}


def _read(case: CheckCase, db_name: str, sql: str) -> Reading:
    try:
        rows = db.query(case, db_name, sql)
    except ObservationError as e:
        return Reading(error=str(e))
    if not rows.rows or not rows.rows[0]:
        return Reading(rows=0)
    return Reading(rows.rows[0][0])


def _json(answer: Answer) -> Any:
    if answer.status is None:
        return NOT_JSON
    try:
        return json.loads(answer.body)
    except ValueError:
        return NOT_JSON


def _capture(step: FlowStep, doc: Any) -> tuple[dict[str, Any], list[str]]:
    """The step's captures from the answer, each a secret from now on; and what is missing."""
    captured: dict[str, Any] = {}
    problems = []
    for name, path in step.capture.items():
        found = find(path, doc) if doc is not NOT_JSON else []
        if not found or isinstance(found[0], dict | list) or found[0] is None:
            problems.append(f"capture {name}: {path} holds no value in the answer")
            continue
        try:
            SECRETS.remember(str(found[0]), f"the captured {name}")
        except MissingSecret as e:
            problems.append(str(e))
            continue
        captured[name] = found[0]
    return captured, problems


def _masked(doc: Any) -> Any:
    """The answer with the values of credential-looking keys (access_token ...) hidden."""
    if isinstance(doc, dict):
        return {
            k: "***" if credential_name(str(k)) and not isinstance(v, dict | list) else _masked(v)
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [_masked(v) for v in doc]
    return doc


def _excerpt(body: bytes, doc: Any) -> str:
    """Redacted first, cut second: a secret cut in half would escape the redaction."""
    if doc is not NOT_JSON:
        text = json.dumps(_masked(doc), ensure_ascii=False, separators=(",", ":"))
    else:
        text = " ".join(body.decode("utf-8", "replace").split())
    text = redact_urls(SECRETS.redact(text))
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."
