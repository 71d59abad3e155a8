"""The workflow logs of runbook 001 §5: ``/tmp/logs/Server_*.log`` (the Flask server) and
``Accounting_API_*.log`` (the FastAPI stand-in), one new file per start, named by its start time
(``Server_20261125_234512.log``), one line per request and every unhandled error with its trace.

Fault ``quiet_logs`` (read per request) stops the request lines, so a test can age the files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

KEEP = 5  # files of one prefix kept at start; older ones are removed


class WorkLog:
    def __init__(self, directory: Path, prefix: str, faults: Callable[[], dict[str, Any]]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for old in sorted(directory.glob(f"{prefix}_*.log"))[:-KEEP] or []:
            old.unlink(missing_ok=True)
        self.path = directory / f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}.log"
        self.faults = faults
        self.lock = threading.Lock()

    def write(self, level: str, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {level} {text}\n")

    def attach(self, app: Flask) -> None:
        """A line per request (method, path, status, milliseconds: no header, no body)."""

        @app.before_request
        def started() -> None:
            g.started = time.monotonic()

        @app.after_request
        def done(resp: Response) -> Response:
            if not self.faults().get("quiet_logs"):
                ms = (time.monotonic() - g.get("started", time.monotonic())) * 1000
                self.write("INFO", f"{request.method} {request.path} {resp.status_code} {ms:.0f}ms")
            return resp
