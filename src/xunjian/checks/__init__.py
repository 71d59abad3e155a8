"""Check kinds, one module each (see :mod:`xunjian.checks.registry`), and the runner."""

from xunjian.checks.registry import kinds, module
from xunjian.checks.runner import plan, run

__all__ = ["kinds", "module", "plan", "run"]
