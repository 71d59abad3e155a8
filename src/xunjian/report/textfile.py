"""The run's verdicts as a Prometheus textfile, for node_exporter's textfile collector.

One gauge series per check, ``xunjian_check_verdict`` (Nagios numbering: OK 0, WARN 1, CRIT 2,
UNKNOWN 3) labelled system, host, step, kind, level and check (the check id); beside it the
run's ``xunjian_run_duration_seconds`` and ``xunjian_run_timestamp_seconds`` (when it finished).
The file is replaced atomically (prometheus-client writes a temporary file and renames it), so
the collector never reads half of it. An alert rule such as ``xunjian_check_verdict >= 2``
pages on CRIT and UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest, write_to_textfile

from xunjian.result import Verdict

VERDICT_VALUES = {Verdict.OK: 0, Verdict.WARN: 1, Verdict.CRIT: 2, Verdict.UNKNOWN: 3}
LABELS = ("system", "host", "step", "kind", "level", "check")


@dataclass(frozen=True)
class CheckSample:
    """One check's verdict and the labels it is shown by (``level``: the check's severity)."""

    check_id: str
    system: str
    host: str
    step: str
    kind: str
    level: str
    verdict: Verdict


def build_registry(
    samples: Iterable[CheckSample], duration_seconds: float, finished: datetime
) -> CollectorRegistry:
    """A fresh registry holding the run's metrics (nothing of the process's default one)."""
    if duration_seconds < 0:
        raise ValueError(f"duration_seconds {duration_seconds} is negative")
    if finished.tzinfo is None or finished.utcoffset() is None:
        raise ValueError(f"finished {finished.isoformat()} has no timezone: give an aware datetime")
    registry = CollectorRegistry(auto_describe=True)
    verdict = Gauge(
        "xunjian_check_verdict",
        "Verdict of a check in the last run: OK 0, WARN 1, CRIT 2, UNKNOWN 3",
        LABELS,
        registry=registry,
    )
    seen: set[str] = set()
    for s in samples:
        if s.check_id in seen:
            raise ValueError(f"check {s.check_id!r} is given twice")
        seen.add(s.check_id)
        labels = (s.system, s.host, s.step, s.kind, s.level, s.check_id)
        verdict.labels(*labels).set(VERDICT_VALUES[s.verdict])
    Gauge("xunjian_run_duration_seconds", "How long the last run took", registry=registry).set(
        duration_seconds
    )
    Gauge(
        "xunjian_run_timestamp_seconds",
        "When the last run finished, in seconds since the Unix epoch",
        registry=registry,
    ).set(finished.timestamp())
    return registry


def render(samples: Iterable[CheckSample], duration_seconds: float, finished: datetime) -> str:
    """The textfile's content (Prometheus text format, UTF-8)."""
    registry = build_registry(samples, duration_seconds, finished)
    return generate_latest(registry).decode("utf-8")


def write_textfile(
    path: Path | str, samples: Iterable[CheckSample], duration_seconds: float, finished: datetime
) -> Path:
    """Write the run's metrics to ``path`` (its name must end in ``.prom``, or the collector
    skips it), atomically; return the path."""
    path = Path(path)
    if path.suffix != ".prom":
        raise ValueError(f"{path}: node_exporter's textfile collector reads only *.prom files")
    registry = build_registry(samples, duration_seconds, finished)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
    return path
