"""Faults a lab app reads on every request: a JSON object in a file, switched by the tests.

A component that serves faults names its file (``faults``) and mixes in :class:`Faults`:

>>> app.fault(health_delay=1.2)      # adds to the faults already on
>>> app.clear_faults()
"""

from __future__ import annotations

import json
from pathlib import Path


class Faults:
    """``fault``/``clear_faults`` over the JSON file at ``faults`` (replaced atomically, so the
    app never reads half a file)."""

    @property
    def faults(self) -> Path:
        raise NotImplementedError

    def fault(self, **faults: object) -> None:
        """Switch faults on; they add to those already on."""
        on = self.faults_on() | faults
        tmp = self.faults.with_suffix(".new")
        tmp.write_text(json.dumps(on))
        tmp.replace(self.faults)

    def clear_faults(self) -> None:
        self.faults.unlink(missing_ok=True)

    def faults_on(self) -> dict[str, object]:
        try:
            loaded = json.loads(self.faults.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}
