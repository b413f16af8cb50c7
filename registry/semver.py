"""MAJOR.MINOR.PATCH versions, as the registry accepts them (no pre-releases)."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def is_version(text: str) -> bool:
    """True for ``MAJOR.MINOR.PATCH`` without leading zeros (``0.10.0`` yes, ``01.0.0`` no)."""
    return _VERSION.fullmatch(text) is not None and len(text) <= 64


def version_key(text: str) -> tuple[int, int, int]:
    """Sort key: numeric, so ``0.10.0`` > ``0.9.0``. ``text`` must satisfy :func:`is_version`."""
    match = _VERSION.fullmatch(text)
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return (major, minor, patch)


def highest(versions: list[str]) -> str:
    """The highest of ``versions`` (non-empty, all valid)."""
    return max(versions, key=version_key)
