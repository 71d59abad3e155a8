"""log: the last N lines of a file show the success marker and no failure marker.

The file may be found from the database, as runbook 000 row 1.3 says: the rsync log directory is
the parent of the path stored in ``thqh.Location``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from xunjian.checks.spec import spec_of
from xunjian.inventory import CheckCase
from xunjian.inventory.schema import LogCheck
from xunjian.observe.host import probe_for
from xunjian.observe.mysql import query, query_limit
from xunjian.result import ObservationError, Result


@dataclass(frozen=True)
class LogObservation:
    path: str
    lines: tuple[str, ...] | None  # None: the file does not exist


def _spec(case: CheckCase) -> LogCheck:
    return spec_of(case, LogCheck)


def derive_path(stored: str, parent: int, relative: str) -> str:
    """``/usr/local/Thqh/rsyncData/incr_csv/``, 1, ``rsync_log/x.log`` -> ``/usr/local/Thqh/rsyncData/rsync_log/x.log``."""
    if not stored.startswith("/"):
        raise ValueError(f"stored path {stored!r} is not absolute")
    base = posixpath.normpath(stored)
    for _ in range(parent):
        base = posixpath.dirname(base)
    return posixpath.join(base, relative)


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    parts = [f"the last {spec.lines} lines"]
    if spec.success:
        parts.append(f"contain {spec.success!r}")
    if spec.failure:
        parts.append("and no " + " / ".join(repr(f) for f in spec.failure))
    return " ".join(parts)


def budget(case: CheckCase) -> float:
    """The path query, if any, then one ``tail`` on the host."""
    src = _spec(case).path_from_sql
    return (query_limit(case, src.db) if src else 0) + probe_for(case).limit


def locate(case: CheckCase) -> str:
    spec = _spec(case)
    if spec.path:
        return spec.path
    src = spec.path_from_sql
    if src is None:
        raise TypeError(f"{case.id}: a log check needs path or path_from_sql")
    rows = query(case, src.db, src.query)
    if not rows.rows or not rows.rows[0] or not isinstance(rows.rows[0][0], str):
        raise ObservationError(f"the path query returned no path (rows: {rows.rows[:1]!r})")
    try:
        return derive_path(rows.rows[0][0], src.parent, src.relative)
    except ValueError as e:
        raise ObservationError(str(e)) from None


def observe(case: CheckCase) -> LogObservation:
    spec = _spec(case)
    path = locate(case)
    out = probe_for(case).run("env LC_ALL=C tail -n %s -- %s", spec.lines, path)
    if out.rc != 0:
        if "No such file" in out.stderr:
            return LogObservation(path, None)
        raise ObservationError(f"cannot read {path}: {out.stderr.strip() or f'rc={out.rc}'}")
    return LogObservation(path, tuple(out.stdout.splitlines()))


def evaluate(case: CheckCase, obs: LogObservation) -> Result:
    spec = _spec(case)
    exp = f"{obs.path}: {expected(case)}"
    if obs.lines is None:
        return Result.crit(exp, f"{obs.path} does not exist", "the log file is missing")
    if not any(line.strip() for line in obs.lines):
        # no line to judge: a failure-only check must not pass on a log that says nothing
        actual = "(empty file)" if not obs.lines else f"({len(obs.lines)} blank line(s))"
        return Result.crit(exp, actual, "the log is empty: nothing was logged to judge")
    bad = tuple(line for line in obs.lines if any(f in line for f in spec.failure))
    if bad:
        return Result.crit(exp, f"{len(bad)} failure line(s)", f"{bad[-1].strip()}", bad[-5:])
    # "日志最后显示传输成功，无“传输失败”": with no failure line in the tail, a success line
    # in it is the last transfer's outcome
    last = obs.lines[-1].strip()
    if spec.success and not any(spec.success in ln for ln in obs.lines):
        return Result.crit(
            exp, f"no {spec.success!r}; last line: {last}", f"no {spec.success!r} in the tail"
        )
    return Result.ok(exp, f"last line: {last}")
