"""The built site in a real browser: loading, search, filters, pages, palette, privacy."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Watched

pytestmark = pytest.mark.browser


def _visible_rows(page: Watched) -> int:
    return int(page.page.locator("table[data-gm-catalog] tbody tr:visible").count())


def test_home_loads_cleanly_and_stays_on_its_origin(page: Watched) -> None:
    page.goto("")
    assert page.page.locator("h1").first.inner_text() == "Gig'MCP server catalog"
    assert _visible_rows(page) == 5
    page.assert_clean()


def test_search_finds_a_server_by_a_tool_name(page: Watched) -> None:
    page.goto("")
    page.page.locator("label.md-search__icon, .md-search__input").first.click()
    page.page.locator("input.md-search__input").press_sequentially("search_notes")
    results = page.page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    links = page.page.locator(".md-search-result__link")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert any("servers/notes/" in href for href in hrefs), hrefs
    page.assert_clean()


def test_search_finds_a_server_by_an_egress_host(page: Watched) -> None:
    page.goto("")
    page.page.locator(".md-search__input").first.click()
    page.page.locator("input.md-search__input").press_sequentially("api.ledger.example.com")
    page.page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    assert "Ledger" in page.page.locator(".md-search-result").inner_text()


def test_filters_narrow_the_table_and_are_kept_in_the_url(page: Watched) -> None:
    page.goto("")
    form = page.page.locator("form[data-gm-filters]")
    form.locator("select[name=tier]").select_option("entrusted")
    assert _visible_rows(page) == 1
    assert "tier=entrusted" in page.page.url
    form.locator("select[name=tier]").select_option("")
    form.locator("select[name=status]").select_option("installable")
    assert _visible_rows(page) == 2
    form.locator("input[name=q]").fill("notes")
    assert _visible_rows(page) == 1
    form.locator("input[name=q]").fill("no such server")
    assert _visible_rows(page) == 0
    assert page.page.locator("[data-gm-empty]").is_visible()
    form.locator("button[type=reset]").click()
    page.page.wait_for_function(
        "document.querySelectorAll('table[data-gm-catalog] tbody tr:not([hidden])').length == 5"
    )
    page.goto("?builder=node")
    assert _visible_rows(page) == 1
    page.assert_clean()


def test_a_server_page_shows_egress_credentials_and_tools(page: Watched) -> None:
    page.goto("servers/notes/")
    text = page.page.locator("article").inner_text()
    for expected in ("Egress", "api.notes.example.com", "Credentials", "notes_oauth",
                     "notes.read", "Tools", "search_notes", "GET", "/v2/search",
                     "GIG_INSTALL=notes@0.1.0"):
        assert expected in text, expected
    page.assert_clean()


def test_a_version_page_shows_its_diff_with_escalations(page: Watched) -> None:
    page.goto("servers/acme/0.2.0/")
    diff = page.page.locator(".gm-diff")
    assert diff.is_visible()
    assert diff.locator("tr[data-escalation]").count() == 2
    assert "New egress wildcard *.files.acme.example.com" in diff.inner_text()
    page.assert_clean()


def test_the_palette_toggles_between_light_and_dark(page: Watched) -> None:
    page.goto("")
    body = page.page.locator("body")
    before = body.get_attribute("data-md-color-scheme")
    page.page.locator("form[data-md-component=palette] label:visible").first.click()
    page.page.wait_for_function(
        f"document.body.getAttribute('data-md-color-scheme') !== {before!r}"
    )
    assert {before, body.get_attribute("data-md-color-scheme")} == {"default", "slate"}
    page.assert_clean()


def test_instant_navigation_keeps_the_filters_working(page: Watched) -> None:
    page.goto("")
    page.page.locator("table[data-gm-catalog] a[href$='/servers/acme/']").click()
    page.page.wait_for_url("**/servers/acme/")
    assert page.page.locator("h1").first.inner_text() == "Acme"
    page.page.go_back()
    page.page.wait_for_url(page.origin)
    page.page.locator("form[data-gm-filters] select[name=tier]").select_option("entrusted")
    assert _visible_rows(page) == 1
    page.assert_clean()


def test_hostile_manifest_text_runs_no_script(page: Watched) -> None:
    page.goto("servers/evil/")
    assert page.page.locator("h1").first.inner_text() == '<script>alert("display")</script>'
    assert page.page.locator("article iframe, article svg[onload]").count() == 0
    page.goto("")
    page.page.locator(".md-search__input").first.click()
    page.page.locator("input.md-search__input").press_sequentially("alert")
    page.page.wait_for_timeout(1500)
    page.assert_clean()


def test_the_catalog_fits_a_phone(phone: Watched) -> None:
    phone.goto("")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    viewport = phone.page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport + 1
    assert phone.page.locator("form[data-gm-filters]").is_visible()
    phone.assert_clean()
