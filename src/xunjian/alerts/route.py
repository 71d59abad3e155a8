"""Level routing: which part of a run each channel is told about."""

from __future__ import annotations

from xunjian.alerts.config import AlertsConfig
from xunjian.alerts.summary import RunSummary


def newsworthy(summary: RunSummary) -> bool:
    """Whether a (routed) summary has a check that is not OK or one that recovered."""
    return bool(summary.recovered) or any(i.verdict != "OK" for i in summary.items)


def route(config: AlertsConfig, summary: RunSummary) -> dict[str, RunSummary]:
    """Per channel name, the run restricted to the levels routed to that channel; a channel
    with nothing to report is left out unless a route gives it ``send_ok``."""
    routed = {}
    for name in config.channels:
        part = summary.only(config.levels_for(name))
        if newsworthy(part) or config.sends_ok(name):
            routed[name] = part
    return routed
