"""The typed inventory schema: systems -> hosts -> checks, each check tied to a runbook step.

Every model forbids unknown keys, so a typo (``prot: 3306``) stops the run with its key path.
Secrets are written as ``${ENV_VAR}`` references only; see :mod:`xunjian.inventory.secrets`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
Cadence = Literal["daily", "weekly", "biweekly"]
Severity = Literal["blocker", "critical", "normal", "minor", "trivial"]
Op = Literal["==", "!=", "<", "<=", ">", ">="]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


def _secret_ref(value: str) -> str:
    if not ENV_REF.match(value):
        raise ValueError(
            "must be an environment reference such as ${THQH_MYSQL_PASSWORD}; "
            "secrets are never written into an inventory"
        )
    return value


SecretRef = Annotated[
    str,
    AfterValidator(_secret_ref),
    Field(description="an ${ENV_VAR} reference, resolved at run time"),
]


_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


def _no_credentials(headers: dict[str, str]) -> dict[str, str]:
    bad = sorted(k for k in headers if k.lower() in _CREDENTIAL_HEADERS)
    if bad:
        raise ValueError(
            f"{', '.join(bad)} carries credentials: put it under secret_headers as ${{ENV}}"
        )
    return headers


Url = Annotated[
    str,
    Field(
        pattern=r"^https?://[^/@\s]+(/|$)",
        description="http(s)://host[:port]/path, no user:password@",
    ),
]


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
    process: list[str] | None = Field(None, description="accepted owner process names (ss comm)")
    bind: list[str] | None = Field(
        None, description="accepted bind addresses; default host address or any"
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
    path: str = Field(description="a JSONPath, e.g. $.status")
    equals: str | float | bool | None = None
    exists: bool = True


class HttpCheck(CheckBase):
    kind: Literal["http"]
    name: Ident
    url: Url
    method: Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"] = "GET"
    headers: Annotated[dict[str, str], AfterValidator(_no_credentials)] = Field(
        default_factory=dict
    )
    secret_headers: dict[str, SecretRef] = Field(default_factory=dict)
    status: list[int] = Field(default_factory=lambda: [200])
    status_line: str | None = Field(
        None, description="e.g. 'HTTP/1.1 200 OK', as curl -I prints it"
    )
    body_contains: list[str] = Field(default_factory=list)
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


def _no_password(spec: str | None) -> str | None:
    if spec and re.search(r"://[^/@]*:[^/@]*@", spec):
        raise ValueError("a password in the connection: use keys and your ssh config instead")
    return spec


class Host(Model):
    address: str = Field(description="the address the runner connects to for outside checks")
    connection: Annotated[str | None, AfterValidator(_no_password)] = Field(
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
