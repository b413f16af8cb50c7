"""The sitemaps: ``sitemap.xml`` for the pages in the navigation, one more for the servers.

The theme fetches ``sitemap.xml`` on every page view: its instant navigation
takes over only the links it lists. Listing every server and version page
there would make each reader download the whole catalog's URLs (hundreds of
kilobytes at 10,000 servers). So ``sitemap.xml`` keeps the pages of the
navigation (the catalog, categories, documentation, reference), and the server
and version pages go to :data:`~registry.layout.SERVERS_SITEMAP_FILE`, which
only crawlers read; ``robots.txt`` names both. A link to a server page is then
an ordinary navigation (a full page load), which is what it costs anyway.

A sitemap needs absolute URLs: without a site URL, neither the second sitemap
nor ``robots.txt`` is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from registry.layout import SERVERS_SITEMAP_FILE

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def servers_sitemap(site_url: str, pages: Iterable[tuple[str, datetime]]) -> bytes:
    """A sitemap of ``pages`` (site-relative URL, when it last changed) under ``site_url``."""
    base = site_url.rstrip("/") + "/"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NAMESPACE}">']
    for url, changed in pages:
        lines.append(f"<url><loc>{escape(base + url)}</loc>"
                     f"<lastmod>{changed.date().isoformat()}</lastmod></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(site_url: str) -> bytes:
    """``robots.txt``: everything may be crawled; where both sitemaps are."""
    base = site_url.rstrip("/") + "/"
    return (
        "User-agent: *\nAllow: /\n\n"
        f"Sitemap: {base}sitemap.xml\nSitemap: {base}{SERVERS_SITEMAP_FILE}\n"
    ).encode("utf-8")
