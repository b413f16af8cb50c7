"""A JSON encoder that writes exactly what Go's ``encoding/json`` ``Marshal`` writes.

Gateways are written against a Go reference whose index bytes come from
``json.Marshal``; the signature covers those bytes, so "equivalent JSON" is not
enough. This module reproduces the parts of Go's output the index uses:

- compact: no spaces, no trailing newline;
- a Go struct (:class:`Struct`) keeps its fields in declaration order and drops
  an ``omitempty`` field whose value is empty (``""``, ``0``, ``false``, an
  empty list or map); a struct-typed field is never empty, as in Go;
- a Go map (a ``dict``) has its keys sorted by byte order of their UTF-8;
- strings are escaped as Go escapes them with HTML escaping on (the default):
  ``"`` and ``\\`` with a backslash; ``\\b \\f \\n \\r \\t``; other control
  characters as ``\\u00xx`` (lowercase hex); ``<``, ``>``, ``&`` as
  ``\\u003c``, ``\\u003e``, ``\\u0026``; U+2028 and U+2029 as ``\\u2028`` and
  ``\\u2029``; everything else (DEL and all non-ASCII) as raw UTF-8.

A lone surrogate (which Python strings can hold but UTF-8 cannot) is written as
``\\ufffd``, as Go writes a byte that is not valid UTF-8; lint rejects such
text long before an index is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    """One struct field: its JSON name, its value, and whether it is ``omitempty``."""

    name: str
    value: object
    omitempty: bool = False


@dataclass(frozen=True, slots=True)
class Struct:
    """A Go struct value: fields in declaration order."""

    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Raw:
    """JSON this encoder already wrote (Go's ``json.RawMessage`` of compact JSON), as is."""

    text: str


_ESCAPES: dict[str, str] = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
for _code in range(0x20):
    _ESCAPES.setdefault(chr(_code), f"\\u{_code:04x}")

_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f"\\\\<>&\u2028\u2029\ud800-\udfff]')


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES.get(match.group(), "\\ufffd")


def quote(text: str) -> str:
    """``text`` as a Go-escaped JSON string literal, quotes included."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def is_empty(value: object) -> bool:
    """Go's ``omitempty`` test: false, 0, empty string, empty slice or map."""
    if isinstance(value, Struct | Raw):
        return False
    if isinstance(value, bool | int | str | list | tuple | dict):
        return not value
    return value is None


def _encode(value: object, out: list[str]) -> None:
    # bool before int: True is an int in Python.
    if isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Raw):
        out.append(value.text)
    elif isinstance(value, Struct):
        out.append("{")
        first = True
        for field in value.fields:
            if field.omitempty and is_empty(field.value):
                continue
            if not first:
                out.append(",")
            first = False
            out.append(quote(field.name))
            out.append(":")
            _encode(field.value, out)
        out.append("}")
    elif isinstance(value, Mapping):
        out.append("{")
        # Code point order of str equals byte order of its UTF-8 (surrogates aside).
        for position, key in enumerate(sorted(value)):
            if not isinstance(key, str):
                raise TypeError(f"map keys must be strings, got {type(key).__name__}")
            if position:
                out.append(",")
            out.append(quote(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif value is None:
        out.append("null")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as Go JSON")


def marshal(value: object) -> bytes:
    """The bytes Go's ``json.Marshal`` writes for ``value``.

    ``value`` is built from ``str``, ``bool``, ``int``, ``None``, lists/tuples
    (Go slices), ``dict`` with ``str`` keys (Go maps), :class:`Struct` and
    :class:`Raw` (JSON this function wrote before).
    """
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode("utf-8")
