"""Printing for ``registryctl``: results to stdout, findings and notes to where they belong."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from registry.errors import Finding, RegistryError


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def findings_text(findings: Sequence[Finding], files: int, *, github: bool) -> str:
    from registry.lint.report import render_text

    return render_text(findings, files, github=github)


def write_output(path: Path, data: bytes) -> None:
    """Write a command's output file atomically; a failure is a :class:`RegistryError`."""
    from registry.fileio import write_atomic

    try:
        write_atomic(path, data)
    except OSError as error:
        raise RegistryError(f"cannot write {path}: {error.strerror or error}") from None
