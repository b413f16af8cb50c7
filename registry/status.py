"""Whether a server version is installable today, and if not, why.

One rule for the catalog, the site, the index's readers and the gateway
client: a version is installable when its image digest is pinned (not the
all-zero placeholder) and its builder produces an image gateways can run.
"""

from __future__ import annotations

from typing import Literal

from registry.load.schema import Builder, Manifest

Status = Literal["installable", "planned"]

INSTALLABLE_BUILDERS: tuple[Builder, ...] = ("go-static", "toolpack")
"""Builders whose images today's gateways run; node and python need a sandbox extension."""

PLACEHOLDER_REASON = "the image digest is a placeholder (not built and pinned yet)"


def builder_reason(builder: str) -> str:
    return f"the {builder} builder needs the gateway's rootfs sandbox extension, not shipped yet"


def planned_reasons(manifest: Manifest) -> tuple[str, ...]:
    """Why ``manifest`` cannot be installed yet; empty when it can."""
    reasons = []
    if manifest.image.is_placeholder:
        reasons.append(PLACEHOLDER_REASON)
    builder = manifest.image.effective_builder
    if builder not in INSTALLABLE_BUILDERS:
        reasons.append(builder_reason(builder))
    return tuple(reasons)


def status_of(manifest: Manifest) -> Status:
    """``installable`` or ``planned``."""
    return "planned" if planned_reasons(manifest) else "installable"
