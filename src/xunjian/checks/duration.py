"""A span of time written as the runbooks write it: ``90 min``, ``1h``, ``180d``, ``3y``
(a year is 365 days): an inventory field type and its length in seconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

UNITS = {"min": 60, "h": 3600, "d": 86400, "y": 365 * 86400}
PATTERN = r"^\d+ ?(min|h|d|y)$"
Duration = Annotated[str, Field(pattern=PATTERN, description="e.g. 90 min, 1h, 180d, 3y")]


def seconds(text: str) -> int:
    """``"1h"`` -> 3600; ValueError naming the text otherwise."""
    m = re.fullmatch(r"(\d+) ?(min|h|d|y)", text)
    if m is None:
        raise ValueError(f"{text!r} is not a duration such as 90 min, 1h, 180d or 3y")
    return int(m.group(1)) * UNITS[m.group(2)]
