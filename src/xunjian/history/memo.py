"""What a check remembers from its last run: a small JSON object kept with its verdict.

Some judgements compare with the previous run: a restart counter that climbs, an environment
variable whose keyed hash changed since last week. Such a check returns ``Result(...,
memo={...})``; the controller stores the memo in the run history (:mod:`.store`) with the
verdict, and the next run's ``observe`` reads it back with :func:`previous`, so that
``evaluate`` stays pure (the memo is part of its observation).

The history file is the run's (``--history``, else the first inventory's ``history.path``): the
plugin tells this module with :func:`use` in the controller and in every xdist worker. Memos are
read once per process. A memo holds no secret: it lands in the history file and the JUnit XML.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from xunjian.history.store import History, HistoryError
from xunjian.inventory.case import CheckCase

_lock = threading.Lock()
_path: Path | None = None
_memos: dict[str, dict[str, Any]] | None = None


def use(path: Path | None) -> None:
    """The history file this process reads memos from (None: no history, no memos)."""
    global _path, _memos
    with _lock:
        _path, _memos = path, None


def current() -> History | None:
    """The run's history file (None: this run keeps none): for checks that read past runs."""
    return History(_path) if _path is not None else None


def previous(case: CheckCase) -> dict[str, Any] | None:
    """The memo this check left in the latest recorded run that has one; None if none."""
    global _memos
    with _lock:
        if _memos is None:
            try:
                _memos = History(_path).last_memos() if _path is not None else {}
            except HistoryError:
                _memos = {}
        found = _memos.get(case.id)
    return dict(found) if found is not None else None
