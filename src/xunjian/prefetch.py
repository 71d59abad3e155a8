"""Gathering ahead: while a machine's checks run, the next machines' facts are gathered in the
background, so that ssh round trips overlap the checks' own work instead of adding to it.

Which machines come next: without xdist, the items after the running one; in an xdist worker,
the items the controller queued on this worker (pytest-xdist keeps them in its
``WorkerInteractor.torun`` queue; if that ever changes, gathering ahead simply stops and every
machine is gathered when its first check runs, as before).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from itertools import islice
from typing import Any

import pytest

from xunjian.checks import runner
from xunjian.inventory.case import CheckCase

LOOK = 200  # queued items looked at for the next machines


def _case(item: pytest.Item) -> CheckCase | None:
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    return case if isinstance(case, CheckCase) else None


class Prefetch:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.position: dict[str, int] = {}
        self.off = False

    def _queued(self, session: pytest.Session) -> list[int] | None:
        """Indices of the items xdist queued on this worker, or None outside a worker."""
        for plugin in self.config.pluginmanager.get_plugins():
            queue = getattr(plugin, "torun", None)
            if queue is not None and hasattr(queue, "lock"):
                nxt: Any = getattr(plugin, "nextitem_index", None)
                with queue.lock() as items:
                    queued = [i for i in islice(items, LOOK) if isinstance(i, int)]
                return ([nxt] if isinstance(nxt, int) else []) + queued
        return None

    def _upcoming(self, item: pytest.Item) -> Iterator[CheckCase]:
        items = item.session.items
        queued = self._queued(item.session) if hasattr(self.config, "workerinput") else None
        if queued is None:
            if not self.position:
                self.position = {it.nodeid: n for n, it in enumerate(items)}
            start = self.position.get(item.nodeid, len(items)) + 1
            following = items[start : start + LOOK]
        else:
            following = [items[i] for i in queued if 0 <= i < len(items)]
        for it in following:
            case = _case(it)
            if case is not None:
                yield case

    @pytest.hookimpl
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if _case(item) is None or self.off:
            return
        try:
            runner.ahead(self._upcoming(item))
        except Exception as e:  # an optimisation: never a check's failure
            self.off = True
            warnings.warn(
                f"xunjian: gathering ahead stopped: {type(e).__name__}: {e}", stacklevel=1
            )
