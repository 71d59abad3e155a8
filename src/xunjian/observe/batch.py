"""One remote command for many facts: a generated POSIX sh script and its parser (pure).

Each fact's command runs in its own subshell, bounded by ``timeout`` where the host has it, with
its stdout and stderr kept apart and its exit code recorded; one failing fact does not spoil the
others. Sections are delimited by lines holding a random token, so a file's content cannot pose
as a delimiter.

    @@xj TOKEN 0 out          <- fact 0's stdout follows
    ...
    @@xj TOKEN 0 err 0        <- its exit code; its stderr follows
    ...
    @@xj TOKEN end
"""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass

FACT_TIMEOUT = 20  # seconds one fact's command may run on the host
TIMEOUT_RC = 124  # timeout(1)'s exit code when it stopped the command


@dataclass(frozen=True)
class Section:
    """What one fact's command left: exit code and both streams, as text."""

    rc: int
    stdout: str
    stderr: str


def new_token() -> str:
    return secrets.token_hex(8)


def script(commands: list[str], token: str, fact_timeout: int = FACT_TIMEOUT) -> str:
    """A POSIX sh script running ``commands`` (each a shell command line) one after another."""
    lines = [
        "exec 3>&1",
        f"if command -v timeout >/dev/null 2>&1; then T='timeout {fact_timeout:d}'; else T=; fi",
    ]
    for i, command in enumerate(commands):
        lines += [
            f"printf '\\n@@xj {token} {i} out\\n'",
            # stdout straight to the real stdout (fd 3), stderr captured; $? is the command's
            f"e=$( {{ $T sh -c {shlex.quote(command)} </dev/null 2>&1 >&3 3>&-; }} )",
            "rc=$?",
            f'printf \'\\n@@xj {token} {i} err %s\\n%s\' "$rc" "$e"',
        ]
    lines.append(f"printf '\\n@@xj {token} end\\n'")
    return "\n".join(lines) + "\n"


def parse(output: str, token: str, count: int) -> list[Section | None]:
    """One section per command, in order; None for a command the output stops before (the
    batch was cut off, or the shell died)."""
    found: list[Section | None] = []
    pos = 0
    for i in range(count):
        out_mark = f"\n@@xj {token} {i} out\n"
        err_mark = f"\n@@xj {token} {i} err "
        start = output.find(out_mark, pos)
        if start < 0:
            found.append(None)
            continue
        body = start + len(out_mark)
        err_at = output.find(err_mark, body)
        if err_at < 0:
            found.append(None)
            continue
        newline = output.find("\n", err_at + len(err_mark))
        rc_text = output[err_at + len(err_mark) : newline] if newline >= 0 else ""
        if newline < 0 or not rc_text.isdigit():
            found.append(None)
            continue
        nxt = output.find(f"\n@@xj {token} ", newline)
        if nxt < 0:  # the stderr of a fact whose successor never started
            found.append(None)
            continue
        found.append(Section(int(rc_text), output[body:err_at], output[newline + 1 : nxt]))
        pos = nxt
    return found
