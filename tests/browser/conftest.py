"""Browser test fixtures: one built site per session, served on loopback, Debian chromium.

Playwright drives the system's /usr/bin/chromium (never a downloaded browser).
Every request is routed: anything not addressed to the loopback server is
blocked and recorded, and a test fails when one was attempted. A failing
test leaves a screenshot in test-results/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from registry.build import build
from tests.catalogs import synthetic_catalog, write_site_catalog
from tests.loopback import serve_directory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


LARGE_CATALOG = 130
"""Servers of the large site: several pages of the catalog (HOME_ROWS rows each)."""


def _served_build(base: Path, root: Path) -> Iterator[str]:
    # Served first, built second: the site knows its own URL (its sitemap, which the
    # theme's instant navigation reads, lists absolute URLs).
    with serve_directory(base / "dist" / "site") as url:
        build(root, base / "dist", signing_key=None, source_date_epoch="1767225600",
              now=datetime(2026, 1, 1, tzinfo=UTC), site_url=url + "/")
        yield url + "/"


@pytest.fixture(scope="session")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture catalog's site, built once and served on 127.0.0.1."""
    base = tmp_path_factory.mktemp("browser-site")
    yield from _served_build(base, write_site_catalog(base / "registry"))


@pytest.fixture(scope="session")
def large_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A synthetic catalog of :data:`LARGE_CATALOG` servers, built once and served."""
    base = tmp_path_factory.mktemp("browser-large-site")
    yield from _served_build(base, synthetic_catalog(base / "registry", LARGE_CATALOG))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (scripts/setup.sh --dev installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Watched:
    """A page, with what it tried that it should not have."""

    page: Any
    origin: str
    off_origin: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.origin + path)
        self.page.wait_for_load_state("networkidle")

    def search(self, query: str) -> Any:
        """Open the header's search with its key, type ``query``; the results once shown."""
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        self.page.keyboard.press("/")
        self.page.locator("#gm-search-input").press_sequentially(query, delay=20)
        done = f"#gm-search-results[data-gm-state=done][data-gm-query={json.dumps(query)}]"
        self.page.locator(done).wait_for(state="attached", timeout=15_000)
        return self.page.locator("#gm-search-results a.md-search-result__link")

    def catalog_view(self, search: str = "?") -> Any:
        """The catalog's rows once the view of the query string ``search`` is rendered."""
        ready = f'table[data-gm-catalog][data-gm-ready="{search}"]'
        self.page.locator(ready).wait_for(state="attached", timeout=15_000)
        return self.page.locator("table[data-gm-catalog] tbody tr")

    def assert_clean(self) -> None:
        assert self.off_origin == [], "requests left the site's origin"
        assert self.console_errors == [], "console errors"
        assert self.dialogs == [], "a dialog opened (script ran)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def open_watched(browser: Any, site_url: str, request: pytest.FixtureRequest,
          viewport: dict[str, int]) -> Iterator[Watched]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    watched = Watched(page, site_url)

    def route(route: Any) -> None:
        if route.request.url.startswith(site_url):
            route.continue_()
        else:
            watched.off_origin.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error"
            else None)
    page.on("pageerror", lambda e: watched.console_errors.append(str(e)))
    def dialog(opened: Any) -> None:
        watched.dialogs.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    yield watched
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser: Any, site_url: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from open_watched(browser, site_url, request, {"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Any, site_url: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from open_watched(browser, site_url, request, {"width": 390, "height": 844})


@pytest.fixture
def large(browser: Any, large_site_url: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from open_watched(browser, large_site_url, request, {"width": 1280, "height": 900})
