"""Decoding ``index.json`` for gateways and ``registryctl resolve``.

:func:`parse_index` must only ever see bytes whose signature was already
checked (:mod:`registry.gateway.trust`); it refuses anything that is not a
well-formed, self-consistent index of this schema version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from registry.errors import IndexRejected
from registry.load.schema import Manifest

MAX_INDEX_BYTES = 16 * 1024 * 1024
"""The largest index a reader accepts (about 40 times the 221-server reference)."""


class _IndexModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ServerEntry(_IndexModel):
    """One server in the index: its latest version and every version's manifest."""

    latest: str
    versions: dict[str, Manifest]


class Index(_IndexModel):
    """A decoded ``index.json``."""

    schemaVersion: Literal[1]
    generated: AwareDatetime
    servers: dict[str, ServerEntry]

    def manifests(self) -> Iterable[Manifest]:
        """Every manifest, by server name then version key (byte order)."""
        for name in sorted(self.servers):
            versions = self.servers[name].versions
            for version in sorted(versions):
                yield versions[version]


_MAX_REPORTED = 5


def _where(loc: tuple[int | str, ...]) -> str:
    parts = []
    for part in loc:
        text = str(part)
        parts.append(text if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", text) else f'"{text}"')
    return ".".join(parts)


def _describe(error: ValidationError) -> str:
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    lines = []
    for problem in problems[:_MAX_REPORTED]:
        where = _where(problem["loc"])
        lines.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    more = len(problems) - _MAX_REPORTED
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
    return "; ".join(lines) + suffix


def _check_consistency(index: Index) -> None:
    for name, entry in index.servers.items():
        if not entry.versions:
            raise IndexRejected(f"invalid index: server {name!r} has no versions")
        if entry.latest not in entry.versions:
            raise IndexRejected(
                f"invalid index: server {name!r}: latest {entry.latest!r} "
                "is not one of its versions"
            )
        for version, manifest in entry.versions.items():
            if manifest.name != name or manifest.version != version:
                raise IndexRejected(
                    f"invalid index: servers.{name}.versions.{version} holds "
                    f"{manifest.name}@{manifest.version}"
                )


def parse_index(raw: bytes) -> Index:
    """Decode ``index.json`` bytes (already signature-checked) into an :class:`Index`.

    Anything that is not a well-formed index of this schema version raises
    :class:`~registry.errors.IndexRejected` naming where it is wrong.
    """
    try:
        index = Index.model_validate_json(raw)
    except ValidationError as error:
        raise IndexRejected(f"invalid index: {_describe(error)}") from None
    _check_consistency(index)
    return index
