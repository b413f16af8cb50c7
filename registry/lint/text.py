"""Rules shared by manifests and toolspecs: headers, header formats, env names, text.

Every string a contributor writes reaches a reader somewhere: a page of the
site, the feed, CATALOG.md, the index a gateway installs from, or the tool
list a model reads. None of them may hold a character nobody can see:
controls, format characters (zero-width spaces, bidirectional overrides, tag
characters that smuggle ASCII past a reviewer), private-use, unassigned or
surrogate code points, and the fillers and selectors that render as nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from registry import rules
from registry.errors import Finding
from registry.layout import TOOL_NAME
from registry.load.yaml_loader import Loc, YamlDocument
from registry.rules import Rule

Problem = tuple[Rule, str]

TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 field-name token
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")

# Hop-by-hop and framing headers: setting them would let a manifest smuggle
# requests or break the proxy, so no credential or parameter may name them.
CONNECTION_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "upgrade", "te",
     "keep-alive", "trailer"}
)

# Environment variables that change how the server's process or loader runs.
RESERVED_ENV = frozenset(
    {"PATH", "HOME", "USER", "SHELL", "PWD", "TMPDIR", "IFS", "ENV", "BASH_ENV",
     "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "NODE_OPTIONS", "NODE_PATH",
     "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"}
)
RESERVED_ENV_PREFIXES = ("LD_", "DYLD_", "GIG_", "GCONV_", "MALLOC_")

TOKEN_PLACEHOLDER = "{token}"  # noqa: S105 - where the secret goes, not a secret

# Control (Cc), format (Cf), surrogate (Cs), private-use (Co) and unassigned (Cn)
# code points, and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Characters of other categories that render as nothing: Hangul fillers, the
# braille blank, the combining grapheme joiner, Khmer inherent vowels, Mongolian
# and other variation selectors (which can carry hidden bytes after any letter).
INVISIBLE_FILLERS = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800,
     0x3164, 0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
)
# Free-text fields where a newline or a tab is legitimate.
PROSE_FIELDS = frozenset({"description"})
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_CONTROL_PROSE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def invisible_char(text: str, *, prose: bool = False) -> str | None:
    """The first character of ``text`` a reader cannot see, or ``None``.

    In ``prose`` a newline and a tab are allowed (a carriage return is not).
    """
    if text.isascii():
        match = (_ASCII_CONTROL_PROSE if prose else _ASCII_CONTROL).search(text)
        return match.group() if match else None
    for char in text:
        if prose and char in "\n\t":
            continue
        if unicodedata.category(char) in INVISIBLE_CATEGORIES or ord(char) in INVISIBLE_FILLERS:
            return char
    return None


def header_problem(header: str) -> Problem | None:
    if not TOKEN.fullmatch(header):
        return (rules.HEADER_NAME, f"{header!r} is not a valid HTTP header name (RFC 9110 token)")
    lower = header.lower()
    if lower in CONNECTION_HEADERS or lower.startswith("proxy-"):
        return (rules.CONNECTION_HEADER, f"{header} is a connection-level header and cannot be set")
    return None


def format_problem(value: str) -> Problem | None:
    """A header value template: ``{token}`` exactly once, where the secret goes."""
    count = value.count(TOKEN_PLACEHOLDER)
    if count == 0:
        return (rules.TOKEN_FORMAT, "must contain {token}, where the secret goes")
    if count > 1:
        return (rules.TOKEN_FORMAT, "must contain {token} exactly once")
    return None


def tool_name_findings(doc: YamlDocument, names: Sequence[str]) -> list[Finding]:
    """M010 and M011 for the tool names at ``tools[i].name``, as a manifest or toolspec has them."""
    findings = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        loc = ("tools", index, "name")
        if not TOOL_NAME.fullmatch(name):
            message = f"{name!r} must be 1-128 of A-Z a-z 0-9 _ . -"
            findings.append(doc.finding(rules.TOOL_NAME, loc, message))
        if name in seen:
            findings.append(doc.finding(rules.DUPLICATE_TOOL, loc, f"duplicate tool {name}"))
        seen.add(name)
    return findings


def env_problem(name: str) -> Problem | None:
    if not ENV_NAME.fullmatch(name):
        return (rules.ENV_NAME,
                f"{name!r} is not a valid environment variable name (^[A-Z_][A-Z0-9_]*$)")
    if name in RESERVED_ENV or name.startswith(RESERVED_ENV_PREFIXES):
        return (rules.ENV_RESERVED, f"{name} is reserved: it changes how the server's process runs")
    return None


def strings(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string value of a document with its location."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*loc, index))


def _all_printable_ascii(value: Any) -> bool:
    """Whether every string in ``value`` is printable ASCII (the usual case, checked fast)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not (item.isascii() and item.isprintable()):
                return False
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def unsafe_text_findings(doc: YamlDocument) -> list[Finding]:
    """Invisible, control, unassigned and bidi characters in any string value."""
    if doc.plain_ascii or _all_printable_ascii(doc.data):
        return []
    findings = []
    for loc, text in strings(doc.data):
        prose = bool(loc) and loc[-1] in PROSE_FIELDS
        char = invisible_char(text, prose=prose)
        if char is not None:
            name = unicodedata.name(char, "")
            shown = f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"
            findings.append(
                doc.finding(
                    rules.INVISIBLE_TEXT, loc,
                    f"contains an invisible or control character ({shown}); "
                    "reviewers and readers cannot see it",
                )
            )
    return findings
