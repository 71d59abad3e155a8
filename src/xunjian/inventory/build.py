"""Plain data from libyaml's event stream, in one pass, with YAML's rules and the inventory's
limits; and the line of a key path, for messages.

Nothing here recurses, so no nesting can exhaust a stack. Depth (:data:`MAX_DEPTH` levels), size
once aliases are expanded (:data:`MAX_VALUES` values, so no "billion laughs") and an alias inside
its own anchor are refused at the event that goes too far, before anything more is built. A key
written twice in one mapping is refused; merge keys (``<<: *base``, ``<<: [*a, *b]``) are
honoured: the mapping's own keys override merged ones, an earlier source a later one (YAML 1.1).
Scalars get PyYAML's safe types by the YAML 1.1 resolver (yes and no are booleans); any other
tag is refused. libyaml (PyYAML's ``CSafeLoader``) parses where PyYAML was built with it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

LIBYAML: bool = yaml.__with_libyaml__
if LIBYAML:
    from yaml import CSafeLoader as Loader
else:  # pragma: no cover - PyYAML without libyaml: the same rules, slower
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_VALUES = 5_000_000  # scalars and collections, aliases expanded
_YAML = "tag:yaml.org,2002:"
_STR, _MERGE, _VALUE = f"{_YAML}str", f"{_YAML}merge", f"{_YAML}value"
_SCALAR_TAGS = frozenset(
    f"{_YAML}{t}" for t in ("null", "bool", "int", "float", "binary", "timestamp")
)
_COLLECTION_TAGS = frozenset({None, "!", f"{_YAML}map", f"{_YAML}seq"})
_NO_KEY, _MERGE_KEY = object(), object()


def _refuse(event: Any, problem: str) -> NoReturn:
    raise yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


class _Map:
    __slots__ = ("anchor", "height", "key", "merged", "own", "size")

    def __init__(self, anchor: str | None) -> None:
        self.anchor, self.size, self.height = anchor, 1, 0
        self.own: dict[Any, Any] = {}
        self.merged: list[dict[Any, Any]] = []
        self.key: Any = _NO_KEY

    def add(self, value: Any, event: Any) -> None:
        if self.key is _NO_KEY:
            if isinstance(value, dict | list):
                _refuse(event, "a key must be a plain value, not a mapping or a list")
            if value is not _MERGE_KEY and value in self.own:
                _refuse(event, f"duplicate key {value!r}")
            self.key = value
        elif self.key is _MERGE_KEY:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                _refuse(event, "expected a mapping or list of mappings for merging (<<)")
            self.merged += sources
            self.key = _NO_KEY
        else:
            self.own[self.key] = "<<" if value is _MERGE_KEY else value
            self.key = _NO_KEY

    def result(self) -> dict[Any, Any]:
        if not self.merged:
            return self.own
        out: dict[Any, Any] = {}
        for source in reversed(self.merged):
            out.update(source)
        out.update(self.own)
        return out


class _Seq:
    __slots__ = ("anchor", "height", "items", "size")

    def __init__(self, anchor: str | None) -> None:
        self.anchor, self.size, self.height = anchor, 1, 0
        self.items: list[Any] = []

    def add(self, value: Any, event: Any) -> None:
        self.items.append("<<" if value is _MERGE_KEY else value)

    def result(self) -> list[Any]:
        return self.items


def build(text: str) -> Any:
    """The document's data (None for an empty one); ``yaml.MarkedYAMLError`` on any problem."""
    loader = Loader(text)
    try:
        return _build(loader)
    finally:
        loader.dispose()


