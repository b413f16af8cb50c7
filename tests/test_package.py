"""The built wheel works outside a source checkout: templates, theme and plugin are package data.

The wheel is built offline from this checkout, installed into a fresh virtual
environment (its dependencies are made visible from the test environment's
site-packages through a plain path entry, so the source checkout's editable
install is not), and used to build the site of a tree that holds nothing but
``manifests/``, ``toolspecs/`` and ``denylist/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests import factory

PROJECT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env=env,
                          timeout=600)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed; its bin/."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--disable-pip-version-check", "-q", "-w", str(base / "wheels"), str(PROJECT)], base)
    (wheel,) = (base / "wheels").glob("gigmcp_registry-*.whl")
    venv = base / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--disable-pip-version-check", "-q", str(wheel)], base)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     base).strip())
    # A path line adds the directory without running its .pth files (the editable finder).
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run([str(installed / "python"), "-c", "import registry; print(registry.__file__)"],
                 tmp_path)
    assert Path(where.strip()).is_relative_to(installed.parent)


def test_a_tree_of_manifests_only_builds_a_whole_site(installed: Path, tmp_path: Path) -> None:
    root = factory.tree(tmp_path / "fork")
    assert sorted(p.name for p in root.iterdir()) == ["denylist", "manifests", "toolspecs"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIG_")}
    out = _run([str(installed / "registryctl"), "build", "--root", str(root), "--out",
                str(tmp_path / "dist")], tmp_path, env)
    assert "1 servers, 1 versions" in out
    site = tmp_path / "dist" / "site"
    for page in ("index.html", "servers/acme/index.html", "servers/acme/0.1.0/index.html",
                 "reference/lint-rules/index.html", "assets/gigmcp/catalog.js",
                 "assets/gigmcp/search.js", "assets/gigmcp/registry.css", "index.json",
                 "feed.xml", "catalog/facets.json", "search-ids.json", "pagefind/pagefind.js"):
        assert (site / page).is_file(), page
    home = (site / "index.html").read_text("utf-8")
    # The theme overrides (the feed link, the search box) and the plugin's assets come
    # from the package; the search index from the Pagefind binary the package depends on.
    assert 'type="application/atom+xml"' in home
    assert 'data-gm-search-mode="full"' in home
    assert "assets/gigmcp/catalog.js" in home and "assets/gigmcp/search.js" in home
    assert list((site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert "E003" in (site / "reference/lint-rules/index.html").read_text("utf-8")


def test_the_wheel_depends_on_the_search_indexer(installed: Path, tmp_path: Path) -> None:
    code = ("import importlib.metadata as m; "
            "print('\\n'.join(m.distribution('gigmcp-registry').requires or []))")
    requires = _run([str(installed / "python"), "-c", code], tmp_path).splitlines()
    assert "pagefind[bin]==1.5.2" in [line.replace(" ", "") for line in requires]
