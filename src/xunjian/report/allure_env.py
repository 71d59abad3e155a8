"""What Allure reads beside the test results: ``environment.properties`` (the run's inventory,
runner, versions), ``categories.json`` (failures sorted by verdict and cause) and the previous
report's ``history/`` (for the trend graphs).

Write them into the results directory after allure-pytest has cleaned it (``--clean-alluredir``
empties it when the session starts), e.g. at the end of the session, and before
``allure generate``.

A failed check's Allure message is its failure text (:func:`xunjian.outcome.failure_text`, after
pytest's ``Failed: ``)::

    Failed: [UNKNOWN] <system> / <host> (<address>) / 步骤 <step> <title>: <reason>
      expected: ...
      actual:   could not observe: <reason>

The categories match the verdict in brackets and, for UNKNOWN, words of the first line:
unreachable (refused, cannot open, login failed or silent: the host or service could not be
reached or logged into), else timeout (timed out, no answer within), else other. Every category
holds failed tests only: a WARN is listed only when ``--fail-on-warn`` failed it (a passing WARN
has no message to match; its WARN tag finds it). Allure's ``messageRegex`` must match the whole
message (Java's ``String.matches``), hence the trailing ``.*`` and the ``(?s)`` flag.
"""

from __future__ import annotations

import json
import platform
import shutil
import socket
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

UNREACHABLE = (
    r"unreachable|not reachable|refused|cannot open|can't connect|could not connect"
    r"|failed to connect|ConnectionError|no route to host|name or service not known"
    r"|could not resolve|name resolution|access denied|authentication failed"
    r"|host key verification failed|\(login\)"
)
TIMEOUT = r"timed out|timeout|no answer within|did not answer"


def _head(verdict: str) -> str:
    return rf"(?:[\w.]+: )?\[{verdict}\] "  # pytest's "Failed: " prefix, then the verdict


CATEGORIES: list[dict[str, object]] = [
    {
        "name": "UNKNOWN: unreachable",
        "matchedStatuses": ["failed"],
        "messageRegex": rf"(?si){_head('UNKNOWN')}[^\n]*(?:{UNREACHABLE}).*",
    },
    {
        "name": "UNKNOWN: timeout",
        "matchedStatuses": ["failed"],
        "messageRegex": (
            rf"(?si){_head('UNKNOWN')}(?![^\n]*(?:{UNREACHABLE}))[^\n]*(?:{TIMEOUT}).*"
        ),
    },
    {
        "name": "UNKNOWN: other",
        "matchedStatuses": ["failed"],
        "messageRegex": rf"(?si){_head('UNKNOWN')}(?![^\n]*(?:{UNREACHABLE}|{TIMEOUT})).*",
    },
    {"name": "CRIT", "matchedStatuses": ["failed"], "messageRegex": rf"(?s){_head('CRIT')}.*"},
    {"name": "WARN", "matchedStatuses": ["failed"], "messageRegex": rf"(?s){_head('WARN')}.*"},
]


def escape_property(text: str, key: bool = False) -> str:
    """``text`` as ``java.util.Properties.store`` writes it: ASCII, with ``\\uXXXX`` for the
    rest (UTF-16, so two escapes beyond the BMP); spaces escaped in a key, leading ones in a
    value."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            out.append("\\ " if key or i == 0 else " ")
        elif ch in "\\=:#!":
            out.append("\\" + ch)
        elif ch in "\t\n\r\f":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}[ch])
        elif " " < ch <= "~":
            out.append(ch)
        else:
            units = ch.encode("utf-16-be")
            out.extend(
                f"\\u{int.from_bytes(units[j : j + 2]):04X}" for j in range(0, len(units), 2)
            )
    return "".join(out)


def xunjian_version() -> str:
    try:
        return version("xunjian")
    except PackageNotFoundError:
        return "unknown"


def environment(inventories: Sequence[str], host: str | None = None) -> dict[str, str]:
    """The entries of Allure's Environment widget for this run."""
    return {
        "inventory": ", ".join(inventories),
        "runner.host": host if host is not None else socket.gethostname(),
        "xunjian.version": xunjian_version(),
        "python.version": platform.python_version(),
    }


def write_environment(results_dir: Path, entries: Mapping[str, str]) -> Path:
    """Write ``entries`` (e.g. :func:`environment`) as ``results_dir/environment.properties``."""
    for k in entries:
        if not k:
            raise ValueError("an environment entry has an empty name")
    lines = [f"{escape_property(k, key=True)}={escape_property(v)}" for k, v in entries.items()]
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "environment.properties"
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    return path


def write_categories(results_dir: Path) -> Path:
    """Write :data:`CATEGORIES` as ``results_dir/categories.json``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def carry_history(previous_report_dir: Path, results_dir: Path) -> int:
    """Copy the previous generated report's ``history/*.json`` into ``results_dir/history``,
    so that the next report continues its trends; return how many files were copied (0, and
    nothing done, when there is no previous report)."""
    source = previous_report_dir / "history"
    if not source.is_dir():
        return 0
    files = sorted(f for f in source.glob("*.json") if f.is_file())
    if files:
        (results_dir / "history").mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, results_dir / "history" / f.name)
    return len(files)
