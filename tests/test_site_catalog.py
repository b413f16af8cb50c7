"""The catalogs of tests/catalogs.py lint clean (or they would test nothing)."""

from __future__ import annotations

from pathlib import Path

from registry.lint.runner import lint_paths
from tests.catalogs import synthetic_catalog, write_site_catalog


def test_the_site_catalog_lints_clean(tmp_path: Path) -> None:
    result = lint_paths(write_site_catalog(tmp_path))
    assert not result.failed, [f.format() for f in result.errors]


def test_the_synthetic_catalog_lints_clean(tmp_path: Path) -> None:
    result = lint_paths(synthetic_catalog(tmp_path, 3))
    assert not result.failed, [f.format() for f in result.errors]
