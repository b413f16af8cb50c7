"""A hardened YAML loader that keeps the position of every key and value.

Manifests come from strangers' pull requests, so the loader never constructs
Python objects through YAML's own machinery. It walks the parser's event
stream and builds plain ``dict``/``list``/``str``/``int``/``float``/``bool``/
``None`` values itself, refusing what a manifest never needs and an attacker
likes: anchors and aliases (billion laughs), tags, ``%YAML``/``%TAG``
directives, duplicate keys, several documents, deep nesting, oversized files,
invalid UTF-8. Every refusal is a :class:`~registry.errors.Finding` located at
``line:col`` with the code of the rule it breaks.

Plain scalars are resolved with YAML 1.2 core rules (``yes`` is a string,
``1.10`` a float), the same rules as the Go reference's parser, so a number or
boolean typed where a string belongs is caught by the schema and reported with
advice to quote it. Resolution is a handful of compiled patterns equal to
ruamel.yaml's YAML 1.2 resolver (a property test keeps them equal).

libyaml (through PyYAML's C binding, libyaml 0.2.5 or later, which reads
``[scope:read]`` as one scalar like the YAML 1.2 spec says) parses first, for
speed; any document it cannot parse is parsed again by ruamel.yaml's
pure-Python parser, whose verdict and error message are authoritative.

Positions cost as much as the values: most files have no finding, so the
first pass builds values only, and the positions of a document are recorded
by a second, marking pass the first time a finding asks for one (or when the
first pass refuses the file, to locate the refusal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from registry import rules
from registry.errors import Finding
from registry.rules import Rule

_CParser: Any
try:  # pragma: no cover - depends on the installed wheel
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover
    _CParser = None

HAVE_FAST_PARSER = _CParser is not None
"""Whether libyaml (PyYAML's C binding) is there to parse well-formed files quickly."""

MAX_BYTES = 512 * 1024
MAX_DEPTH = 24
MAX_EVENTS = 20_000

Loc = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indexes."""


@cache
def _pure_parser() -> Any:
    """ruamel.yaml's pure-Python parser, imported only when libyaml cannot decide."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True)


# YAML 1.2 core schema, as ruamel.yaml's VersionedResolver reads it for 1.2.
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+")
_FLOAT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)
_NUMBER_START = frozenset("-+0123456789.")


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
class Marks:
    """The 1-based positions of a document's keys and values."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    plain_text: dict[Loc, str] = field(default_factory=dict)
    """The source text of plain scalars that resolved to a non-string."""


@dataclass
class YamlDocument:
    """A parsed YAML document; the position of each key and value on request."""

    path: str
    data: Any
    text: str = ""
    """The decoded source, from which :attr:`marks` are recorded when first needed."""
    _marks: Marks | None = None
    single_line_values: bool = False
    """No string value holds a line break (known when the fast pass built the document)."""

    @property
    def plain_ascii(self) -> bool:
        """Whether every string value is printable ASCII, read off the source alone.

        True when the text is printable ASCII and newlines without a single
        backslash, and no value spans lines: then no value holds a control
        character, and no escape (``"\\u200b"``) can make one. A cheap test
        that spares walking every value.
        """
        text = self.text
        return (
            self.single_line_values
            and text.isascii()
            and "\\" not in text
            and _NOT_PLAIN.search(text) is None
        )

    @property
    def marks(self) -> Marks:
        if self._marks is None:
            self._marks = _record_marks(self.text)
        return self._marks

    @property
    def value_marks(self) -> dict[Loc, tuple[int, int]]:
        return self.marks.values

    @property
    def key_marks(self) -> dict[Loc, tuple[int, int]]:
        return self.marks.keys

    @property
    def plain_text(self) -> dict[Loc, str]:
        return self.marks.plain_text

    def mark(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``; the nearest enclosing node when it is absent."""
        marks = self.marks
        found = (marks.keys if key else marks.values).get(loc)
        if found is not None:
            return found
        for cut in range(len(loc), -1, -1):
            prefix = loc[:cut]
            if prefix in marks.keys:
                return marks.keys[prefix]
            if prefix in marks.values:
                return marks.values[prefix]
        return (1, 1)

    def finding(self, rule: Rule, loc: Loc, message: str, *, key: bool = False) -> Finding:
        """A finding of ``rule`` located at the value (or the key) of ``loc``."""
        line, col = self.mark(loc, key=key)
        return rule.at(self.path, line, col, format_loc(loc), message)


