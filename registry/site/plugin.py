"""The mkdocs plugin that injects the generated catalog pages into a build.

This module is the site's entry and the only one of the site package that
reads the environment or the clock. Two ways in:

- through :func:`registry.build.build_site`, which hands the plugin the
  :class:`~registry.pipeline.Prepared` build (the same in-memory registry that
  made the index, and its signature) before mkdocs runs;
- through plain ``mkdocs build`` / ``mkdocs serve``, where the plugin lints
  and loads the registry tree itself (unsigned; SOURCE_DATE_EPOCH honoured)
  and ``serve`` also reloads when a manifest or toolspec changes.

The plugin brings its own theme overrides, scripts and styles (package data),
so a tree with nothing but manifests builds the same site as this repository.
Besides pages it writes the data files the pages' scripts fetch in pieces (the
catalog's facets and rows, the exact-identifier lookup) and the sitemaps;
the full-text index is Pagefind's, made after mkdocs by
:func:`registry.build.build_site` (not by a plain ``mkdocs build`` or the
preview, whose search box says it answers exact names only).
Generated HTML pages never pass through Markdown: their content is rendered
by Jinja2 with autoescaping and replaces the (empty) page body in
``on_page_content``, so nothing a contributor writes is read as Markdown,
HTML or a template. Their titles are escaped before material prints them.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from registry.errors import FileRefused, KeyFormatError, LintFailed, RegistryError, errors_only
from registry.export.api import api_files
from registry.export.serverjson import Origin, choose_namespace
from registry.fileio import read_bounded
from registry.layout import (
    CONTENT_DIRS,
    INDEX_FILE,
    PUBLIC_KEYS_FILE,
    ROBOTS_FILE,
    SERVERS_SITEMAP_FILE,
    SIGNATURE_FILE,
    SOURCE_DATE_EPOCH_ENV,
)
from registry.pipeline import Prepared, prepare, unloaded
from registry.progress import Progress, silent
from registry.signing import trusted_keys
from registry.site.feed import FEED_FILE, render_feed
from registry.site.pages import BuildInfo, PageSpec, RenderedPage, SitePages
from registry.site.preview import STATUS_FILE as PREVIEW_STATUS
from registry.site.preview import SCRIPT_FILE as PREVIEW_SCRIPT
from registry.site.preview import PreviewState, page_fingerprints
from registry.site.reference import (
    REFERENCE_PAGES,
    SCHEMA_FILES,
    json_schema,
    reference_markdown,
    rules_markdown,
)
from registry.site.sitemap import robots, servers_sitemap

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.gigmcp")

PACKAGE = "registry.site"
ASSETS = {
    "assets/gigmcp/registry.css": "assets/stylesheets/registry.css",
    "assets/gigmcp/search.js": "assets/javascripts/search.js",
    "assets/gigmcp/catalog.js": "assets/javascripts/catalog.js",
}
"""Site path -> package-data path of the scripts and styles every page loads."""
_SHOWN_FINDINGS = 50
_MAX_KEY_FILE_BYTES = 64 * 1024


class CatalogConfig(Config):  # type: ignore[no-untyped-call]  # mkdocs leaves it untyped
    root = c.Type(str, default="")
    """Registry tree, relative to mkdocs.yml; empty: mkdocs.yml's own directory."""
    index_url = c.Type(str, default="")
    """What gateways set GIG_REGISTRY_INDEX_URL to; default: index.json on this site."""
    public_key_file = c.Type(str, default=PUBLIC_KEYS_FILE)
    """Public key(s) shown in install instructions when the build is not signed here."""
    namespace = c.Type(str, default="")
    """Reverse-DNS namespace of the /v0.1/ registry API's names (``io.github.OWNER``);
    default: from site_url; without either the API is not generated."""


