"""The build's first stages, in memory: lint -> index -> signature -> catalog text.

:func:`prepare` is what both ways into a site build share: ``registryctl
build`` (which then writes ``dist/``, :mod:`registry.build`) and a plain
``mkdocs build``/``serve`` (the plugin calls it itself). Everything downstream
renders from the one :class:`Prepared` it returns; nothing re-reads YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from registry.errors import LintFailed
from registry.index.build import build_index, generated_time
from registry.lint.runner import lint_paths
from registry.load.history import manifest_dates
from registry.load.tree import Layout, LoadCache, Registry
from registry.render.catalog import render_catalog
from registry.signing import public_key_of, sign_index


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
    """When each (name, version) was added, from git; empty without history."""
    catalog: str


def prepare(
    root: Path,
    *,
    signing_key: str | None,
    source_date_epoch: str | None,
    now: datetime,
    cache: LoadCache | None = None,
) -> Prepared:
    """Lint ``root`` (raising :class:`LintFailed` with every finding), then index and sign.

    The key is used for one signature and one public-key derivation and is
    not kept: :class:`Prepared` holds the signature and the public half only.
    """
    result = lint_paths(root, policy=True, cache=cache)
    if result.failed:
        raise LintFailed(result.findings)
    registry = result.registry
    generated = generated_time(source_date_epoch, now)
    index = build_index((entry.manifest for entry in registry.manifests), generated,
                        memo=cache.encoded if cache is not None else None)
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


def unloaded(root: Path, now: datetime) -> Prepared:
    """An empty build of ``root``: what a preview shows before the tree first lints clean."""
    registry = Registry(Layout.of_root(root))
    return Prepared(
        registry=registry,
        index=build_index([], now),
        signature=None,
        generated=now,
        public_key="",
        dates={},
        catalog=render_catalog(registry),
    )
