"""The main job: lint -> index -> signature -> CATALOG.md -> site, into ``dist/``.

Everything is computed in memory from one loaded :class:`Registry` (the site
is rendered from the same models that built the index; nothing re-reads
YAML), written to a temporary directory next to ``out``, and only then
swapped in: a failure at any stage leaves the previous ``dist/`` untouched.

``dist/`` holds ``index.json``, ``index.json.sig`` (only when signed),
``CATALOG.md`` and ``site/``, which serves the same ``index.json`` and
``index.json.sig`` byte for byte at its root. The signing key is used for
one call to :func:`registry.signing.sign_index` and is never written, logged
or kept.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from registry.errors import LintFailed, RegistryError
from registry.index.build import build_index, generated_time
from registry.lint.runner import lint_paths
from registry.load.history import manifest_dates
from registry.load.tree import Registry
from registry.render.catalog import CATALOG_FILE, catalog_is_stale, render_catalog
from registry.signing import public_key_of, sign_index

INDEX_FILE = "index.json"
SIGNATURE_FILE = "index.json.sig"
SITE_DIR = "site"
CONFIG_FILE = "mkdocs.yml"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SiteBuildError(RegistryError):
    """mkdocs could not build the site (strict warnings, broken config, a template error)."""


@dataclass(frozen=True)
class Prepared:
    """Everything the site and ``dist/`` are made of, computed once in memory."""

    registry: Registry
    index: bytes
    signature: str | None
    """The content of ``index.json.sig``; ``None`` when no key was given."""
    generated: datetime
    public_key: str
    """Public half of the signing key (hex); empty when unsigned."""
    dates: dict[tuple[str, str], datetime]
    catalog: str


@dataclass(frozen=True)
class BuildResult:
    out: Path
    servers: int
    versions: int
    signed: bool
    pages: int
    catalog_stale: bool
    """The committed CATALOG.md differs from the one in ``dist/`` (run ``invoke catalog``)."""


def prepare(
    root: Path,
    *,
    signing_key: str | None,
    source_date_epoch: str | None,
    now: datetime,
) -> Prepared:
    """Lint ``root`` (raising :class:`LintFailed` with every finding), then index and sign."""
    result = lint_paths(root, policy=True)
    if result.failed:
        raise LintFailed(result.findings)
    registry = result.registry
    generated = generated_time(source_date_epoch, now)
    index = build_index((entry.manifest for entry in registry.manifests), generated)
    signature = sign_index(index, signing_key) if signing_key else None
    return Prepared(
        registry=registry,
        index=index,
        signature=signature,
        generated=generated,
        public_key=public_key_of(signing_key) if signing_key else "",
        dates=manifest_dates(root),
        catalog=render_catalog(registry),
    )


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _source_date_epoch(moment: datetime) -> Iterator[None]:
    """mkdocs dates its sitemap from SOURCE_DATE_EPOCH: pin it to ``generated`` meanwhile."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def build_site(
    prepared: Prepared,
    site_dir: Path,
    *,
    config_file: Path,
    site_url: str | None,
    strict: bool = True,
) -> int:
    """Run mkdocs in-process into ``site_dir``, handing ``prepared`` to the plugin.

    Returns the number of generated pages. Strict by default: any warning fails.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from registry.site.plugin import CatalogPlugin

    collector = _WarningCollector()
    mkdocs_logger = logging.getLogger("mkdocs")
    mkdocs_logger.addHandler(collector)
    try:
        config = load_config(
            config_file=str(config_file), site_dir=str(site_dir), strict=strict,
            site_url=site_url,
        )
        plugins = [p for p in config.plugins.values() if isinstance(p, CatalogPlugin)]
        if not plugins:
            raise SiteBuildError(f"{config_file}: the gigmcp-catalog plugin is not enabled")
        plugins[0].use(prepared)
        with _source_date_epoch(prepared.generated):
            mkdocs_build(config)
        return plugins[0].generated_pages
    except MkDocsException as exc:
        details = "".join(f"\n  {message}" for message in collector.messages)
        raise SiteBuildError(f"site build failed: {exc}{details}") from None
    finally:
        mkdocs_logger.removeHandler(collector)


def update_catalog(root: Path) -> bool:
    """Lint ``root`` and rewrite ``root/CATALOG.md`` when it is stale; True when it changed."""
    result = lint_paths(root, policy=False)
    if result.failed:
        raise LintFailed(result.findings)
    if not catalog_is_stale(root, result.registry):
        return False
    write_atomic(root / CATALOG_FILE, render_catalog(result.registry).encode("utf-8"))
    return True


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _default_config(root: Path) -> Path:
    own = root / CONFIG_FILE
    return own if own.is_file() else PROJECT_ROOT / CONFIG_FILE


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
) -> BuildResult:
    """The main job: everything into ``out`` (normally ``dist/``), atomically.

    ``config_file`` defaults to ``root/mkdocs.yml``, or the project's own when
    ``root`` has none (a benchmark's synthetic catalog, a test's tree).
    """
    prepared = prepare(
        root, signing_key=signing_key, source_date_epoch=source_date_epoch, now=now
    )
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        _write(staging / INDEX_FILE, prepared.index)
        if prepared.signature is not None:
            _write(staging / SIGNATURE_FILE, prepared.signature.encode("ascii"))
        _write(staging / CATALOG_FILE, prepared.catalog.encode("utf-8"))
        pages = build_site(
            prepared, staging / SITE_DIR,
            config_file=config_file or _default_config(root), site_url=site_url,
        )
        _swap_in(staging, out)
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
