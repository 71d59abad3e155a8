"""Whether this run may send messages (``--notify``), for the checks that send one themselves
(the ``webhook`` kind's signed test message). Without it nothing is ever sent.

The plugin's ``pytest_configure`` calls :func:`use` in the controller and in every xdist worker.
"""

from __future__ import annotations

_notify = False


def use(notify: bool) -> None:
    global _notify
    _notify = bool(notify)


def enabled() -> bool:
    return _notify