def _build(loader: Loader) -> Any:
    stack: list[_Map | _Seq] = []
    anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, values, height)
    total = documents = 0
    root = None
    get: Callable[[], Any] = loader.get_event  # the events' attributes depend on their kind
    plain_tag = _plain_tags(loader)
    while (event := get()) is not None:
        kind: Any = type(event)
        if kind is ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = plain_tag(event.value) if event.implicit[0] else _STR
            value = event.value if tag == _STR else _typed(loader, event, tag)
            size, height = 1, 0
            total += 1
            if event.anchor:
                anchors[event.anchor] = (value, 1, 0)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                _refuse(event, f"nested deeper than {MAX_DEPTH} levels")
            if event.tag not in _COLLECTION_TAGS:
                _refuse(event, f"could not determine a constructor for the tag {event.tag!r}")
            stack.append(_Map(event.anchor) if kind is MappingStartEvent else _Seq(event.anchor))
            total += 1
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            value, size, height = frame.result(), frame.size, frame.height + 1
            if frame.anchor:
                anchors[frame.anchor] = (value, size, height)
        elif kind is AliasEvent:
            if any(frame.anchor == event.anchor for frame in stack):
                _refuse(event, f"alias *{event.anchor} is inside its own anchor")
            if event.anchor not in anchors:
                _refuse(event, f"found undefined alias *{event.anchor}")
            value, size, height = anchors[event.anchor]
            total += size
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                _refuse(event, "a second YAML document (---): an inventory is one document")
            continue
        else:
            continue
        if total > MAX_VALUES:
            _refuse(event, f"more than {MAX_VALUES} values once aliases are expanded")
        if not stack:
            root = value
            continue
        top = stack[-1]
        top.size += size
        if height > top.height:
            top.height = height
            if len(stack) + height > MAX_DEPTH:
                _refuse(event, f"nested deeper than {MAX_DEPTH} levels through an alias")
        top.add(value, event)
    return root


def _plain_tags(loader: Loader) -> Callable[[str], str]:
    """The tag of a plain scalar by the YAML 1.1 resolver; keys and common values repeat."""
    resolve: Callable[..., str] = loader.resolve
    return functools.lru_cache(maxsize=8192)(
        lambda value: resolve(ScalarNode, value, (True, False))
    )


def _typed(loader: Loader, event: Any, tag: str) -> Any:
    """A scalar that is not a string: null, bool, int, float, binary, timestamp; or ``<<``."""
    if tag == _MERGE:
        return _MERGE_KEY
    if tag == _VALUE:  # a plain "="
        return event.value
    if tag not in _SCALAR_TAGS:
        _refuse(event, f"could not determine a constructor for the tag {tag!r}")
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return loader.yaml_constructors[tag](loader, node)
    except (ValueError, TypeError, OverflowError):  # !!int x, a 5000-digit number ...
        _refuse(event, "a value does not fit its !!tag")


def locate(text: str, problems: Iterable[str]) -> list[str]:
    """Each ``KEY.PATH: message`` prefixed with ``line N: `` where the key path is found.

    Only for a text that :func:`build` read: its depth is known to be safe to compose."""
    loader = Loader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    return [_with_line(root, p) for p in problems]


def _with_line(root: Node | None, problem: str) -> str:
    line = None if root is None or problem.startswith("line ") else _line(root, problem)
    return f"line {line}: {problem}" if line else problem


def _line(node: Node, text: str) -> int | None:
    """The line of the deepest node a ``KEY.PATH: ...`` text leads to, key by key."""
    line, pos = None, 0
    while pos < len(text) and text[pos] != ":":
        found = _child(node, text, pos)
        if found is None or found[2] <= pos:  # no key matches, or an empty key: no progress
            break
        node, where, pos = found
        line = where.start_mark.line + 1
    return line


_INDEX = re.compile(r"\[(\d+)\]")


def _child(node: Node, text: str, pos: int) -> tuple[Node, Node, int] | None:
    """Where the path goes on at ``pos``: (child, node whose line to take, position after)."""
    if isinstance(node, SequenceNode):
        m = _INDEX.match(text, pos)
        if m and int(m[1]) < len(node.value):
            item: Node = node.value[int(m[1])]
            return item, item, m.end()
        return None
    if not isinstance(node, MappingNode):
        return None
    start = pos + 1 if pos and text[pos] == "." else pos
    best: tuple[Node, Node, int] | None = None
    for key, value in _pairs(node):
        end = start + len(str(key.value))
        if (
            text.startswith(str(key.value), start)
            and (end == len(text) or text[end] in ".[:")
            and (best is None or end > best[2])
        ):
            best = (value, key, end)
    return best


def _pairs(node: MappingNode) -> Iterator[tuple[Node, Node]]:
    """A mapping's own pairs, then those it merges (``<<``)."""
    merged: list[Node] = []
    for key, value in node.value:
        if key.tag == _MERGE:
            merged += value.value if isinstance(value, SequenceNode) else [value]
        else:
            yield key, value
    for source in merged:
        if isinstance(source, MappingNode):
            yield from _pairs(source)
