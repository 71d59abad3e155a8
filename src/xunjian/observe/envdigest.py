"""Environment variables of a service, reduced ON THE HOST to what may leave it: for each name,
whether it is set, its length in bytes and the SHA-256 of its value (pyinfra-style facts: a
quoted shell command and a pure parse).

Two sources: ``/proc/PID/environ`` of a running process (NUL-separated, read with GNU grep
``-z``), or an env file in dotenv syntax (parsed by a small POSIX awk program: ``export``,
comments, single quotes taken literally, double quotes with ``\\n \\t \\" \\\\`` escapes and
several lines, last assignment wins; no ``${VAR}`` interpolation). A value only ever sits in a
shell variable on the host and goes to ``wc -c`` and ``sha256sum`` through a pipe from the
builtin ``printf``: never on a command line, never in the output.

On the runner, :func:`keyed` turns the host's digest into the keyed hash that is remembered
(HMAC-SHA256 with a key from the environment); the plain digest stays in memory, for comparing
with an ``equals`` value, and is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shlex
from dataclasses import dataclass, field

from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.result import ObservationError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
UNREADABLE_RC = 45  # the source exists but may not be read (another user's process)
TOOL_RC = 46  # a tool the command needs is missing on the host

_DIGEST = r"""emit() {
  printf '%s 1 %s %s\n' "$1" "$(printf %s "$v" | wc -c | tr -d ' ')" \
    "$(printf %s "$v" | sha256sum | cut -c1-64)"
}
command -v sha256sum >/dev/null 2>&1 || { echo "sha256sum is not installed" >&2; exit 46; }
"""

# dotenv, as python-dotenv and Node's dotenv read the common cases; exit 3: the name is not set
DOTENV_AWK = r"""
function dq(s,   i, c, nx, out) {
  out = ""; closed = 0
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\" && i < length(s)) {
      nx = substr(s, i + 1, 1); i++
      if (nx == "n") out = out "\n"
      else if (nx == "t") out = out "\t"
      else if (nx == "r") out = out "\r"
      else if (nx == "\\" || nx == "\"" || nx == "'") out = out nx
      else out = out "\\" nx
    } else if (c == "\"") { closed = 1; return out }
    else out = out c
  }
  return out
}
{
  sub(/\r$/, "")
  line = $0
  sub(/^[ \t]+/, "", line)
  sub(/^export[ \t]+/, "", line)
  if (substr(line, 1, length(n)) != n) next
  rest = substr(line, length(n) + 1)
  if (rest !~ /^[ \t]*=/) next
  sub(/^[ \t]*=[ \t]*/, "", rest)
  q = substr(rest, 1, 1)
  if (q == "\"" || q == "'") {
    raw = substr(rest, 2); ok = 0
    while (1) {
      if (q == "'") { i = index(raw, "'"); if (i) { v = substr(raw, 1, i - 1); ok = 1; break } }
      else { v = dq(raw); if (closed) { ok = 1; break } }
      if ((getline more) <= 0) break
      sub(/\r$/, "", more); raw = raw "\n" more
    }
    if (!ok) next
  } else {
    v = rest; sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v)
  }
  found = 1; val = v
}
END { if (!found) exit 3; printf "%s", val }
"""


@dataclass(frozen=True)
class Seen:
    """One variable as the host reported it; ``sha256`` never leaves the check (not in repr)."""

    present: bool
    length: int = 0  # bytes
    sha256: str = field(default="", repr=False)

    @property
    def set(self) -> bool:
        """Present and not empty."""
        return self.present and self.length > 0

    def is_value(self, value: str) -> bool:
        """Whether the value is ``value`` (compared by digest: the value never came here)."""
        return self.present and hmac.compare_digest(self.sha256, sha256_hex(value))


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keyed(key: bytes, seen: Seen) -> str | None:
    """The keyed hash remembered for a set variable (HMAC-SHA256 of its digest); None if unset."""
    if not seen.present:
        return None
    return hmac.new(key, bytes.fromhex(seen.sha256), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short fingerprint of the hash key, so that a new key is not taken for changed values."""
    return hmac.new(key, b"xunjian environ key id", hashlib.sha256).hexdigest()[:16]


