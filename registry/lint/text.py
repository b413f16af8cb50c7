"""Rules shared by manifests and toolspecs: identifiers, headers, env names, text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from registry.errors import Finding
from registry.load.yaml_loader import Loc, YamlDocument

NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_NAME = 63
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

# C0/C1 controls, DEL, line/paragraph separators and bidirectional overrides
# (which can make a displayed name read differently from its bytes).
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]"
)
_UNSAFE_CHARS_NO_NEWLINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]"
)

# Free-text fields where a newline or tab is legitimate.
PROSE_FIELDS = frozenset({"description"})


def header_problem(header: str) -> str | None:
    if not TOKEN.fullmatch(header):
        return f"{header!r} is not a valid HTTP header name (RFC 9110 token)"
    lower = header.lower()
    if lower in CONNECTION_HEADERS or lower.startswith("proxy-"):
        return f"{header} is a connection-level header and cannot be set"
    return None


def format_problem(value: str) -> str | None:
    if "{token}" not in value:
        return "must contain {token}, where the secret goes"
    if value.count("{token}") > 1:
        return "must contain {token} exactly once"
    if _UNSAFE_CHARS_NO_NEWLINE.search(value):
        return "must not contain control characters"
    return None


def env_problem(name: str) -> str | None:
    if not ENV_NAME.fullmatch(name):
        return f"{name!r} is not a valid environment variable name (^[A-Z_][A-Z0-9_]*$)"
    if name in RESERVED_ENV or name.startswith(RESERVED_ENV_PREFIXES):
        return f"{name} is reserved: it changes how the server's process runs"
    return None


def _strings(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*loc, index))


def unsafe_text_findings(doc: YamlDocument) -> list[Finding]:
    """Control, separator and bidi-override characters in any string value."""
    findings = []
    for loc, text in _strings(doc.data, ()):
        prose = bool(loc) and loc[-1] in PROSE_FIELDS
        pattern = _UNSAFE_CHARS if prose else _UNSAFE_CHARS_NO_NEWLINE
        match = pattern.search(text)
        if match:
            char = f"U+{ord(match.group()):04X}"
            findings.append(
                doc.finding(loc, f"contains an invisible or control character ({char})")
            )
    return findings
