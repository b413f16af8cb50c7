"""``index.json``: the signed contract with gateways, as bytes.

:func:`build_index` turns manifests into the exact bytes the Go reference's
``json.Marshal`` writes for ``{schemaVersion, generated, servers: {name:
{latest, versions: {version: manifest}}}}`` (see :mod:`registry.index.gojson` for the
encoding rules). Struct field order is the field declaration order of the
models in :mod:`registry.load.schema`; which fields are ``omitempty`` is the table
below, mirroring the Go struct tags.

:func:`registry.index.parse.parse_index` is the other direction.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel

from registry.errors import IndexBuildError
from registry.index.gojson import Field, Raw, Struct, marshal
from registry.layout import highest, is_version
from registry.load.schema import Credential, Entitlements, Image, Inject, Manifest, Source, Tool

INDEX_SCHEMA_VERSION = 1

# The Go struct tags' `omitempty`, per model. Every other field is always written
# (so `entitlements` is `{}` when it has no egress, and `default: false` stays).
OMITEMPTY: dict[type[BaseModel], frozenset[str]] = {
    Manifest: frozenset(
        {"credentials", "tools", "displayName", "description", "category", "icon"}
    ),
    Source: frozenset({"package"}),
    Image: frozenset({"builder"}),
    Entitlements: frozenset({"egress"}),
    Credential: frozenset({"scopes", "vendor"}),
    Inject: frozenset({"header", "format", "env"}),
    Tool: frozenset(),
}

_EPOCH = re.compile(r"[0-9]+")


def _go_value(value: object) -> object:
    if isinstance(value, BaseModel):
        return go_struct(value)
    if isinstance(value, list):
        return [_go_value(item) for item in value]
    return value


@functools.cache
def _struct_fields(model: type[BaseModel]) -> tuple[tuple[str, str, bool], ...]:
    """``(attribute, JSON name, omitempty)`` of each field of ``model``, in declaration order.

    Computed once a class: pydantic's ``model_fields`` costs tens of microseconds a
    read, and an index of 2,000 servers reads it for some 30,000 structs.
    """
    omitempty = OMITEMPTY[model]
    return tuple(
        (name, info.alias or name, name in omitempty) for name, info in model.model_fields.items()
    )


def go_struct(model: BaseModel) -> Struct:
    """``model`` as a Go struct: declaration order, ``omitempty`` as in :data:`OMITEMPTY`."""
    return Struct(
        tuple(
            Field(key, _go_value(getattr(model, name)), omit)
            for name, key, omit in _struct_fields(type(model))
        )
    )


def manifest_json(manifest: Manifest) -> bytes:
    """One manifest's compact JSON, byte for byte as it appears inside ``index.json``."""
    return marshal(go_struct(manifest))


def format_generated(moment: datetime) -> str:
    """RFC 3339 in UTC to the second: ``2026-01-01T00:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("generated time must be timezone-aware")
    utc = moment.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def generated_time(source_date_epoch: str | None, now: datetime) -> datetime:
    """The index's ``generated`` time: SOURCE_DATE_EPOCH (integer seconds) when set, else ``now``.

    The caller reads both the environment and the clock; a set but malformed
    SOURCE_DATE_EPOCH is an error rather than silently falling back to ``now``,
    since that would quietly break reproducible builds.
    """
    if source_date_epoch is None:
        return now.astimezone(UTC).replace(microsecond=0)
    if _EPOCH.fullmatch(source_date_epoch) is None:
        raise IndexBuildError(
            f"SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, "
            f"got {source_date_epoch[:40]!r}"
        )
    try:
        return datetime.fromtimestamp(int(source_date_epoch), UTC)
    except (OverflowError, OSError, ValueError):
        raise IndexBuildError(
            f"SOURCE_DATE_EPOCH {source_date_epoch[:40]} is out of range (after year 9999)"
        ) from None


EncodedManifests = dict[str, tuple[Manifest, str]]
"""Per manifest ref, the manifest object and its JSON inside ``index.json``."""


def _encoded(manifest: Manifest, memo: EncodedManifests | None) -> Raw:
    kept = memo.get(manifest.ref) if memo is not None else None
    if kept is not None and kept[0] is manifest:
        return Raw(kept[1])
    text = manifest_json(manifest).decode("utf-8")
    if memo is not None:
        memo[manifest.ref] = (manifest, text)
    return Raw(text)


def build_index(
    manifests: Iterable[Manifest], generated: datetime, *, memo: EncodedManifests | None = None
) -> bytes:
    """The exact bytes of ``index.json`` for ``manifests``, as Go's ``json.Marshal`` writes them.

    ``latest`` is each server's highest version by semver (``0.10.0`` > ``0.9.0``).
    Same manifests and same ``generated`` give the same bytes, in any input order.
    ``memo`` (a preview's) keeps each manifest's JSON while it is the same object.
    """
    servers: dict[str, dict[str, Manifest]] = {}
    for manifest in manifests:
        if not is_version(manifest.version):
            raise IndexBuildError(
                f"{manifest.name}: version {manifest.version!r} is not MAJOR.MINOR.PATCH"
            )
        versions = servers.setdefault(manifest.name, {})
        if manifest.version in versions:
            raise IndexBuildError(f"{manifest.ref}: two manifests for the same version")
        versions[manifest.version] = manifest
    entries = {
        name: Struct(
            (
                Field("latest", highest(list(versions))),
                Field("versions", {v: _encoded(m, memo) for v, m in versions.items()}),
            )
        )
        for name, versions in servers.items()
    }
    index = Struct(
        (
            Field("schemaVersion", INDEX_SCHEMA_VERSION),
            Field("generated", format_generated(generated)),
            Field("servers", entries),
        )
    )
    return marshal(index)
