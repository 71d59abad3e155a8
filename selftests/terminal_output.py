"""Reading a pytest run's terminal output the same way whatever the terminal or CI settings."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^={3,} (.+?) ={3,}$", re.M)


def section(out: str, title: str) -> str:
    """The body of the ``===== title =====`` section of ``out`` (empty when absent).

    Counting in one section keeps a test independent of the short summary, which pytest prints
    untruncated when the ``CI`` variable is set and cut to the terminal width otherwise.
    """
    headers = list(_HEADER.finditer(out))
    for here, after in zip(headers, [*headers[1:], None], strict=True):
        if here.group(1) == title:
            return out[here.end() : after.start() if after else len(out)]
    return ""


def failures(out: str) -> str:
    return section(out, "FAILURES")
