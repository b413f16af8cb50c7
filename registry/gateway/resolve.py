"""Resolving an install ref to one installable manifest of a trusted index.

``name`` (its latest version), ``name@version``, or ``sha256:<64 hex>`` (an
image digest; lint guarantees one digest maps to one manifest). A planned
version (placeholder digest, or a builder gateways cannot run yet) is
refused with the reason.
"""

from __future__ import annotations

from registry.errors import ResolveError
from registry.index.parse import Index
from registry.layout import PLACEHOLDER_DIGEST, is_digest, is_name, is_version, version_key
from registry.load.schema import Manifest
from registry.status import planned_reasons


def installable(manifest: Manifest) -> Manifest:
    """``manifest``, or :class:`ResolveError` saying why it cannot be installed yet."""
    reasons = planned_reasons(manifest)
    if reasons:
        raise ResolveError(f"{manifest.ref} is planned, not installable: {'; '.join(reasons)}")
    return manifest


def resolve(index: Index, ref: str) -> Manifest:
    """The installable manifest ``ref`` names."""
    if ref.startswith("sha256:"):
        if not is_digest(ref):
            raise ResolveError(
                f"malformed digest ref {ref[:80]!r}: expected sha256: and 64 lowercase hex digits"
            )
        if ref == PLACEHOLDER_DIGEST:
            raise ResolveError(f"{ref} is a placeholder digest: planned, not installable")
        matches = [m for m in index.manifests() if m.image.digest == ref]
        if not matches:
            raise ResolveError(f"no server in the index has image digest {ref}")
        if len(matches) > 1:
            refs = ", ".join(m.ref for m in matches)
            raise ResolveError(f"image digest {ref} is ambiguous: {refs}")
        return installable(matches[0])
    name, at, version = ref.partition("@")
    if not is_name(name) or (at and not is_version(version)):
        raise ResolveError(
            f"malformed ref {ref[:80]!r}: expected name, name@MAJOR.MINOR.PATCH "
            "or sha256:<digest>"
        )
    entry = index.servers.get(name)
    if entry is None:
        raise ResolveError(f"unknown server {name!r}: it is not in the index")
    if not at:
        return installable(entry.versions[entry.latest])
    manifest = entry.versions.get(version)
    if manifest is None:
        known = ", ".join(sorted(entry.versions, key=_version_order))
        raise ResolveError(f"{name} has no version {version} (available: {known})")
    return installable(manifest)


def _version_order(version: str) -> tuple[int, ...]:
    return version_key(version) if is_version(version) else (-1,)
