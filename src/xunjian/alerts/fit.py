"""Fitting text into a byte budget: services count UTF-8 bytes, and Chinese takes three each."""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"


def utf8_len(text: str) -> int:
    """The length of ``text`` in UTF-8 bytes, the unit of every service's limit."""
    return len(text.encode())


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` bytes, else its longest prefix that fits with an
    ellipsis after it; a character is never split."""
    if limit < 0:
        raise ValueError(f"a byte limit must be 0 or more, got {limit}")
    if utf8_len(text) <= limit:
        return text
    room = limit - utf8_len(ELLIPSIS)
    if room < 0:
        return ""
    return text.encode()[:room].decode(errors="ignore") + ELLIPSIS


def left_out_line(count: int, report_url: str) -> str:
    """The line that stands for the entries that did not fit."""
    noun = "check" if count == 1 else "checks"
    where = ", see the report" if report_url else ""
    return f"{ELLIPSIS} {count} more {noun} left out{where}"


def fit(
    head: Sequence[str],
    entries: Sequence[Sequence[str]],
    foot: Sequence[str],
    limit: int,
    report_url: str = "",
) -> tuple[str, int]:
    """Head, as many whole entries as fit in order, a line counting the ones left out, and foot,
    joined by newlines in at most ``limit`` bytes; returns the text and how many were left out.

    Head and foot are kept whole unless they alone exceed the limit; then the text is cut.
    """
    sizes = [sum(utf8_len(line) + 1 for line in entry) for entry in entries]
    fixed = sum(utf8_len(line) + 1 for line in (*head, *foot)) - 1  # n lines, n - 1 newlines
    kept, used = 0, fixed
    if fixed + sum(sizes) > limit:
        for size in sizes:
            gone = len(entries) - kept - 1
            room = limit - (utf8_len(left_out_line(gone, report_url)) + 2 if gone else 0)
            if used + size > room:
                break
            used += size
            kept += 1
    else:
        kept = len(entries)
    lines = [*head]
    for entry in entries[:kept]:
        lines += entry
    left_out = len(entries) - kept
    if left_out:
        lines += ["", left_out_line(left_out, report_url)]
    lines += foot
    return cut("\n".join(lines), limit), left_out
