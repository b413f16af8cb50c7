"""The generated pages of the site: which exist, and their HTML.

Pure: a :class:`SitePages` is made from a loaded :class:`Registry` and a
:class:`BuildInfo` and renders each page to an HTML string from the Jinja2
templates (autoescaped). The mkdocs plugin only places the results.

Pages (all with directory URLs):

- ``index.md``: the catalog's first page of rows, filtered and paged over the
  whole catalog in the browser from the data files (:mod:`registry.site.facets`);
- ``categories/index.md`` (in the nav) and ``categories/<slug>/index.md`` (its
  first page of rows too);
- ``servers/<name>/index.md``: the latest version (searchable);
- ``servers/<name>/<version>/index.md``: one version and its entitlement diff
  (left out of search: the latest page already indexes the same text).

Server, version and category pages stay out of the navigation, and no page
lists every server, so a page's size does not grow with the catalog. Besides
pages, :class:`SitePages` gives the data files the browser fetches in pieces:
the catalog's facets and row shards, and the exact-identifier lookup
(:mod:`registry.site.lookup`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Literal, TypedDict

from registry.layout import (
    UNCATEGORIZED,
    category_page,
    category_slug,
    server_page,
    version_page,
)
from registry.load.history import added_at
from registry.render.catalog import ServerSummary, catalog_rows
from registry.load.schema import CATEGORIES
from registry.render.templates import html_environment
from registry.review.diff import history
from registry.site.facets import (
    CAN_LABELS,
    FACET_LABELS,
    HOME_ROWS,
    SHARD_ROWS,
    catalog_files,
    filter_options,
    server_facets,
)
from registry.site.lookup import lookup_files
from registry.site.views import (
    DefaultEffect,
    VersionView,
    default_capabilities,
    server_view,
    version_views,
)
from registry.load.tree import Registry

PageKind = Literal["home", "server", "version", "categories", "category"]


class TocToken(TypedDict):
    """The shape mkdocs' ``get_toc`` takes (``name`` is HTML)."""

    level: int
    id: str
    name: str
    children: list[TocToken]


@dataclass(frozen=True)
class BuildInfo:
    """Facts about this build that pages show: when, signed or not, where the index is."""

    generated: datetime
    signed: bool
    index_url: str
    """What a gateway sets GIG_REGISTRY_INDEX_URL to."""
    public_key: str
    """What a gateway sets GIG_REGISTRY_PUBKEY to; empty when unknown."""
    site_url: str = ""
    dates: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    """When each (name, version) was added; missing ones fall back to ``generated``."""

    def date_of(self, name: str, version: str) -> datetime:
        return added_at(self.dates, name, version, self.generated)


@dataclass(frozen=True)
class PageSpec:
    """One generated page: where it goes and what it shows."""

    src_uri: str
    kind: PageKind
    name: str = ""
    version: str = ""
    category: str = ""

    @property
    def url(self) -> str:
        return self.src_uri.removesuffix("index.md")

    @property
    def in_nav(self) -> bool:
        return self.kind in ("home", "categories")

    @property
    def searchable(self) -> bool:
        """Indexed for search: not version pages (their latest page holds the same text),
        not the home page (its rows are server pages' text again)."""
        return self.kind not in ("version", "home")


@dataclass(frozen=True)
class RenderedPage:
    title: str
    """Plain text; whoever puts it into HTML escapes it."""
    html: str
    toc: list[TocToken]


_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)


