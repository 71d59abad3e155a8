"""The parts of the inventory schema that every check kind builds on: the base model, a runbook
step, the common keys of a check, and the databases a host declares (one model per engine).

Check kinds define their own spec models (``class PortCheck(CheckBase)``) in their modules under
:mod:`xunjian.checks`; :mod:`xunjian.inventory.schema` joins them into the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from xunjian.inventory.fields import Address, Cadence, Ident, Level, SecretRef, Severity


class Model(BaseModel):
    """Unknown keys refused; strict types: no yes/no read as 1/0, no "3306" read as 3306, no
    3306.0 as 3306; and no infinite or NaN number (``.inf`` makes a limit that never fires)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Step(Model):
    """One row of the runbook: its title and its own words for 正常标准 and 异常处理."""

    title: str
    cadence: Cadence = "daily"
    severity: Severity = "critical"
    normal: str = Field("", description="the runbook's 正常标准, verbatim")
    remedy: str = Field("", description="the runbook's 异常处理, verbatim")
    level: Level | None = Field(
        None, description="alert level P0-P3; default from severity (critical: P0 ...)"
    )


class CheckBase(Model):
    """The keys every check has; a kind's spec adds ``kind: Literal[...]`` and its own keys."""

    step: str = Field(
        description="runbook step id, e.g. '1.1'; must be declared in the system's steps"
    )
    name: Ident | None = Field(
        None, description="the last part of the test id; derived when omitted"
    )
    severity: Severity | None = None
    timeout: float | None = Field(None, gt=0, le=300)

    def default_name(self) -> str:
        """The last part of the test id when the inventory gives no ``name``."""
        if self.name:
            return self.name
        raise AssertionError(f"{type(self).__name__}: a check of this kind needs a name")

    def databases(self) -> list[str]:
        """The host's databases (keys of ``databases``) this check queries."""
        return []

    def database_problems(self, databases: Mapping[str, AnyDatabase]) -> list[str]:
        """``KEY: reason`` for each declared database this check cannot use (an engine it
        cannot read the way it needs); checked at load."""
        return []


class DatabaseBase(Model):
    statement_timeout: float = Field(10.0, gt=0, le=600, description="seconds per statement")


class MysqlDatabase(DatabaseBase):
    engine: Literal["mysql"] = "mysql"
    host: Address | None = Field(None, description="default: the host's address")
    port: int = Field(3306, ge=1, le=65535)
    user: str
    password: SecretRef
    database: str


SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class PostgresDatabase(DatabaseBase):
    engine: Literal["postgresql"]
    host: Address | None = Field(None, description="default: the host's address")
    port: int = Field(5432, ge=1, le=65535)
    user: str
    password: SecretRef
    database: str
    sslmode: SslMode = "prefer"
    sslrootcert: str | None = Field(
        None, description="CA certificate for verify-ca / verify-full, relative to the inventory"
    )


class SqliteDatabase(DatabaseBase):
    """A file on the host, opened read-only there, through the host's connection."""

    engine: Literal["sqlite"]
    path: str = Field(pattern=r"^/", description="absolute path of the database file on the host")


ENGINES = ("mysql", "postgresql", "sqlite")


def _engine(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("engine", "mysql"))
    return str(getattr(value, "engine", "mysql"))


Database = Annotated[
    Annotated[MysqlDatabase, Tag("mysql")]
    | Annotated[PostgresDatabase, Tag("postgresql")]
    | Annotated[SqliteDatabase, Tag("sqlite")],
    Discriminator(
        _engine,
        custom_error_type="engine",
        custom_error_message="engine must be one of mysql, postgresql, sqlite",
    ),
]
AnyDatabase = MysqlDatabase | PostgresDatabase | SqliteDatabase