def _check_names(names: tuple[str, ...]) -> None:
    bad = [n for n in names if not NAME.match(n)]
    if bad or not names:
        raise ValueError(f"not environment variable names: {bad or names!r}")


def parse_digests(section: Section, names: tuple[str, ...], what: str) -> dict[str, Seen]:
    """``NAME 0`` or ``NAME 1 LENGTH SHA256`` per name; the host's stderr names a failure."""
    if section.rc != 0:
        said = "; ".join(ln.strip() for ln in section.stderr.splitlines() if ln.strip())
        raise ObservationError(f"{what}: failed (rc={section.rc}): {said[:300] or 'no output'}")
    found: dict[str, Seen] = {}
    for line in section.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "0":
            found[parts[0]] = Seen(False)
        elif len(parts) == 4 and parts[1] == "1" and parts[2].isdigit():
            if not re.fullmatch(r"[0-9a-f]{64}", parts[3]):
                raise ObservationError(f"{what}: no SHA-256 digest for {parts[0]}")
            found[parts[0]] = Seen(True, int(parts[2]), parts[3])
    missing = [n for n in names if n not in found]
    if missing:
        raise ObservationError(f"{what}: no answer for {', '.join(missing)}")
    return {n: found[n] for n in names}


@dataclass(frozen=True)
class ProcEnv(Fact[dict[str, Seen] | None]):
    """The named variables of process ``pid`` (``/proc/PID/environ``); None if it has ended."""

    pid: int
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_names(self.names)

    @property
    def path(self) -> str:
        return f"/proc/{int(self.pid)}/environ"

    def command(self) -> str:
        f = self.path
        lines = [
            f"f={f}",
            f'[ -e "$f" ] || exit {MISSING_RC}',
            f'{{ : < "$f"; }} 2>/dev/null || {{ echo "cannot read $f: permission denied '
            f"(read it as root or as the process's user)\" >&2; exit {UNREADABLE_RC}; }}",
            _DIGEST,
            # without -z (busybox) every name would look unset: refuse instead
            "printf 'a\\000' | grep -zq a 2>/dev/null || "
            f'{{ echo "grep -z is not supported here (GNU grep is needed)" >&2; exit {TOOL_RC}; }}',
        ]
        for n in self.names:
            lines.append(
                f'if grep -zq "^{n}=" "$f"; then '
                f'v=$(grep -z -m1 "^{n}=" "$f" | tr -d \'\\000\'; echo x); v=${{v%x}}; '
                f'v=${{v#{n}=}}; emit {n}; else echo "{n} 0"; fi'
            )
        return "\n".join(lines)

    def describe(self) -> str:
        return f"read {', '.join(self.names)} from {self.path}"

    def parse(self, section: Section) -> dict[str, Seen] | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        return parse_digests(section, self.names, self.describe())


@dataclass(frozen=True)
class FileEnv(Fact[dict[str, Seen] | None]):
    """The named variables of an env file (dotenv syntax); None if the file does not exist."""

    path: str
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_names(self.names)

    def command(self) -> str:
        p = shlex.quote(self.path)
        awk = shlex.quote(DOTENV_AWK)
        lines = [
            f"f={p}",
            f'[ -e "$f" ] || exit {MISSING_RC}',
            f'[ -r "$f" ] || {{ echo "cannot read $f: permission denied" >&2; '
            f"exit {UNREADABLE_RC}; }}",
            _DIGEST,
        ]
        for n in self.names:
            lines.append(
                f'v=$(awk -v n={n} {awk} "$f" && echo x); rc=$?; '
                f'case $rc in 0) v=${{v%x}}; emit {n};; 3) echo "{n} 0";; '
                f'*) echo "awk failed on $f (rc=$rc)" >&2; exit {TOOL_RC};; esac'
            )
        return "\n".join(lines)

    def describe(self) -> str:
        return f"read {', '.join(self.names)} from {shlex.quote(self.path)}"

    def parse(self, section: Section) -> dict[str, Seen] | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        return parse_digests(section, self.names, self.describe())
