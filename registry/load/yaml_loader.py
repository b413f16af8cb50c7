"""A hardened YAML loader that keeps the position of every key and value.

Manifests come from strangers' pull requests, so the loader never constructs
Python objects through YAML's own machinery. It walks the parser's event
stream and builds plain ``dict``/``list``/``str``/``int``/``float``/``bool``/
``None`` values itself, refusing what a manifest never needs and an attacker
likes: anchors and aliases (billion laughs), tags, ``%YAML``/``%TAG``
directives, duplicate keys, several documents, deep nesting, oversized files,
invalid UTF-8. Every refusal is a :class:`~registry.errors.Finding` located at
``line:col``.

Plain scalars are resolved with YAML 1.2 core rules (``yes`` is a string,
``1.10`` a float), the same rules as the Go reference's parser, so a number or
boolean typed where a string belongs is caught by the schema and reported with
advice to quote it.

The libyaml-backed parser of ``ruamel.yaml.clib`` is used when present for
speed; any document it cannot parse is parsed again by ruamel's pure-Python
parser, whose verdict (and error message) is authoritative.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode

from registry.errors import Finding, Severity

try:  # pragma: no cover - depends on the installed wheel
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover
    _CParser = None

HAVE_FAST_PARSER = _CParser is not None
"""Whether libyaml (ruamel.yaml.clib) is there to parse well-formed files quickly."""

MAX_BYTES = 512 * 1024
MAX_DEPTH = 24
MAX_EVENTS = 20_000

Loc = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indexes."""

_PURE = YAML(typ="safe", pure=True)
_RESOLVER = _PURE.resolver

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"


def format_loc(loc: Loc) -> str:
    """``("credentials", 0, "inject")`` -> ``credentials[0].inject``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class YamlDocument:
    """A parsed YAML document with the 1-based position of each key and value."""

    path: str
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    plain_text: dict[Loc, str] = field(default_factory=dict)
    """The source text of plain scalars that resolved to a non-string."""

    def mark(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``; the nearest enclosing node when it is absent."""
        marks = self.key_marks if key else self.value_marks
        if loc in marks:
            return marks[loc]
        for cut in range(len(loc), -1, -1):
            prefix = loc[:cut]
            if prefix in self.key_marks:
                return self.key_marks[prefix]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return (1, 1)

    def finding(
        self,
        loc: Loc,
        message: str,
        *,
        key: bool = False,
        severity: Severity = Severity.ERROR,
    ) -> Finding:
        line, col = self.mark(loc, key=key)
        return Finding(self.path, line, col, format_loc(loc), message, severity)


