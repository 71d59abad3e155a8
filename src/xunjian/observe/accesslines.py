"""Web server access log lines: nginx's ``combined`` format with ``$request_time`` appended
(the lab's nginx writes it; see the README's ``accesslog`` section), parsed purely, and the
host's clock for the window.

    log_format xunjian '$remote_addr - $remote_user [$time_local] "$request" $status '
                       '$body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from xunjian.observe.batch import Section
from xunjian.observe.facts import Fact
from xunjian.result import ObservationError

LOG_FORMAT = (
    "log_format xunjian '$remote_addr - $remote_user [$time_local] \"$request\" $status '\n"
    '                   \'$body_bytes_sent "$http_referer" "$http_user_agent" $request_time\';'
)
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LINE = re.compile(
    rf"^\S+ \S+ \S+ \[(?P<at>[^\]]+)\] (?P<request>{_QUOTED}) (?P<status>\d{{3}}) (?:\d+|-)"
    rf"(?: {_QUOTED} {_QUOTED}(?: (?P<rt>\d+(?:\.\d+)?|-))?)?\s*$"
)
TIME_LOCAL = "%d/%b/%Y:%H:%M:%S %z"


@dataclass(frozen=True)
class Access:
    at: float  # epoch seconds
    status: int
    seconds: float | None  # $request_time; None when the line has none


def parse_line(line: str) -> Access | None:
    """One access line, or None if it is not in the format."""
    m = _LINE.match(line)
    if m is None:
        return None
    try:
        at = datetime.strptime(m["at"], TIME_LOCAL).timestamp()
    except ValueError:
        return None
    rt = m["rt"]
    return Access(at, int(m["status"]), float(rt) if rt and rt != "-" else None)


@dataclass(frozen=True)
class EpochNow(Fact[float]):
    """The host's clock, in seconds since the epoch."""

    def command(self) -> str:
        return "date +%s"

    def parse(self, section: Section) -> float:
        if section.rc != 0:
            raise self.failed(section)
        try:
            return float(section.stdout.strip())
        except ValueError:
            raise ObservationError(f"`date +%s` printed {section.stdout[:60]!r}") from None
