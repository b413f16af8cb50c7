"""Rendering findings for people (text), CI (GitHub annotations) and machines (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from registry.errors import Finding, Severity, printable


def _escape_annotation(text: str, *, prop: bool = False) -> str:
    # GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(finding: Finding) -> str:
    """``::error file=…,line=…,col=…,title=CODE::message`` for GitHub Actions.

    Contributor text is escaped twice over: :func:`printable` leaves no line
    break or control character, and the workflow-command escaping leaves no
    ``%``, ``:`` or ``,`` that could end a property early.
    """
    props = [
        f"file={_escape_annotation(printable(finding.path), prop=True)}",
        f"line={finding.line}",
        f"col={finding.col}",
    ]
    if finding.code:
        props.append(f"title={finding.code}")
    field = f"{printable(finding.field)}: " if finding.field else ""
    message = _escape_annotation(field + printable(finding.message))
    return f"::{finding.severity.value} {','.join(props)}::{message}"


def summary(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        return f"ok: {checked}, no problems"
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{', '.join(parts)} in {checked}"


def render_text(findings: Sequence[Finding], files: int, *, github: bool = False) -> str:
    """One line per finding, then a summary; annotations too when ``github``."""
    lines = [f.format() for f in sorted(findings)]
    if github:
        lines.extend(github_annotation(f) for f in sorted(findings))
    lines.append(summary(findings, files))
    return "\n".join(lines) + "\n"


def render_json(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    payload = {
        "ok": errors == 0,
        "files": files,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": [f.to_json() for f in sorted(findings)],
    }
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    # JSON escapes controls itself; format and separator characters (bidi
    # overrides, U+2028) are escaped too, so no terminal shows them raw.
    return "".join(_json_char(char) for char in text) + "\n"


def _json_char(char: str) -> str:
    if char.isascii() or printable(char) == char:
        return char
    # json.dumps with ensure_ascii escapes one character as JSON allows
    # (a surrogate pair above U+FFFF): the value a reader parses is unchanged.
    return json.dumps(char)[1:-1]
