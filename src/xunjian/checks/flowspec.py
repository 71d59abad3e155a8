"""The flow kind's inventory spec: ordered HTTP calls, the values each captures from its answer
for the later ones, and the read-only queries that prove a call's effect.

Checked at load, before anything runs: every ``{{ ... }}`` reference names credentials the flow
has or a capture an earlier step defines; a credential is never a literal (a header or body key
that says password, token, secret ... takes a reference); a learnt value never goes into a URL,
which is logged and printed; every query is one read statement (the loader's sqlsafety wall).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, JsonValue, model_validator

from xunjian.checks.flowrefs import CAPTURE_NAME, STEP_NAME, RefError, names, step_of, strings
from xunjian.checks.jsonexpect import JsonExpect
from xunjian.inventory.fields import (
    Headers,
    Ident,
    JsonPath,
    SecretRef,
    TextOrSecret,
    Url,
    secret_error,
)
from xunjian.inventory.model import AnyDatabase, CheckBase, Model, SqliteDatabase
from xunjian.inventory.urls import credential_name, url_problem

_SECRET_TEMPLATE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9._-]* )?\{\{[^{}]*\}\}$")


def _secret_template(value: str) -> str:
    if not _SECRET_TEMPLATE.match(value):
        raise secret_error(
            "must be one reference after an optional scheme word, e.g. "
            "'Bearer {{ steps.login.token }}': a credential is never written into an inventory"
        )
    return value


def _path(value: str) -> str:
    if "{{" in value or "${" in value:
        raise secret_error(
            "a value the flow learns is a secret, and a URL is logged and printed: "
            "send it in secret_headers or the body, not in the path"
        )
    if not value.startswith("/") or any(c.isspace() or c == "#" for c in value):
        raise ValueError("must start with / and hold no space or #, e.g. /api/user/login")
    if problem := url_problem(f"http://h{value}"):
        raise secret_error(problem.message) if problem.secret else ValueError(problem.message)
    return value


SecretTemplate = Annotated[
    str,
    AfterValidator(_secret_template),
    Field(description="'Bearer {{ steps.login.token }}': a value the flow learns, never a literal"),
]
StepName = Annotated[str, Field(pattern=rf"^{STEP_NAME}$")]
CaptureName = Annotated[str, Field(pattern=rf"^{CAPTURE_NAME}$")]


class SqlSource(Model):
    db: str = Field(description="a key of the host's databases (mysql or postgresql)")
    query: str


class Credentials(Model):
    """The login's user and password: from the environment, or read from a table."""

    username: TextOrSecret | None = None
    password: SecretRef | None = None
    from_sql: SqlSource | None = Field(
        None,
        description="one row with columns username and password (the runbook reads sys_user); "
        "a password that looks like a hash is refused, never sent",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Credentials:
        if (self.password is None) == (self.from_sql is None):
            raise ValueError("give exactly one of password (an ${ENV_VAR} reference) and from_sql")
        if self.password is not None and self.username is None:
            raise ValueError("username is missing: give it beside password")
        return self


class Proof(Model):
    """A call's effect, read from the database it should change."""

    db: str = Field(description="a key of the host's databases (mysql or postgresql)")
    query: str = Field(
        description="one value read before and after the call (a row count, the newest update "
        "time): the call should move it"
    )
    source_query: str | None = Field(
        None,
        description="one number read before the call: rows the source has that the table lacks. "
        "Above 0 and the table did not move: CRIT; 0: a quiet week, WARN 'no new rows'",
    )


class StepExpect(Model):
    status: list[int] = Field(default_factory=lambda: [200])
    json_expect: list[JsonExpect] = Field(default_factory=list, alias="json")


class FlowStep(Model):
    name: StepName
    title: str = Field("", description="the runbook's name of the call (接口功能), verbatim")
    normal: str = Field("", description="the runbook's expected result (预期结果), verbatim")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: Annotated[str, AfterValidator(_path)] = Field(description="joined to base_url")
    headers: Headers = Field(default_factory=dict)
    secret_headers: dict[str, SecretTemplate] = Field(default_factory=dict)
    body: JsonValue = Field(None, description="sent as JSON; strings may hold references")
    form: dict[str, str] | None = Field(None, description="sent form-encoded")
    expect: StepExpect = Field(default_factory=StepExpect)
    capture: dict[CaptureName, JsonPath] = Field(
        default_factory=dict,
        description="name: JSONPath into the answer, e.g. token: $..access_token",
    )
    proof: Proof | None = None
    timeout: float | None = Field(None, gt=0, le=600, description="seconds for this call")
    on_failure: Literal["CRIT", "WARN"] = Field(
        "CRIT",
        description="the verdict of this call answering otherwise than expected; WARN where the "
        "runbook rates it a warning (runbook 001 §9: 认证失效, a refused login, is WARNING); the "
        "steps that need its captures are not run",
    )

    @model_validator(mode="after")
    def _sound(self) -> FlowStep:
        if self.body is not None and self.form is not None:
            raise ValueError("give body (sent as JSON) or form, not both")
        if self.method == "GET" and (self.body is not None or self.form is not None):
            raise ValueError("a GET sends no body: drop body and form, or use POST")
        for key, value in _credential_items(self):
            if not (isinstance(value, str) and _SECRET_TEMPLATE.match(value)):
                raise ValueError(
                    f"{key} looks like a credential, and a body is sent as written: refer to it, "
                    "e.g. {{ credentials.password }}, never write it"
                )
        self.references()  # malformed templates are refused here, with their key
        return self

    def references(self) -> list[tuple[str, str]]:
        """(key below the step, reference) of every reference in the step's templates."""
        texts = [(f"headers.{k}", v) for k, v in self.headers.items()]
        texts += [(f"secret_headers.{k}", v) for k, v in self.secret_headers.items()]
        texts += list(strings(self.body, "body"))
        texts += [(f"form.{k}", v) for k, v in (self.form or {}).items()]
        found = []
        for key, text in texts:
            try:
                found += [(key, name) for name in names(text)]
            except RefError as e:
                raise ValueError(f"{key}: {e}") from None
        return found


def _credential_items(step: FlowStep) -> list[tuple[str, Any]]:
    """(key, value) of the body's and form's keys whose names say they carry a credential."""
    found: list[tuple[str, Any]] = []
    todo: list[tuple[str, Any]] = [("body", step.body), ("form", step.form)]
    while todo:
        where, value = todo.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if credential_name(str(k)):
                    found.append((f"{where}.{k}", v))
                else:
                    todo.append((f"{where}.{k}", v))
        elif isinstance(value, list):
            todo += [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    return found


class FlowCheck(CheckBase):
    kind: Literal["flow"]
    name: Ident
    base_url: Url = Field(description="the API's base address (API 基础地址)")
    credentials: Credentials | None = None
    steps: list[FlowStep] = Field(min_length=1)
    verify_tls: bool = True

    @model_validator(mode="after")
    def _references(self) -> FlowCheck:
        if "?" in self.base_url or "${" in self.base_url:
            raise ValueError("base_url: scheme, host, port and a path prefix only (no query)")
        defined: dict[str, set[str]] = {}
        for i, step in enumerate(self.steps):
            if step.name in defined:
                raise ValueError(f"steps[{i}].name: {step.name!r} is used by an earlier step")
            for key, ref in step.references():
                _defined(ref, f"steps[{i}].{key}", defined, self.credentials is not None)
            defined[step.name] = set(step.capture)
        return self

    def databases(self) -> list[str]:
        return list(dict.fromkeys(db for db, _, _ in self.queries()))

    def queries(self) -> list[tuple[str, str, str]]:
        """(database, SQL, key) of every query, for the load-time check (sqlsafety)."""
        found = []
        if self.credentials and self.credentials.from_sql:
            src = self.credentials.from_sql
            found.append((src.db, src.query, "credentials.from_sql.query"))
        for i, step in enumerate(self.steps):
            if p := step.proof:
                found.append((p.db, p.query, f"steps[{i}].proof.query"))
                if p.source_query:
                    found.append((p.db, p.source_query, f"steps[{i}].proof.source_query"))
        return found

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        """A flow reads before and after a call; SQLite is read once per run, in the batch."""
        return [
            f"{key}: database {db!r} is sqlite, read once per run through the host's batch: "
            "a flow reads before and after its calls, so it needs mysql or postgresql"
            for db, _, key in self.queries()
            if isinstance(databases.get(db), SqliteDatabase)
        ]


def _defined(ref: str, key: str, defined: dict[str, set[str]], has_credentials: bool) -> None:
    """Refuse a reference to credentials the flow lacks or to a capture no earlier step makes."""
    step = step_of(ref)
    if step is None:
        if not has_credentials:
            raise ValueError(f"{key}: {{{{ {ref} }}}} needs credentials: the flow has none")
        return
    if ref.rsplit(".", 1)[1] not in defined.get(step, set()):
        known = sorted(f"steps.{s}.{c}" for s, caps in defined.items() for c in caps)
        raise ValueError(
            f"{key}: {{{{ {ref} }}}} refers to a capture no earlier step defines "
            f"(defined before it: {', '.join(known) or 'none'})"
        )
