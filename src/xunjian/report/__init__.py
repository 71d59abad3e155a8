"""Report outputs, one per module: terminal summary, pytest-html columns, Allure labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xunjian.outcome import PREFIX


def fields(report: Any) -> dict[str, str]:
    """The xunjian.* user properties of a test report, without the prefix."""
    props: Iterable[tuple[str, Any]] = getattr(report, "user_properties", ()) or ()
    return {
        k[len(PREFIX) :]: str(v) for k, v in props if isinstance(k, str) and k.startswith(PREFIX)
    }
