"""``registryctl serve`` in the browser: a saved edit shows, a broken one shows its findings.

The preview runs as a contributor runs it: ``registryctl serve`` in its own
process on a loopback port, watching a small tree. The page in Chromium
reloads itself after each rebuild (mkdocs' live reload); the findings of a
broken save appear over the page, and go when a save fixes them. Timeouts
here are generous (shared machines): the speed goals are in ``invoke bench``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import factory
from tests.browser.conftest import Watched, open_watched
from tests.loopback import registryctl_serve

WAIT_MS = 60_000


def _goto(preview: Watched, path: str) -> Any:
    # Not "networkidle": the live reload keeps a request open all the time.
    preview.page.goto(preview.origin + path, wait_until="load")
    return preview.page


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return factory.tree(
        tmp_path / "registry",
        [factory.manifest(), factory.manifest("other")],
        [factory.toolspec(), factory.toolspec("other")],
    )


@pytest.fixture
def served(tree: Path, tmp_path: Path) -> Iterator[str]:
    scratch = tmp_path / "tmp"  # where the preview keeps its site while it runs
    scratch.mkdir()
    with registryctl_serve(tree, env={"TMPDIR": str(scratch)}, within=120) as url:
        assert list(scratch.iterdir()), "the preview's site is not in TMPDIR"
        yield url
    assert list(scratch.iterdir()) == [], "the preview left its temporary folders behind"


@pytest.fixture
def preview(browser: Any, served: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from open_watched(browser, served, request, {"width": 1280, "height": 900})


def test_the_preview_shows_an_edit_a_broken_edit_and_the_fix(
    preview: Watched, tree: Path
) -> None:
    page = _goto(preview, "servers/acme/")
    assert page.locator("h1").first.inner_text() == "Acme"

    factory.write_manifest(tree, factory.manifest(displayName="Acme, edited"))
    page.locator("h1", has_text="Acme, edited").wait_for(timeout=WAIT_MS)

    factory.write_manifest(tree, factory.manifest(displayName="Acme, edited", tier="nope"))
    errors = page.locator("#gm-preview-errors")
    errors.wait_for(state="visible", timeout=WAIT_MS)
    shown = errors.inner_text()
    assert shown.startswith("The registry does not lint (")
    assert "manifests/acme/0.1.0.yaml:" in shown
    assert "tier: 'nope' is not one of: sealed, entrusted [S004]" in shown
    assert page.locator("h1").first.inner_text() == "Acme, edited"  # the last good page

    factory.write_manifest(tree, factory.manifest(displayName="Acme, fixed"))
    page.locator("h1", has_text="Acme, fixed").wait_for(timeout=WAIT_MS)
    errors.wait_for(state="detached", timeout=WAIT_MS)
    preview.assert_clean()


def test_a_save_that_does_not_parse_shows_where_in_the_page(
    preview: Watched, tree: Path
) -> None:
    _goto(preview, "")
    factory.write(tree, "manifests/acme/0.1.0.yaml", "name: [unclosed\n")
    errors = preview.page.locator("#gm-preview-errors")
    errors.wait_for(state="visible", timeout=WAIT_MS)
    assert "manifests/acme/0.1.0.yaml:" in errors.inner_text()
    preview.assert_clean()
