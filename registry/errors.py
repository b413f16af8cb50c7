"""Findings and the project's one exception hierarchy.

A :class:`Finding` is one located problem in one file. Lint and loading collect
findings instead of raising, so a contributor sees every problem at once. The
exceptions are for the pipeline stages after lint (signing, verification,
publishing): each carries a message fit for a user, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, located at ``path:line:col`` (1-based) and a field path."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {self.severity.value}: {field}{self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "field": self.field,
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


class KeyFormatError(RegistryError):
    """A signing or verification key is malformed (never contains key material)."""


class SignatureError(RegistryError):
    """A signature is malformed or does not verify."""


class IndexBuildError(RegistryError):
    """An index cannot be built: a malformed SOURCE_DATE_EPOCH, or duplicate/invalid versions."""


class IndexRejected(RegistryError):
    """An index cannot be fetched, parsed, or is stale/rolled back."""


class ResolveError(RegistryError):
    """An install ref does not resolve to an installable manifest."""


class PublishError(RegistryError):
    """Publishing to a release or Pages failed; what is live is untouched."""
