"""Findings and the project's one exception tree.

A :class:`Finding` is one located problem in one file, with the stable code
of the rule that found it (:mod:`registry.rules`). Loading and lint collect
findings instead of raising, so a contributor sees every problem at once.
The exceptions are for everything else a user can get wrong or meet
(signing, verification, building, publishing); each carries a message fit
for a user, never a traceback, and every one of them is a
:class:`RegistryError`, the one type the CLI and the tasks catch.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> str:
    """``text`` with every control, format, separator or unassigned character escaped.

    What a contributor wrote reaches terminals, CI logs and GitHub's workflow
    command parser through finding messages: escaped, it can neither break a
    line (and start a ``::command::`` of its own), move the cursor, nor hide
    text behind a bidirectional override.
    """
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _UNPRINTABLE_CATEGORIES:
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, located at ``path:line:col`` (1-based) and a field path."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""
    """The stable code of the rule (``E003``); see :mod:`registry.rules`."""

    def format(self) -> str:
        """``path:line:col: error: field: message [CODE]``, safe to print anywhere."""
        where = f"{printable(self.path)}:{self.line}:{self.col}"
        field = f"{printable(self.field)}: " if self.field else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{where}: {self.severity.value}: {field}{printable(self.message)}{code}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "severity": self.severity.value,
        }


def errors_only(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


class RegistryError(Exception):
    """Base of every error the registry reports to a user.

    The CLI and the Invoke tasks catch this one type, print ``str(error)`` and
    exit non-zero; nothing else is expected to escape.
    """


class LintFailed(RegistryError):
    """Lint found errors; ``findings`` holds all of them."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        count = len(errors_only(findings))
        super().__init__(f"lint failed with {count} error{'s' if count != 1 else ''}")


class PinRejected(LintFailed):
    """A pinned tree failed lint and the manifest was restored; lists every finding."""

    def __init__(self, path: Path, findings: list[Finding]) -> None:
        super().__init__(findings)
        self.path = path

    def __str__(self) -> str:
        lines = [f"{printable(self.path.as_posix())}: pin reverted, the tree does not pass lint:"]
        lines += [f"  {finding.format()}" for finding in sorted(self.findings)]
        return "\n".join(lines)


RefusalKind = Literal["link", "special", "too_large", "unreadable"]


class FileRefused(RegistryError):
    """A file is a link or not a regular file, is too large, or cannot be read."""

    def __init__(self, path: Path, kind: RefusalKind, reason: str) -> None:
        super().__init__(f"{printable(path.as_posix())} {reason}")
        self.path = path
        self.kind: RefusalKind = kind
        self.reason = reason


class GitError(RegistryError):
    """git is missing, timed out, or failed; the message never shows a credential."""


class KeyFormatError(RegistryError):
    """A signing or verification key is malformed (never contains key material)."""


class SignatureError(RegistryError):
    """A signature is malformed or does not verify."""


class IndexBuildError(RegistryError):
    """An index cannot be built: a malformed SOURCE_DATE_EPOCH, or duplicate/invalid versions."""


class IndexRejected(RegistryError):
    """An index cannot be fetched, parsed, or is stale, from the future or rolled back."""


class ResolveError(RegistryError):
    """An install ref does not resolve to an installable manifest."""


class SiteBuildError(RegistryError):
    """mkdocs could not build the site (strict warnings, broken config, a template error)."""


class PublishError(RegistryError):
    """Publishing to a release or Pages failed; what is live is untouched."""


class GitHubError(PublishError):
    """A GitHub API call failed; ``status`` is the HTTP status (0: no response)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
