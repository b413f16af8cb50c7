"""The catalog: one summary row per server, and ``CATALOG.md`` rendered from it.

The same rows feed the website's home table, so the committed ``CATALOG.md``
and the site can never disagree about a server's status. ``CATALOG.md`` holds
no dates: it changes only when a manifest does, which is what lets lint fail
on a stale copy (:func:`catalog_findings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry import rules
from registry.errors import Finding
from registry.layout import CATALOG_FILE, display_path
from registry.load.schema import Manifest
from registry.load.tree import Registry
from registry.render.templates import markdown_environment
from registry.status import Status, planned_reasons


@dataclass(frozen=True)
class ServerSummary:
    """What the catalog table says about one server (its latest version)."""

    name: str
    version: str
    display_name: str
    description: str
    category: str
    auth: str
    """Credential types, e.g. ``oauth2`` or ``api_key, basic``; ``none`` without credentials."""
    tier: str
    builder: str
    egress: tuple[str, ...]
    tools_default: int
    tools_total: int
    status: Status
    status_reason: str
    """Why a planned server cannot be installed yet; empty when installable."""
    versions: int


def auth_types(manifest: Manifest) -> str:
    """The manifest's credential types in first-seen order, or ``none``."""
    types = list(dict.fromkeys(credential.type for credential in manifest.credentials))
    return ", ".join(types) if types else "none"


def summarize(manifest: Manifest, versions: int = 1) -> ServerSummary:
    """The catalog row of one manifest (normally a server's latest version)."""
    reasons = planned_reasons(manifest)
    return ServerSummary(
        name=manifest.name,
        version=manifest.version,
        display_name=manifest.displayName,
        description=manifest.description,
        category=manifest.category,
        auth=auth_types(manifest),
        tier=manifest.tier,
        builder=manifest.image.effective_builder,
        egress=tuple(manifest.entitlements.egress),
        tools_default=len(manifest.default_tools),
        tools_total=len(manifest.tools),
        status="planned" if reasons else "installable",
        status_reason="; ".join(reasons),
        versions=versions,
    )


def catalog_rows(registry: Registry) -> list[ServerSummary]:
    """One row per server (its latest version), in byte order of the names."""
    return [
        summarize(versions[-1].manifest, len(versions)) for versions in registry.servers.values()
    ]


def render_catalog(registry: Registry) -> str:
    """The text of ``CATALOG.md``: counts, then one table row per server."""
    rows = catalog_rows(registry)
    template = markdown_environment().get_template("catalog.md.j2")
    text = template.render(
        rows=rows,
        installable=sum(1 for row in rows if row.status == "installable"),
    )
    return text.rstrip("\n") + "\n"


def catalog_is_stale(root: Path, registry: Registry) -> bool:
    """True when ``root/CATALOG.md`` is missing or differs from what ``registry`` renders."""
    path = root / CATALOG_FILE
    try:
        current = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    return current != render_catalog(registry)


def catalog_findings(root: Path, registry: Registry) -> list[Finding]:
    """Lint hook: one finding when the committed ``CATALOG.md`` is stale."""
    if not catalog_is_stale(root, registry):
        return []
    path = root / CATALOG_FILE
    state = "out of date with the manifests" if path.exists() else "missing"
    return [
        rules.CATALOG_STALE.at(display_path(path), 1, 1, "", f"{state}; run `invoke catalog`")
    ]
