"""The main job: lint -> index -> signature -> CATALOG.md -> site, into ``dist/``.

Everything is computed in memory from one :class:`~registry.pipeline.Prepared`
build (the site is rendered from the same models that built the index;
nothing re-reads YAML), written to a temporary directory next to ``out``, and
only then swapped in: a failure at any stage leaves the previous ``dist/``
untouched.

``dist/`` holds ``index.json``, ``index.json.sig`` (only when signed),
``CATALOG.md`` and ``site/``, which serves the same ``index.json`` and
``index.json.sig`` byte for byte at its root, and its search index
(``site/pagefind/``, :mod:`registry.site.search_index`, run once mkdocs has
written the pages). The signing key is used for
one call to :func:`registry.signing.sign_index` and is never written, logged
or kept.

A tree without its own ``mkdocs.yml`` (a contributor's fork holding only
``manifests/``, ``toolspecs/`` and ``denylist/``, a benchmark's synthetic
catalog) is built with the configuration that ships with the package.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from registry.errors import LintFailed, SiteBuildError
from registry.fileio import staging_folder, write_atomic
from registry.layout import (
    CATALOG_FILE,
    DOCS,
    INDEX_FILE,
    SIGNATURE_FILE,
    SITE_CONFIG,
    SITE_DIR,
)
from registry.lint.runner import lint_paths
from registry.pipeline import Prepared, prepare
from registry.progress import Progress, silent
from registry.render.catalog import catalog_is_stale, render_catalog
from registry.site.plugin import CatalogPlugin
from registry.site.search_index import index_site


@dataclass(frozen=True)
class BuildResult:
    out: Path
    servers: int
    versions: int
    signed: bool
    pages: int
    catalog_stale: bool
    """The committed CATALOG.md differs from the one in ``dist/`` (run ``invoke catalog``)."""


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def default_config() -> Path:
    """The site configuration that ships with the package (for trees without their own)."""
    return Path(str(resources.files("registry.site").joinpath(SITE_CONFIG)))


def site_config(root: Path) -> Path:
    """``root/mkdocs.yml`` when the tree has one, else :func:`default_config`."""
    own = root / SITE_CONFIG
    return own if own.is_file() else default_config()


def docs_dir_for(root: Path, config_file: Path, scratch: Path) -> str | None:
    """The pages folder to build with: the package configuration has none of its own.

    With :func:`default_config`, the tree's ``docs/`` when it has one, else the
    empty ``scratch`` folder (the generated catalog is the whole site); with a
    project's own configuration, its ``docs_dir`` (``None``: no override).
    """
    if config_file != default_config():
        return None
    docs = root / DOCS
    return str((docs if docs.is_dir() else scratch).resolve())


def build_site(
    prepared: Prepared,
    site_dir: Path,
    *,
    config_file: Path,
    site_url: str | None,
    root: Path,
    strict: bool = True,
    progress: Progress | None = None,
) -> int:
    """Run mkdocs in-process into ``site_dir``, handing ``prepared`` to the plugin, then
    index the written site for search.

    Returns the number of generated pages. Strict by default: any warning fails.
    ``progress`` hears the stages and the pages written.
    """
    progress = progress or silent()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    collector = _WarningCollector()
    mkdocs_logger = logging.getLogger("mkdocs")
    mkdocs_logger.addHandler(collector)
    with tempfile.TemporaryDirectory(prefix="gigmcp-docs-") as empty_docs:
        try:
            overrides: dict[str, Any] = {"site_dir": str(site_dir), "strict": strict}
            if site_url is not None:
                overrides["site_url"] = site_url
            docs_dir = docs_dir_for(root, config_file, Path(empty_docs))
            if docs_dir is not None:
                overrides["docs_dir"] = docs_dir
            config = load_config(config_file=str(config_file), **overrides)
            plugins = [p for p in config.plugins.values() if isinstance(p, CatalogPlugin)]
            if not plugins:
                raise SiteBuildError(f"{config_file}: the gigmcp-catalog plugin is not enabled")
            plugins[0].use(prepared, root=root, progress=progress)
            mkdocs_build(config)
        except MkDocsException as exc:
            details = "".join(f"\n  {message}" for message in collector.messages)
            raise SiteBuildError(f"site build failed: {exc}{details}") from None
        finally:
            mkdocs_logger.removeHandler(collector)
    progress.stage("search index")
    index_site(site_dir)
    return plugins[0].generated_pages


def update_catalog(root: Path) -> bool:
    """Lint ``root`` and rewrite ``root/CATALOG.md`` when it is stale; True when it changed."""
    result = lint_paths(root, policy=False)
    if result.failed:
        raise LintFailed(result.findings)
    if not catalog_is_stale(root, result.registry):
        return False
    write_atomic(root / CATALOG_FILE, render_catalog(result.registry).encode("utf-8"))
    return True


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with two renames; the old tree is removed after."""
    retired = None
    if out.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.replace(retired / out.name)
    staging.replace(out)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def build(
    root: Path,
    out: Path,
    *,
    signing_key: str | None,
    source_date_epoch: str | None,
    now: datetime,
    site_url: str | None,
    config_file: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """The main job: everything into ``out`` (normally ``dist/``), atomically.

    ``config_file`` defaults to :func:`site_config` of ``root``; ``progress`` hears each
    stage (lint and index, pages, search index) and the pages written.
    """
    progress = progress or silent()
    progress.stage("lint, index and sign")
    prepared = prepare(
        root, signing_key=signing_key, source_date_epoch=source_date_epoch, now=now
    )
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(out.parent, f".{out.name}.new-")
    try:
        _write(staging / INDEX_FILE, prepared.index)
        if prepared.signature is not None:
            _write(staging / SIGNATURE_FILE, prepared.signature.encode("ascii"))
        _write(staging / CATALOG_FILE, prepared.catalog.encode("utf-8"))
        pages = build_site(
            prepared, staging / SITE_DIR,
            config_file=config_file or site_config(root), site_url=site_url, root=root,
            progress=progress,
        )
        _swap_in(staging, out)
        progress.finish()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(
        out=out,
        servers=len(prepared.registry.servers),
        versions=len(prepared.registry.manifests),
        signed=prepared.signature is not None,
        pages=pages,
        catalog_stale=catalog_is_stale(root, prepared.registry),
    )