class _RefusedError(Exception):
    def __init__(self, rule: Rule, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.line = line
        self.col = col
        self.message = message

    def finding(self, path: str) -> Finding:
        return self.rule.at(path, self.line, self.col, "", self.message)


def _pos(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _events_c(text: str) -> Iterator[Any]:
    assert _CParser is not None
    parser = _CParser(text)
    while True:
        event = parser.get_event()
        yield event
        if type(event).__name__ == "StreamEndEvent":
            return


def resolve_plain(value: str) -> Any:
    """The value of a plain (unquoted) scalar under YAML 1.2 core rules.

    Timestamps and everything else stay the text the author wrote. Raises
    ``ValueError`` for a number Python cannot read (a lone ``_``).
    """
    if _NULL.fullmatch(value):
        return None
    first = value[0]
    if first in "tTfF" and _BOOL.fullmatch(value):
        return value.lower() == "true"
    if first in _NUMBER_START:
        if _INT.fullmatch(value):
            return _to_int(value)
        if _FLOAT.fullmatch(value):
            return _to_float(value)
    return value


def _to_int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith(("0x", "0X")):
        return sign * int(text[2:], 16)
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
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


def _resolve(value: str, line: int, col: int) -> Any:
    try:
        return resolve_plain(value)
    except ValueError as exc:
        raise _RefusedError(
            rules.YAML_BAD_NUMBER, line, col, f"unreadable number {value[:40]!r}"
        ) from exc


class _Builder:
    """Turns an event stream (libyaml's or ruamel's) into plain values, refusing hostile input.

    Events are told apart by class name, which PyYAML and ruamel.yaml share.
    """

    def __init__(self, events: Iterator[Any]) -> None:
        self.events = events
        self.count = 0
        self.value_marks: dict[Loc, tuple[int, int]] = {}
        self.key_marks: dict[Loc, tuple[int, int]] = {}
        self.plain_text: dict[Loc, str] = {}

    def marks(self) -> Marks:
        return Marks(self.value_marks, self.key_marks, self.plain_text)

    def next(self) -> Any:
        self.count += 1
        if self.count > MAX_EVENTS:
            raise _RefusedError(
                rules.YAML_TOO_MANY_NODES,
                1,
                1,
                f"document too large (more than {MAX_EVENTS} YAML nodes)",
            )
        return next(self.events)

    def document(self) -> tuple[Any, bool]:
        """Return ``(data, empty)`` for the single document of the stream."""
        self.next()  # StreamStart
        event = self.next()
        kind = type(event).__name__
        if kind == "StreamEndEvent":
            return None, True
        assert kind == "DocumentStartEvent"
        if getattr(event, "version", None) is not None or getattr(event, "tags", None):
            line, col = _pos(event)
            raise _RefusedError(
                rules.YAML_DIRECTIVE, line, col, "YAML directives (%YAML, %TAG) are not allowed"
            )
        data = self.node(self.next(), (), 0)
        self.next()  # DocumentEnd
        event = self.next()
        if type(event).__name__ != "StreamEndEvent":
            line, col = _pos(event)
            raise _RefusedError(
                rules.YAML_DOCUMENTS, line, col, "a file holds exactly one YAML document"
            )
        return data, False

    def node(self, event: Any, loc: Loc, depth: int) -> Any:
        line, col = _pos(event)
        kind = type(event).__name__
        if kind == "AliasEvent":
            raise _RefusedError(
                rules.YAML_ANCHOR, line, col, "YAML aliases (*name) are not allowed"
            )
        if getattr(event, "anchor", None):
            raise _RefusedError(
                rules.YAML_ANCHOR, line, col, "YAML anchors (&name) are not allowed"
            )
        tag = getattr(event, "tag", None)
        if tag:
            raise _RefusedError(rules.YAML_TAG, line, col, f"YAML tags ({tag}) are not allowed")
        if depth > MAX_DEPTH:
            raise _RefusedError(
                rules.YAML_TOO_DEEP, line, col, f"nesting deeper than {MAX_DEPTH} levels"
            )
        self.value_marks[loc] = (line, col)
        if kind == "ScalarEvent":
            if not event.style:
                value = _resolve(event.value, line, col)
                if not isinstance(value, str):
                    self.plain_text[loc] = event.value
                return value
            return event.value
        if kind == "SequenceStartEvent":
            items: list[Any] = []
            while type(event := self.next()).__name__ != "SequenceEndEvent":
                items.append(self.node(event, (*loc, len(items)), depth + 1))
            return items
        if kind == "MappingStartEvent":
            mapping: dict[str, Any] = {}
            while type(event := self.next()).__name__ != "MappingEndEvent":
                key = self.key(event, loc, mapping)
                self.key_marks[(*loc, key)] = _pos(event)
                mapping[key] = self.node(self.next(), (*loc, key), depth + 1)
            return mapping
        raise _RefusedError(rules.YAML_SYNTAX, line, col, f"unexpected YAML event {kind}")

    def key(self, event: Any, loc: Loc, mapping: dict[str, Any]) -> str:
        line, col = _pos(event)
        if type(event).__name__ != "ScalarEvent":
            raise _RefusedError(
                rules.YAML_KEY_NOT_STRING, line, col, "mapping keys must be plain strings"
            )
        if event.anchor:
            raise _RefusedError(
                rules.YAML_ANCHOR, line, col, "YAML anchors (&name) are not allowed"
            )
        if event.tag:
            raise _RefusedError(
                rules.YAML_TAG, line, col, f"YAML tags ({event.tag}) are not allowed"
            )
        value = str(event.value)
        if not event.style and not isinstance(_resolve(value, line, col), str):
            raise _RefusedError(
                rules.YAML_KEY_NOT_STRING, line, col, f"mapping key {value!r} must be a string"
            )
        if value in mapping:
            first = self.key_marks.get((*loc, value), (line, col))
            raise _RefusedError(
                rules.YAML_DUPLICATE_KEY,
                line,
                col,
                f"duplicate key {value!r} (first defined at line {first[0]})",
            )
        return value


class _UnlocatedError(Exception):
    """The fast pass refuses; the marking pass says where and why."""


# Plain scalars starting with anything else are strings under YAML 1.2 core rules.
_MAYBE_TYPED = frozenset("-+0123456789.~nNtTfF")


def _fast_document(get_event: Callable[[], Any]) -> tuple[Any, bool, bool]:
    """``(data, empty, single_line)`` of the stream's single document, without positions.

    ``get_event`` is libyaml's (PyYAML's ``CParser``); ``single_line``: no string
    value holds a line break. Refuses everything :class:`_Builder` refuses
    (raising :class:`_UnlocatedError`), so the marking pass runs only to say where.
    Events are compared by class, the cheapest test: this loop is most of lint's time.
    """
    from yaml import events

    scalar, mapping_end = events.ScalarEvent, events.MappingEndEvent
    sequence, sequence_end = events.SequenceStartEvent, events.SequenceEndEvent
    mapping_start = events.MappingStartEvent
    budget = MAX_EVENTS
    single_line = True

    def node(event: Any, depth: int) -> Any:
        nonlocal budget, single_line
        if event.anchor or event.tag:  # aliases have an anchor too
            raise _UnlocatedError
        kind = type(event)
        if kind is scalar:
            value = event.value
            if single_line and "\n" in value:
                single_line = False
            if event.style or (value and value[0] not in _MAYBE_TYPED):
                return value
            try:
                return resolve_plain(value)
            except ValueError:
                raise _UnlocatedError from None
        if depth > MAX_DEPTH:
            raise _UnlocatedError
        if kind is mapping_start:
            mapping: dict[str, Any] = {}
            while True:
                key = get_event()
                budget -= 2
                if type(key) is not scalar:
                    if type(key) is mapping_end and budget >= 0:
                        return mapping
                    raise _UnlocatedError
                name = key.value
                if key.anchor or key.tag or budget < 0 or name in mapping:
                    raise _UnlocatedError
                if (
                    not key.style
                    and name
                    and name[0] in _MAYBE_TYPED
                    and not isinstance(_resolve(name, 1, 1), str)
                ):
                    raise _UnlocatedError
                mapping[name] = node(get_event(), depth + 1)
        if kind is sequence:
            items: list[Any] = []
            while True:
                item = get_event()
                budget -= 1
                if budget < 0:
                    raise _UnlocatedError
                if type(item) is sequence_end:
                    return items
                items.append(node(item, depth + 1))
        raise _UnlocatedError

    get_event()  # StreamStart
    event = get_event()
    if type(event) is events.StreamEndEvent:
        return None, True, True
    if (
        type(event) is not events.DocumentStartEvent
        or getattr(event, "version", None) is not None
        or getattr(event, "tags", None)
    ):
        raise _UnlocatedError
    data = node(get_event(), 0)
    get_event()  # DocumentEnd
    if type(get_event()) is not events.StreamEndEvent or budget < 0:
        raise _UnlocatedError
    return data, False, single_line


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_PLAIN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # all controls but the newline


def decode_utf8(raw: bytes, path: str) -> tuple[str | None, list[Finding]]:
    """Decode strictly, locating the first invalid byte."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [rules.NOT_UTF8.at(path, line, col, "", "file is not valid UTF-8")]


def _marking_pass(text: str, path: str) -> tuple[Any, bool, Marks] | Finding:
    """Values and positions of ``text``, or the located finding that refuses it."""
    if _CParser is not None:
        try:
            builder = _Builder(_events_c(text))
            data, empty = builder.document()
            return data, empty, builder.marks()
        except _RefusedError as refusal:
            return refusal.finding(path)
        except Exception:  # noqa: S110 - libyaml is not the authority: the pure parser decides
            pass
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        builder = _Builder(iter(_pure_parser().parse(text)))
        data, empty = builder.document()
        return data, empty, builder.marks()
    except _RefusedError as refusal:
        return refusal.finding(path)
    except MarkedYAMLError as exc:
        return _yaml_error(path, exc)
    except ReaderError as exc:
        # A character YAML does not allow (a raw NUL, say): located at its offset.
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return rules.YAML_SYNTAX.at(
            path, line, col, "", f"invalid YAML: {char} is not allowed in a YAML file"
        )
    except (YAMLError, RecursionError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return rules.YAML_SYNTAX.at(path, 1, 1, "", f"invalid YAML: {message}")


def _record_marks(text: str) -> Marks:
    result = _marking_pass(text, "")
    return result[2] if isinstance(result, tuple) else Marks()


def parse_yaml(raw: bytes, path: str) -> tuple[YamlDocument | None, list[Finding]]:
    """Parse one untrusted YAML file.

    Returns the document, or ``None`` with findings explaining why it was
    refused. Never raises for any input.
    """
    if len(raw) > MAX_BYTES:
        return None, [
            rules.FILE_TOO_LARGE.at(path, 1, 1, "", f"file is larger than {MAX_BYTES} bytes")
        ]
    text, findings = decode_utf8(raw, path)
    if text is None:
        return None, findings
    if text.startswith("\ufeff"):
        text = text[1:]
    marks: Marks | None = None
    single_line = False
    try:
        if _CParser is None:
            raise _UnlocatedError
        data, empty, single_line = _fast_document(_CParser(text).get_event)
    except Exception:  # refused, or not libyaml's to parse: the marking pass decides
        result = _marking_pass(text, path)
        if isinstance(result, Finding):
            return None, [result]
        data, empty, marks = result
    if empty or data is None:
        return None, [rules.YAML_EMPTY.at(path, 1, 1, "", "file is empty")]
    if not isinstance(data, dict):
        return None, [
            rules.YAML_NOT_MAPPING.at(path, 1, 1, "", "top level must be a mapping of fields")
        ]
    return YamlDocument(path, data, text, marks, single_line_values=single_line), []


def _yaml_error(path: str, exc: Any) -> Finding:
    """The finding for ruamel's ``MarkedYAMLError``: its message at its mark."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) if parts else "invalid YAML"
    message = _CONTROL.sub("?", message)
    return rules.YAML_SYNTAX.at(path, line, col, "", f"invalid YAML: {message}")
