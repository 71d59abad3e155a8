"""Read an inventory file into plain data, so that no file can crash, hang or mislead the run.

Regular files only: the path is stat'ed before it is opened, so a FIFO, a socket, a device or a
directory is refused without being opened (and opened non-blocking, should it change between the
two); at most :data:`MAX_BYTES`. UTF-8 only: a UTF-16 or UTF-32 byte order mark, a NUL byte or a
byte that is not UTF-8 is named with its line and byte offset; no control character; lines of
at most :data:`MAX_LINE` characters. The YAML is read by :mod:`.build`. Every problem names the
line where there is one; :meth:`Document.locate` finds the line of a key path.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xunjian.inventory import build
from xunjian.inventory.errors import InventoryError

MAX_BYTES = 64 * 2**20
MAX_LINE = 2**20  # characters
MAX_DEPTH, MAX_VALUES = build.MAX_DEPTH, build.MAX_VALUES
_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32 (little-endian)",
    b"\x00\x00\xfe\xff": "UTF-32 (big-endian)",
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
}
_SYNTAX = (yaml.scanner.ScannerError, yaml.parser.ParserError)
# what YAML 1.1 allows in a stream: tab, newlines and printable characters
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a large inventory is built: every object made then
    lives on, and each full collection would walk all of them again (3x the load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Document:
    """An inventory file's data, and its text for finding lines when something is wrong."""

    path: Path
    text: str
    data: Any

    def locate(self, problems: Iterable[str]) -> list[str]:
        """Each ``KEY.PATH: message`` prefixed with ``line N: `` where the key path is found."""
        return build.locate(self.text, problems)


def read(path: Path) -> Document:
    """The file's data; :class:`InventoryError` names the line of any problem."""
    text = _text(path, _bytes(path))
    if text is None:
        return Document(path, "", None)
    try:
        data = build.build(text)
    except yaml.YAMLError as e:
        raise InventoryError(path, [_yaml_problem(_worded(e, text))]) from None
    return Document(path, text, data)


def _worded(e: yaml.YAMLError, text: str) -> yaml.YAMLError:
    """PyYAML's own parser says what it found where libyaml says what it did not ("expected
    ',' or ']', but got ':'"): ask it again when the error is early enough to be cheap."""
    near = isinstance(e, yaml.MarkedYAMLError) and e.problem_mark and e.problem_mark.index < 2**20
    if not build.LIBYAML or not near or not isinstance(e, _SYNTAX):
        return e
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):  # events only: nothing recursive
            pass
    except yaml.YAMLError as again:
        return again
    return e


def _bytes(path: Path) -> bytes:
    def refuse(why: str) -> InventoryError:
        return InventoryError(path, [f"cannot read the file: {why}"])

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(f"{_kind(mode)}: an inventory must be a regular file")
        # O_NONBLOCK: had the path become a FIFO since the stat, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise refuse(f"{_kind(st.st_mode)}: an inventory must be a regular file")
            if st.st_size > MAX_BYTES:
                raise refuse(f"{st.st_size} bytes, more than the limit of {MAX_BYTES}")
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise refuse(e.strerror or type(e).__name__) from None
    if len(raw) > MAX_BYTES:
        raise refuse(f"more than the limit of {MAX_BYTES} bytes")
    return raw


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _text(path: Path, raw: bytes) -> str | None:
    """The file as text, UTF-8 only; None when it is blank."""
    for bom, name in _BOMS.items():
        if raw.startswith(bom):
            raise InventoryError(
                path,
                [
                    f"line 1: the file is {name} (it starts with the byte order mark "
                    f"{bom.hex(' ').upper()}): an inventory is UTF-8 only; convert it, e.g. "
                    f"iconv -f {name.split()[0]} -t UTF-8"
                ],
            )
    if (nul := raw.find(b"\x00")) >= 0:
        line, column = _position(raw, nul)
        raise InventoryError(
            path,
            [
                f"line {line}, column {column} (byte offset {nul}): a NUL byte: UTF-16 without a "
                "byte order mark, or a binary file? An inventory is UTF-8 only"
            ],
        )
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line, column = _position(raw, e.start)
        raise InventoryError(
            path,
            [
                f"line {line}, column {column} (byte offset {e.start}): byte "
                f"0x{raw[e.start]:02X} is not UTF-8: an inventory is UTF-8 only"
            ],
        ) from None
    if bad := _NOT_PRINTABLE.search(text):
        line, column = _position(text, bad.start())
        raise InventoryError(
            path,
            [
                f"line {line}, column {column}: control character U+{ord(bad.group()):04X} "
                "is not allowed in YAML"
            ],
        )
    if max(map(len, text.split("\n"))) > MAX_LINE:
        line, long = next((n, ln) for n, ln in enumerate(text.split("\n"), 1) if len(ln) > MAX_LINE)
        raise InventoryError(
            path,
            [
                f"line {line}: {len(long)} characters long, more than the limit of {MAX_LINE} "
                "(a generated file? break it into lines)"
            ],
        )
    return text if text.strip() else None


def _position(text: str | bytes, offset: int) -> tuple[int, int]:
    """(line, column) of an offset, both from 1."""
    head = text[:offset]
    lines = head.decode(errors="replace") if isinstance(head, bytes) else head
    return lines.count("\n") + 1, len(lines) - (lines.rfind("\n") + 1) + 1


def _yaml_problem(e: yaml.YAMLError) -> str:
    """Where and what, without PyYAML's snippet of the file: that line may hold a secret."""
    if not isinstance(e, yaml.MarkedYAMLError) or e.problem_mark is None:
        return f"not valid YAML: {str(e).splitlines()[0]}"
    text = f"{_at(e.problem_mark)}: not valid YAML: {e.problem}"
    if e.context and e.context_mark:
        return f"{text} ({e.context} at {_at(e.context_mark)})"
    return f"{text} ({e.context})" if e.context else text


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"
