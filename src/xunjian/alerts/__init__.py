"""Alerts: one grouped message per channel and run (Feishu, DingTalk and WeCom bots, mail),
routed by level, delivered with a checked answer and retries, secrets kept out of everything.

>>> outcomes = deliver(config, summary)        # AlertsConfig, RunSummary
>>> print(dry_run(config, summary))            # --notify-dry-run
"""

from xunjian.alerts.config import AlertsConfig, Route
from xunjian.alerts.deliver import Outcome, check_secrets, deliver
from xunjian.alerts.levels import LEVELS, Level, default_level, level_of
from xunjian.alerts.render import dry_run, render
from xunjian.alerts.summary import AlertItem, RunSummary

__all__ = [
    "LEVELS",
    "AlertItem",
    "AlertsConfig",
    "Level",
    "Outcome",
    "Route",
    "RunSummary",
    "check_secrets",
    "default_level",
    "deliver",
    "dry_run",
    "level_of",
    "render",
]
