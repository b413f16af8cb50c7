"""The Atom feed of new servers and new server versions.

Dates: an entry's date is when its manifest was added to the registry (the
commit time of the commit that added the file, read from git at the edge by
:func:`registry.site.history.manifest_dates`), clamped to the build's
``generated`` time (SOURCE_DATE_EPOCH when set). Without git history every
entry carries ``generated``. Either way the same commit and the same
SOURCE_DATE_EPOCH give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.review.diff import history
from registry.index.build import format_generated
from registry.layout import version_page
from registry.site.pages import BuildInfo
from registry.render.templates import html_environment
from registry.load.tree import Registry

FEED_FILE = "feed.xml"
FEED_ENTRIES = 50


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str
    author: str
    url: str
    category: str
    summary: str


def _summary(description: str, tier: str, old_ref: str | None, changes: int,
             escalations: int, headlines: list[str]) -> str:
    if old_ref is None:
        lead = f"New {tier} server."
    elif changes == 0:
        lead = f"New version; no entitlement changes since {old_ref}."
    else:
        lead = (
            f"New version: {changes} change{'' if changes == 1 else 's'} since {old_ref}, "
            f"{escalations} escalation{'' if escalations == 1 else 's'}."
        )
    details = " ".join(f"{line}." for line in headlines)
    return " ".join(part for part in (lead, details, description) if part)


def render_feed(registry: Registry, info: BuildInfo, site_name: str) -> bytes:
    """``feed.xml``: the newest :data:`FEED_ENTRIES` server versions, newest first."""
    entries: list[tuple[str, FeedEntry]] = []
    for name in registry.servers:
        for entry, diff in history(registry, name):
            manifest = entry.manifest
            escalations = [c for c in diff.changes if c.escalation]
            if diff.old_ref is None:
                # A new server's tier "change" only restates that it is new: the lead says so.
                escalations = [c for c in escalations if c.area != "tier"]
            headlines = [c.summary for c in escalations][:5]
            updated = format_generated(info.date_of(name, manifest.version))
            entries.append((updated, FeedEntry(
                id=f"urn:gigmcp:registry:{name}:{manifest.version}",
                title=f"{manifest.title} {manifest.version}",
                updated=updated,
                author=site_name,
                url=version_page(name, manifest.version),
                category=manifest.category,
                summary=_summary(manifest.description, manifest.tier, diff.old_ref,
                                 len(diff.changes), len(diff.escalations), headlines),
            )))
    # Newest first; ties (same commit) in name/version order so the output is stable.
    entries.sort(key=lambda item: item[1].id)
    entries.sort(key=lambda item: item[0], reverse=True)
    chosen = [entry for _, entry in entries[:FEED_ENTRIES]]
    site_url = info.site_url.rstrip("/") + "/" if info.site_url else ""
    text = html_environment("registry.site").get_template("feed.xml").render(
        site_url=site_url,
        feed_id=site_url + FEED_FILE if site_url else "urn:gigmcp:registry:feed",
        site_name=site_name,
        updated=chosen[0].updated if chosen else format_generated(info.generated),
        entries=chosen,
    )
    return text.encode("utf-8")