def toc_from_html(html: str) -> list[TocToken]:
    """The h2/h3 headings (with ids) of our own rendered HTML, nested like mkdocs' TOC."""
    tokens: list[TocToken] = []
    for level_text, anchor, inner in _HEADING.findall(html):
        text = _TAG.sub("", _HEADERLINK.sub("", inner)).strip()
        # The inner text is already escaped HTML: keep it escaped (unescape, then re-escape).
        name = _escape_text(unescape(text))
        token: TocToken = {"level": int(level_text), "id": unescape(anchor), "name": name,
                           "children": []}
        if token["level"] == 3 and tokens:
            tokens[-1]["children"].append(token)
        else:
            tokens.append(token)
    return tokens


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SitePages:
    """Every generated page of one registry, rendered on demand."""

    def __init__(self, registry: Registry, info: BuildInfo) -> None:
        self.registry = registry
        self.info = info
        self._rows = catalog_rows(registry)
        self._env = html_environment("registry.site")
        self._histories: dict[str, tuple[VersionView, ...]] = {}
        self._capabilities: dict[str, tuple[DefaultEffect, ...]] = {
            name: default_capabilities(registry, versions[-1].manifest)
            for name, versions in registry.servers.items()
        }

    def data_files(self) -> dict[str, bytes]:
        """The files the site's scripts fetch: catalog facets and rows, the identifier lookup."""
        files = catalog_files(self._rows, self._capabilities)
        files.update(lookup_files([v[-1].manifest for v in self.registry.servers.values()]))
        return files

    def specs(self) -> list[PageSpec]:
        """All generated pages, in a fixed order."""
        specs = [PageSpec("index.md", "home"), PageSpec("categories/index.md", "categories")]
        for category in self._categories():
            specs.append(PageSpec(category_page(category) + "index.md", "category",
                                  category=category))
        for name, versions in self.registry.servers.items():
            specs.append(PageSpec(server_page(name) + "index.md", "server", name=name))
            for entry in versions:
                version = entry.manifest.version
                specs.append(PageSpec(version_page(name, version) + "index.md", "version",
                                      name=name, version=version))
        return specs

    def server_pages(self) -> list[tuple[str, datetime]]:
        """Each server and version page's URL, with when its version was added."""
        pages = []
        for spec in self.specs():
            if spec.kind in ("server", "version"):
                version = spec.version or self.registry.latest(spec.name).manifest.version
                pages.append((spec.url, self.info.date_of(spec.name, version)))
        return pages

    def versions_of(self, name: str) -> tuple[VersionView, ...]:
        """``name``'s version history with diffs, computed once per server."""
        if name not in self._histories:
            self._histories[name] = version_views(history(self.registry, name))
        return self._histories[name]

    def source_of(self, spec: PageSpec) -> str:
        """The manifest a page shows (its path), or the registry for catalog pages."""
        entry = None
        if spec.kind == "server":
            entry = self.registry.latest(spec.name)
        elif spec.kind == "version":
            entry = self.registry.manifest(spec.name, spec.version)
        return entry.path if entry is not None else self.registry.layout.root.as_posix()

    def _categories(self) -> list[str]:
        present = {row.category for row in self._rows}
        return [c for c in (*CATEGORIES, "") if c in present]

    def render(self, spec: PageSpec) -> RenderedPage:
        """The title, HTML body and table of contents of one page."""
        base = "../" * spec.url.count("/")
        common = {"base": base, "info": self.info, "category_url": category_page,
                  "server_url": server_page, "version_url": version_page,
                  "category_slug": category_slug}
        if spec.kind == "home":
            title = "Catalog"
            html = self._env.get_template("home.html").render(
                rows=self._rows[:HOME_ROWS], total=len(self._rows),
                installable=sum(1 for row in self._rows if row.status == "installable"),
                shard_rows=SHARD_ROWS, page_rows=HOME_ROWS, options=filter_options(self._rows, self._capabilities),
                facet_labels=FACET_LABELS, can_labels=CAN_LABELS, **common)
        elif spec.kind == "categories":
            title = "Categories"
            groups = [(c, [r for r in self._rows if r.category == c])
                      for c in self._categories()]
            html = self._env.get_template("categories.html").render(groups=groups, **common)
        elif spec.kind == "category":
            title = spec.category or "Uncategorized"
            rows = [r for r in self._rows if r.category == spec.category]
            html = self._env.get_template("category.html").render(
                category=title, rows=rows[:HOME_ROWS], total=len(rows),
                facet_value=spec.category or UNCATEGORIZED, **common)
        else:
            entry = (
                self.registry.latest(spec.name)
                if spec.kind == "server"
                else self.registry.manifest(spec.name, spec.version)
            )
            assert entry is not None
            view = server_view(self.registry, entry, self.versions_of(spec.name))
            title = entry.manifest.title
            if spec.kind == "version":
                title = f"{title} {entry.manifest.version}"
            facets = server_facets(view.summary, self._capabilities.get(spec.name, ()))
            html = self._env.get_template("server.html").render(
                view=view, latest=spec.kind == "server", facets=facets, **common)
        return RenderedPage(title=title, html=html, toc=toc_from_html(html))
