"""An HTTP request made on the host itself (``curl`` there), for endpoints only the host can
reach (``localhost:5000`` on the app server). One fact of the host's batch.

Headers are on curl's command line, which other users of the host can read in ``ps``: secret
headers are therefore refused for requests made on the host (see the http kind).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError

TIME_MARK = "\n@@xj-curl-time "
MAX_BODY = 1_000_000  # bytes of body kept (curl --max-filesize does not cut chunked bodies)
# curl's exit codes: 6 no such host, 7 refused, 28 timed out, 35/60 TLS
TIMED_OUT, TLS = 28, frozenset({35, 51, 58, 59, 60, 77, 80, 83, 90, 91})


@dataclass(frozen=True)
class CurlAnswer:
    status: int | None  # None: nothing answered (refused, TLS failed, timed out)
    status_line: str
    body: str
    elapsed_ms: float
    error: str | None
    timed_out: bool = False


@dataclass(frozen=True)
class HostRequest(Fact[CurlAnswer]):
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    seconds: float
    verify_tls: bool

    def command(self) -> str:
        argv = ["curl", "--silent", "--show-error", "--include", "--http1.1", "--noproxy", "*"]
        argv += ["--max-time", f"{self.seconds:g}", "--request", self.method]
        argv += ["--write-out", TIME_MARK + "%{time_total}"]
        if self.method == "HEAD":
            argv.append("--head")
        if not self.verify_tls:
            argv.append("--insecure")
        for name, value in self.headers:
            argv += ["--header", f"{name}: {value}"]
        argv += ["--", self.url]
        return f"{shlex.join(argv)} | head -c {MAX_BODY + 65536}"

    def describe(self) -> str:
        return f"curl {self.method} {self.url} (on the host)"

    def parse(self, section: Section) -> CurlAnswer:
        out = section.stdout
        if section.rc == 127 or "curl: not found" in section.stderr:
            raise ObservationError(f"{self.describe()}: curl is not on the host")
        head, _, timing = out.rpartition(TIME_MARK)
        said = " ".join(section.stderr.split())[:200]
        if not head.startswith("HTTP/"):
            timed_out = "timed out" in said or "Operation timed out" in said
            return CurlAnswer(None, "", "", 0.0, said or f"curl rc={section.rc}", timed_out)
        try:
            elapsed = float(timing.strip().replace(",", ".")) * 1000
        except ValueError:
            elapsed = 0.0
        headers, _, body = head.replace("\r\n", "\n").partition("\n\n")
        line = headers.splitlines()[0].strip()
        parts = line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if status is None:
            raise ObservationError(f"{self.describe()}: no status line in {line[:80]!r}")
        return CurlAnswer(status, line, body[:MAX_BODY], elapsed, None)
