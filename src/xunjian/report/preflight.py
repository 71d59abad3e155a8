"""The privilege preflight's output (:mod:`xunjian.observe.privileges`): one line per database
account, printed by ``python -m xunjian.inventory check --connect PATH`` and, once per run, in
the terminal summary under "xunjian preflight". A WARN there never fails the run."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from xunjian import guard
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import load
from xunjian.inventory.preflight import check_secrets
from xunjian.inventory.secrets import SECRETS
from xunjian.observe import db, deadline, mysql, postgresql
from xunjian.observe.privileges import Finding, accounts, preflight
from xunjian.result import Verdict

SECTION = "xunjian preflight"


class PreflightSummary:
    """Asks in the background from the start of the session; shows the answer at its end."""

    def __init__(self, cases: list[CheckCase]) -> None:
        self.cases = cases
        self.findings: list[Finding] = []
        self.failed = ""
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            self.findings = preflight(self.cases)
        except Exception as e:  # advisory: a bug here must not pass for "no answer"
            self.failed = f"UNKNOWN the preflight failed: {type(e).__name__}: {e}"

    @pytest.hookimpl
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._thread = threading.Thread(target=self._run, name="xunjian-preflight", daemon=True)
        self._thread.start()

    def _limit(self) -> float:
        found = accounts(self.cases).values()
        return max((db.query_limit(c, n) for c, n in found), default=0) + 2 * deadline.GRACE

    @pytest.hookimpl(trylast=True)  # after the verdicts
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self._thread is None:
            return
        self._thread.join(self._limit())
        lines = [f.line() for f in self.findings] or [
            self.failed or f"UNKNOWN the preflight gave no answer within {self._limit():g} s"
        ]
        terminalreporter.write_sep("=", SECTION, yellow=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=not line.startswith("OK"))


def register(config: pytest.Config, cases: list[CheckCase]) -> None:
    """Run the preflight once, in this process (the controller), if any check uses a database."""
    if accounts(cases):
        config.pluginmanager.register(PreflightSummary(cases), "xunjian-preflight")


def connect_check(path: Path) -> int:
    """``check --connect PATH``: 0 if every account was checked (OK or WARN), 1 if one could
    not be reached, 4 if the file is invalid or a secret it needs is missing."""
    try:
        used = [c for c in load(path) if c.spec.databases()]
        check_secrets(path, used, SECRETS)
        if guard.enabled() and (far := guard.outside(used)):
            raise InventoryError(
                path, [f"{guard.ENV} is set, and these targets are not loopback:", *far]
            )
    except InventoryError as e:
        print(e, file=sys.stderr)
        return 4
    try:
        findings = preflight(used)
    finally:
        mysql.reset()
        postgresql.reset()
    for finding in findings:
        print(finding.line())
    if not findings:
        print(f"{path}: no check uses a database")
    return 1 if any(f.verdict is Verdict.UNKNOWN for f in findings) else 0
