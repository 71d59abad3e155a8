"""The typed inventory schema: systems -> hosts -> checks, each check tied to a runbook step.

Every model forbids unknown keys, so a typo (``prot: 3306``) stops the run with its key path.
Secrets are written as ``${ENV_VAR}`` references only; see :mod:`xunjian.inventory.secrets`.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xunjian.inventory.fields import (
    Cadence,
    Connection,
    Headers,
    Ident,
    JsonPath,
    NonEmpty,
    Op,
    SecretRef,
    Severity,
    Url,
    holds_secret,
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(Model):
    """One row of the runbook: its title and its own words for 正常标准 and 异常处理."""

    title: str
    cadence: Cadence = "daily"
    severity: Severity = "critical"
    normal: str = Field("", description="the runbook's 正常标准, verbatim")
    remedy: str = Field("", description="the runbook's 异常处理, verbatim")


class Comparison(Model):
    op: Op
    value: float


class CheckBase(Model):
    step: str = Field(
        description="runbook step id, e.g. '1.1'; must be declared in the system's steps"
    )
    name: Ident | None = Field(
        None, description="the last part of the test id; derived when omitted"
    )
    severity: Severity | None = None
    timeout: float | None = Field(None, gt=0, le=300)


class PortCheck(CheckBase):
    kind: Literal["port"]
    port: int = Field(ge=1, le=65535)
    process: list[str] | None = Field(
        None, min_length=1, description="accepted owner process names (ss comm); default any"
    )
    bind: list[str] | None = Field(
        None, min_length=1, description="accepted bind addresses; default host address or any"
    )
    outside: bool = Field(True, description="also connect from the runner")


class ProcessCheck(CheckBase):
    kind: Literal["process"]
    jar: str = Field(description="the jar path from the runbook's jar table; matched by file name")
    binary: str = "java"
    port: int | None = Field(None, ge=1, le=65535)


class SqlExpect(Model):
    no_rows: Literal[True] | None = None
    row_count: Comparison | None = None
    scalar: Comparison | None = None
    warn: Comparison | None = Field(None, description="a WARN threshold on the row count or scalar")

    @model_validator(mode="after")
    def _exactly_one(self) -> SqlExpect:
        chosen = [k for k in ("no_rows", "row_count", "scalar") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                f"give exactly one of no_rows, row_count, scalar (got {chosen or 'none'})"
            )
        return self


class SqlCheck(CheckBase):
    kind: Literal["sql"]
    name: Ident
    db: str = Field(description="a key of the host's databases")
    query: str
    expect: SqlExpect
    show_rows: int = Field(5, ge=0, le=100)


class PathFromSql(Model):
    db: str
    query: str = Field(description="returns one path in the first column of the first row")
    parent: int = Field(1, ge=0, le=10, description="how many directories to go up from that path")
    relative: str = Field(description="the log file below that directory")


class LogCheck(CheckBase):
    kind: Literal["log"]
    name: Ident
    path: str | None = None
    path_from_sql: PathFromSql | None = None
    lines: int = Field(40, ge=1, le=100000)
    success: str | None = None
    failure: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_path(self) -> LogCheck:
        if (self.path is None) == (self.path_from_sql is None):
            raise ValueError("give exactly one of path, path_from_sql")
        if not self.success and not self.failure:
            raise ValueError("give success or failure: a log check must be able to fail")
        return self


class JsonExpect(Model):
    path: JsonPath
    equals: str | float | bool | None = None
    exists: bool = True

    @model_validator(mode="after")
    def _can_fail(self) -> JsonExpect:
        if not self.exists and self.equals is None:
            raise ValueError("exists: false needs equals: alone it checks nothing")
        return self


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
    latency_warn_ms: float | None = Field(None, gt=0)
    latency_crit_ms: float | None = Field(None, gt=0)
    verify_tls: bool = True


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
    health_path: str = "/minio/health/live"
    console: ConsoleLogin | None = None
    unit: str | None = Field(None, description="systemd unit to check over the host connection")


Check = Annotated[
    PortCheck | ProcessCheck | SqlCheck | LogCheck | HttpCheck | S3Check,
    Field(discriminator="kind"),
]


class Database(Model):
    engine: Literal["mysql"] = "mysql"
    host: str | None = Field(None, description="default: the host's address")
    port: int = Field(3306, ge=1, le=65535)
    user: str
    password: SecretRef
    database: str
    statement_timeout: float = Field(10.0, gt=0, le=600)


class Host(Model):
    address: str = Field(description="the address the runner connects to for outside checks")
    connection: Connection = Field(
        None,
        description="testinfra host spec (ssh://, paramiko://, ansible://, local://); default ssh://ADDRESS",
    )
    ssh_config: str | None = Field(None, description="ssh config file, relative to the inventory")
    databases: dict[Ident, Database] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)


class System(Model):
    title: str
    steps: dict[str, Step]
    hosts: dict[Ident, Host]


class Defaults(Model):
    timeout: float = Field(5.0, gt=0, le=300)
    ssh_config: str | None = None


class Inventory(Model):
    version: Literal[1] = 1
    name: Ident
    runbook: str | None = None
    defaults: Defaults = Field(default_factory=Defaults)  # type: ignore[arg-type]
    systems: dict[Ident, System]


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """A model and every model its fields can hold."""
    found = {model}
    for field in model.model_fields.values():
        todo = [field.annotation]
        while todo:
            tp = todo.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                found |= _models(tp)
            todo += get_args(tp)
    return found


KINDS: tuple[str, ...] = tuple(
    get_args(c.model_fields["kind"].annotation)[0] for c in get_args(get_args(Check)[0])
)
SECRET_KEYS = frozenset(
    name for m in _models(Inventory) for name, f in m.model_fields.items() if holds_secret(f)
)
