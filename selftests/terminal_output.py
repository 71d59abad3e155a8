"""Reading a pytest run's terminal output the same way whatever the terminal or CI settings."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_HEADER = re.compile(r"^={3,} (.+?) ={3,}$", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a pytest subprocess whose output a test reads: the caller's, minus
    what changes that output (``PYTEST_ADDOPTS``, colours, terminal width), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_ADDOPTS", "FORCE_COLOR"}}
    return env | {"PY_COLORS": "0", "COLUMNS": "200"} | dict(extra or {})


def section(out: str, title: str) -> str:
    """The body of the ``===== title =====`` section of ``out`` (empty when absent).

    Counting in one section keeps a test independent of the short summary, which pytest prints
    untruncated when the ``CI`` variable is set and cut to the terminal width otherwise.
    """
    out = _ANSI.sub("", out)
    headers = list(_HEADER.finditer(out))
    for here, after in zip(headers, [*headers[1:], None], strict=True):
        if here.group(1) == title:
            return out[here.end() : after.start() if after else len(out)]
    return ""


def failures(out: str) -> str:
    return section(out, "FAILURES")
