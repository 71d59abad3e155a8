"""An inventory's run-wide settings: history, the biweekly calendar, alerts, an env file.

history: {path: reports/history.sqlite, keep_days: 90}
schedule: {biweekly_anchor: 2026-11-20}     # a Friday: biweekly runs on it, every 2 weeks
env_file: ../.lab/lab.env                   # dotenv syntax, relative to the inventory
alerts: {channels: {...}, routes: [...]}    # see xunjian.alerts.config
reports: {markdown: reports/api_validation_report.md}   # a Markdown report of the run
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from xunjian.alerts.config import AlertsConfig
from xunjian.due import check_anchor
from xunjian.inventory.model import Model


class HistoryConfig(Model):
    path: str = Field(
        "reports/history.sqlite", description="SQLite file of past runs, relative to the run"
    )
    keep_days: int = Field(90, ge=1, le=3650, description="runs older than this are pruned")


class ScheduleConfig(Model):
    biweekly_anchor: date = Field(
        description="a Friday on which the biweekly checks are due (and every second one after)"
    )

    @field_validator("biweekly_anchor", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        """YAML reads 2026-11-20 as a date already; a quoted one is an ISO string."""
        return date.fromisoformat(value) if isinstance(value, str) else value

    @field_validator("biweekly_anchor")
    @classmethod
    def _friday(cls, value: date) -> date:
        return check_anchor(value)


class ReportsConfig(Model):
    markdown: str | None = Field(
        None,
        pattern=r"\.md$",
        description="a Markdown report of this inventory's checks, written at the run's end "
        "(relative to the run, like history.path), e.g. reports/api_validation_report.md",
    )
    title: str = Field("巡检报告", min_length=1, description="the report's heading")


class Settings(Model):
    """The run-wide keys of one inventory file."""

    history: HistoryConfig = Field(default_factory=HistoryConfig)  # type: ignore[arg-type]
    schedule: ScheduleConfig | None = None
    env_file: str | None = Field(
        None, description="variables for ${VAR} secrets (dotenv), refused if others can read it"
    )
    alerts: AlertsConfig | None = None
    reports: ReportsConfig = Field(default_factory=ReportsConfig)  # type: ignore[arg-type]