class _RefusedError(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


def _pos(event: Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _events_c(text: str) -> Iterator[Event]:
    assert _CParser is not None
    parser = _CParser(text)
    while True:
        event = parser.get_event()
        yield event
        if isinstance(event, StreamEndEvent):
            return


def _resolve_plain(value: str, line: int, col: int) -> Any:
    tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
    try:
        if tag == _NULL_TAG:
            return None
        if tag == _BOOL_TAG:
            return value.lower() == "true"
        if tag == _INT_TAG:
            return _to_int(value)
        if tag == _FLOAT_TAG:
            return _to_float(value)
    except ValueError as exc:
        raise _RefusedError(line, col, f"unreadable number {value[:40]!r}") from exc
    return value  # strings, and timestamps kept as the text the author wrote


def _to_int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith(("0x", "0X")):
        return sign * int(text[2:], 16)
    if text.startswith(("0o", "0O")):
        return sign * int(text[2:], 8)
    return sign * int(text, 10)


def _to_float(value: str) -> float:
    text = value.replace("_", "").lower()
    if text.lstrip("+-") == ".inf":
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


class _Builder:
    """Turns an event stream into plain values, refusing hostile constructs."""

    def __init__(self, events: Iterator[Event]) -> None:
        self.events = events
        self.count = 0
        self.value_marks: dict[Loc, tuple[int, int]] = {}
        self.key_marks: dict[Loc, tuple[int, int]] = {}
        self.plain_text: dict[Loc, str] = {}

    def next(self) -> Event:
        self.count += 1
        if self.count > MAX_EVENTS:
            raise _RefusedError(1, 1, f"document too large (more than {MAX_EVENTS} YAML nodes)")
        return next(self.events)

    def document(self) -> tuple[Any, bool]:
        """Return ``(data, empty)`` for the single document of the stream."""
        self.next()  # StreamStart
        event = self.next()
        if isinstance(event, StreamEndEvent):
            return None, True
        assert isinstance(event, DocumentStartEvent)
        if getattr(event, "version", None) is not None or getattr(event, "tags", None):
            line, col = _pos(event)
            raise _RefusedError(line, col, "YAML directives (%YAML, %TAG) are not allowed")
        data = self.node(self.next(), (), 0)
        self.next()  # DocumentEnd
        event = self.next()
        if not isinstance(event, StreamEndEvent):
            line, col = _pos(event)
            raise _RefusedError(line, col, "a manifest holds exactly one YAML document")
        return data, False

    def node(self, event: Event, loc: Loc, depth: int) -> Any:
        line, col = _pos(event)
        if isinstance(event, AliasEvent):
            raise _RefusedError(line, col, "YAML aliases (*name) are not allowed")
        if getattr(event, "anchor", None):
            raise _RefusedError(line, col, "YAML anchors (&name) are not allowed")
        tag = getattr(event, "tag", None)
        if tag:
            raise _RefusedError(line, col, f"YAML tags ({tag}) are not allowed")
        if depth > MAX_DEPTH:
            raise _RefusedError(line, col, f"nesting deeper than {MAX_DEPTH} levels")
        self.value_marks[loc] = (line, col)
        if isinstance(event, ScalarEvent):
            if event.style in (None, ""):
                value = _resolve_plain(event.value, line, col)
                if not isinstance(value, str):
                    self.plain_text[loc] = event.value
                return value
            return event.value
        if isinstance(event, SequenceStartEvent):
            items: list[Any] = []
            while not isinstance(event := self.next(), SequenceEndEvent):
                items.append(self.node(event, (*loc, len(items)), depth + 1))
            return items
        if isinstance(event, MappingStartEvent):
            mapping: dict[str, Any] = {}
            while not isinstance(event := self.next(), MappingEndEvent):
                key = self.key(event, loc, mapping)
                self.key_marks[(*loc, key)] = _pos(event)
                mapping[key] = self.node(self.next(), (*loc, key), depth + 1)
            return mapping
        raise _RefusedError(line, col, f"unexpected YAML event {type(event).__name__}")

    def key(self, event: Event, loc: Loc, mapping: dict[str, Any]) -> str:
        line, col = _pos(event)
        if not isinstance(event, ScalarEvent):
            raise _RefusedError(line, col, "mapping keys must be plain strings")
        if getattr(event, "anchor", None) or getattr(event, "tag", None):
            raise _RefusedError(line, col, "YAML anchors and tags are not allowed")
        value = str(event.value)
        if event.style in (None, "") and not isinstance(
            _resolve_plain(value, line, col), str
        ):
            raise _RefusedError(line, col, f"mapping key {value!r} must be a string")
        if value in mapping:
            first = self.key_marks.get((*loc, value), (line, col))
            raise _RefusedError(
                line, col, f"duplicate key {value!r} (first defined at line {first[0]})"
            )
        return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_utf8(raw: bytes, path: str) -> tuple[str | None, list[Finding]]:
    """Decode strictly, locating the first invalid byte."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Finding(path, line, col, "", "file is not valid UTF-8")]


def parse_yaml(raw: bytes, path: str) -> tuple[YamlDocument | None, list[Finding]]:
    """Parse one untrusted YAML file.

    Returns the document, or ``None`` with findings explaining why it was
    refused. Never raises for any input.
    """
    if len(raw) > MAX_BYTES:
        return None, [Finding(path, 1, 1, "", f"file is larger than {MAX_BYTES} bytes")]
    text, findings = decode_utf8(raw, path)
    if text is None:
        return None, findings
    if text.startswith("\ufeff"):
        text = text[1:]
    builder = None
    if _CParser is not None:
        try:
            builder = _Builder(_events_c(text))
            data, empty = builder.document()
        except _RefusedError as refusal:
            return None, [Finding(path, refusal.line, refusal.col, "", refusal.message)]
        except Exception:  # libyaml is not the authority: the pure parser decides
            builder = None
    if builder is None:
        try:
            builder = _Builder(iter(_PURE.parse(text)))
            data, empty = builder.document()
        except _RefusedError as refusal:
            return None, [Finding(path, refusal.line, refusal.col, "", refusal.message)]
        except MarkedYAMLError as exc:
            return None, [_yaml_error(path, exc)]
        except (YAMLError, RecursionError, ValueError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return None, [Finding(path, 1, 1, "", f"invalid YAML: {message}")]
    if empty or data is None:
        return None, [Finding(path, 1, 1, "", "file is empty")]
    if not isinstance(data, dict):
        return None, [Finding(path, 1, 1, "", "top level must be a mapping of fields")]
    doc = YamlDocument(path, data, builder.value_marks, builder.key_marks, builder.plain_text)
    return doc, []


def _yaml_error(path: str, exc: MarkedYAMLError) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) if parts else "invalid YAML"
    message = _CONTROL.sub("?", message)
    return Finding(path, line, col, "", f"invalid YAML: {message}")