def read_public_keys(path: Path) -> str:
    """The valid public keys of ``path`` joined by commas; empty when missing or invalid."""
    try:
        text = read_bounded(path, _MAX_KEY_FILE_BYTES).decode("ascii")
        return ",".join(trusted_keys(text, path.as_posix()))
    except (FileRefused, UnicodeDecodeError, KeyFormatError):
        return ""


def _not_modified() -> bool:
    return False


def package_path(relative: str) -> Path:
    """A file or folder of the site's package data, on disk."""
    return Path(str(resources.files(PACKAGE).joinpath(relative)))


class CatalogPlugin(BasePlugin[CatalogConfig]):  # type: ignore[no-untyped-call]
    """Adds the catalog, server, version and category pages, feed, schemas and index."""

    def __init__(self) -> None:
        self._prepared: Prepared | None = None
        self._given_root: Path | None = None
        self._site: SitePages | None = None
        self._specs: dict[str, PageSpec] = {}
        self._rendered: dict[str, RenderedPage] = {}
        self._saved_epoch: str | None = None
        self._preview: PreviewState | None = None
        self._full_search = False
        self._progress = silent()
        self.generated_pages = 0

    def use(
        self,
        prepared: Prepared,
        *,
        root: Path,
        full_search: bool = True,
        progress: Progress | None = None,
    ) -> None:
        """Build from an already linted, indexed and (maybe) signed registry of ``root``.

        ``full_search``: the caller runs Pagefind over the site afterwards (the pages'
        search box uses it). ``progress`` hears how many pages are written.
        """
        self._prepared = prepared
        self._given_root = root
        self._full_search = full_search
        self._progress = progress or silent()

    def preview(self, state: PreviewState, *, root: Path) -> None:
        """Build as ``registryctl serve``'s preview, remembering ``state`` between builds."""
        self._preview = state
        self._given_root = root

    # --- configuration ----------------------------------------------------

    def _root(self, config: MkDocsConfig) -> Path:
        if self._given_root is not None:
            return self._given_root
        base = Path(config.config_file_path or ".").parent
        root = (base / self.config.root) if self.config.root else base
        # Findings read better relative to where mkdocs was started.
        relative = os.path.relpath(root)
        return root if relative.startswith("..") else Path(relative)

    def _load(self, root: Path) -> Prepared:
        state = self._preview
        try:
            prepared = prepare(
                root,
                signing_key=None,
                source_date_epoch=os.environ.get(SOURCE_DATE_EPOCH_ENV),
                now=datetime.now(UTC),
                cache=state.cache if state is not None else None,
            )
        except LintFailed as failed:
            if state is not None:
                # The preview keeps its last good pages and shows the findings over them.
                state.findings = errors_only(failed.findings)
                return state.good or unloaded(root, datetime.now(UTC))
            errors = errors_only(failed.findings)
            shown = "".join(f"\n  {f.format()}" for f in errors[:_SHOWN_FINDINGS])
            more = len(errors) - _SHOWN_FINDINGS
            tail = f"\n  … and {more} more" if more > 0 else ""
            raise PluginError(f"the registry does not lint: {failed}{shown}{tail}") from None
        except RegistryError as error:
            raise PluginError(str(error)) from None
        if state is not None:
            state.findings, state.good = [], prepared
        return prepared

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not config.use_directory_urls:
            raise PluginError("gigmcp-catalog needs use_directory_urls: true")
        root = self._root(config)
        prepared = self._prepared or self._load(root)
        site_url = config.site_url or ""
        index_url = self.config.index_url or (
            site_url.rstrip("/") + "/index.json" if site_url else "<URL of index.json>"
        )
        public_key = prepared.public_key or read_public_keys(root / self.config.public_key_file)
        info = BuildInfo(
            generated=prepared.generated,
            signed=prepared.signature is not None,
            index_url=index_url,
            public_key=public_key,
            site_url=site_url,
            dates=prepared.dates,
        )
        self._prepared = prepared
        self._site = SitePages(prepared.registry, info)
        self._add_theme_files(config)
        # What the pages' search box can use (overrides/partials/gm-search.html).
        config.extra["gigmcp"] = {"search": "full" if self._full_search else "exact"}
        # mkdocs dates the sitemap from SOURCE_DATE_EPOCH: pin it to `generated`.
        self._saved_epoch = os.environ.get(SOURCE_DATE_EPOCH_ENV)
        os.environ[SOURCE_DATE_EPOCH_ENV] = str(int(prepared.generated.timestamp()))
        return config

    def _assets(self) -> dict[str, str]:
        if self._preview is None:
            return ASSETS
        return {**ASSETS, PREVIEW_SCRIPT: "assets/javascripts/preview.js"}

    def _unchanged_pages(self, site: SitePages) -> set[str]:
        """In a preview, the pages whose inputs are those of the last build (none otherwise)."""
        state = self._preview
        if state is None:
            return set()
        fingerprints = page_fingerprints(site.registry, site.info, list(self._specs.values()))
        unchanged = {
            uri for uri, print_ in fingerprints.items()
            if print_ and state.fingerprints.get(uri) == print_
        }
        state.fingerprints = fingerprints
        return unchanged

    def _add_theme_files(self, config: MkDocsConfig) -> None:
        """The package's theme overrides (after a project's own ``custom_dir``), styles, scripts."""
        overrides = str(package_path("overrides"))
        dirs = config.theme.dirs
        if overrides not in dirs:
            dirs.insert(1 if config.theme.custom_dir else 0, overrides)
        for uri in self._assets():
            target = config.extra_css if uri.endswith(".css") else config.extra_javascript
            if uri not in [str(item) for item in target]:
                target.append(uri)

    def _restore_epoch(self) -> None:
        if self._saved_epoch is None:
            os.environ.pop(SOURCE_DATE_EPOCH_ENV, None)
        else:
            os.environ[SOURCE_DATE_EPOCH_ENV] = self._saved_epoch

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._restore_epoch()

    def on_build_error(self, *, error: Exception) -> None:
        self._restore_epoch()

    # --- files and nav ------------------------------------------------------

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        assert self._site is not None and self._prepared is not None
        site, prepared = self._site, self._prepared
        generated: dict[str, str | bytes] = {}
        self._specs = {}
        for spec in site.specs():
            self._specs[spec.src_uri] = spec
            generated[spec.src_uri] = ""
        for uri, kind in REFERENCE_PAGES.items():
            generated[uri] = (
                rules_markdown() if kind == "rules" else reference_markdown(kind, site.info.site_url)
            )
        for schema_kind, uri in SCHEMA_FILES.items():
            generated[uri] = json_schema(schema_kind, site.info.site_url)
        try:
            generated[FEED_FILE] = render_feed(prepared.registry, site.info, config.site_name)
        except Exception as error:  # what lint accepted must render; if not, say where
            raise PluginError(
                f"{FEED_FILE} cannot be rendered ({type(error).__name__}: {error}); "
                "please report this"
            ) from None
        for uri, source in self._assets().items():
            generated[uri] = package_path(source).read_bytes()
        if self._preview is not None:
            generated[PREVIEW_STATUS] = self._preview.status()
        generated[INDEX_FILE] = prepared.index
        try:
            namespace = choose_namespace(self.config.namespace, site.info.site_url)
        except RegistryError as error:
            raise PluginError(f"gigmcp-catalog: {error}") from None
        if namespace:
            generated.update(api_files(
                prepared.registry, Origin(namespace, site.info.site_url),
                generated=prepared.generated, dates=prepared.dates,
            ))
        else:
            log.info("the /v0.1/ registry API is not generated: set site_url or the "
                     "gigmcp-catalog namespace (io.github.OWNER)")
        if prepared.signature is not None:
            generated[SIGNATURE_FILE] = prepared.signature.encode("ascii")
        generated.update(site.data_files())
        if site.info.site_url:
            generated[SERVERS_SITEMAP_FILE] = servers_sitemap(
                site.info.site_url, site.server_pages()
            )
            generated[ROBOTS_FILE] = robots(site.info.site_url)
        unchanged = self._unchanged_pages(site)
        for uri, content in generated.items():
            if files.get_file_from_path(uri) is not None:
                raise PluginError(
                    f"docs/{uri} collides with a page the catalog generates; rename or remove it"
                )
            page_spec = self._specs.get(uri)
            inclusion = (
                InclusionLevel.NOT_IN_NAV
                if page_spec is not None and not page_spec.in_nav
                else InclusionLevel.UNDEFINED
            )
            file = File.generated(config, uri, content=content, inclusion=inclusion)
            if uri in unchanged:
                # A preview's dirty build skips it; its page from the last build stays.
                file.is_modified = _not_modified  # type: ignore[method-assign]
            files.append(file)
        self.generated_pages = len(self._specs) + len(REFERENCE_PAGES)
        config.nav = _prune_nav(config.nav, files)
        self._progress.stage("pages", len(files.documentation_pages()))
        return files

    def on_env(
        self, env: Environment, /, *, config: MkDocsConfig, files: Files
    ) -> Environment | None:
        if self._preview is not None:
            env.bytecode_cache = self._preview.templates
        return env

    def on_template_context(
        self, context: Any, /, *, template_name: str, config: MkDocsConfig
    ) -> Any:
        if template_name == "sitemap.xml" and self._specs:
            # Only the navigation's pages: see registry/site/sitemap.py.
            context["pages"] = [
                file for file in context["pages"]
                if (spec := self._specs.get(file.src_uri)) is None
                or spec.kind not in ("server", "version")
            ]
        return context

    # --- pages ----------------------------------------------------------------

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        spec = self._specs.get(page.file.src_uri)
        if spec is None or self._site is None:
            return markdown
        try:
            rendered = self._site.render(spec)
        except Exception as error:  # what lint accepted must render; if not, say where
            raise PluginError(
                f"{self._site.source_of(spec)}: the {spec.kind} page {spec.url or '/'} cannot be "
                f"rendered ({type(error).__name__}: {error}); please report this"
            ) from None
        self._rendered[spec.src_uri] = rendered
        # material prints meta titles unescaped: escape contributor text here.
        page.meta["title"] = str(escape(rendered.title))
        if not spec.searchable:
            page.meta["search"] = {"exclude": True}
        if spec.kind in ("home", "categories"):
            page.meta["hide"] = ["navigation", "toc"]  # the catalog needs the width
        elif spec.kind == "category":
            page.meta["hide"] = ["toc"]
        return ""

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        rendered = self._rendered.pop(page.file.src_uri, None)
        if rendered is None:
            return html
        page.toc = get_toc(rendered.toc)
        return rendered.html

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        self._progress.advance()
        return output

    # --- serve ------------------------------------------------------------------

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        root = self._root(config)
        for name in CONTENT_DIRS:
            if (root / name).is_dir():
                server.watch(str(root / name))
        server.watch(str(package_path("templates")))
        return server


def _prune_nav(nav: Any, files: Files) -> Any:
    """Drop nav entries whose page does not exist (hand-written docs still being written)."""
    if nav is None:
        return None
    if isinstance(nav, str):
        return nav if _exists(nav, files) else None
    if isinstance(nav, list):
        return [item for item in (_prune_nav(i, files) for i in nav) if item not in (None, [])]
    if isinstance(nav, dict):
        pruned = {key: _prune_nav(value, files) for key, value in nav.items()}
        pruned = {key: value for key, value in pruned.items() if value not in (None, [])}
        return pruned or None
    return nav


def _exists(target: str, files: Files) -> bool:
    if "://" in target:
        return True
    if files.get_file_from_path(target) is None:
        log.info("nav: %s does not exist yet; left out of the navigation", target)
        return False
    return True
