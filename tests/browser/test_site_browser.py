"""The built site in a real browser: loading, search, filters, pages, palette, privacy."""

from __future__ import annotations

import pytest

from registry.site.facets import HOME_ROWS
from tests.browser.conftest import LARGE_CATALOG, Watched

pytestmark = pytest.mark.browser


def _visible_rows(page: Watched) -> int:
    return int(page.page.locator("table[data-gm-catalog] tbody tr:visible").count())


def _names(rows: object) -> list[str]:
    locator = rows  # a Playwright locator of catalog rows
    return [str(text) for text in locator.locator("td:first-child code").all_inner_texts()]  # type: ignore[attr-defined]


def _hrefs(links: object) -> list[str]:
    return [str(href) for href in links.evaluate_all("as => as.map(a => a.href)")]  # type: ignore[attr-defined]


def test_home_loads_cleanly_and_stays_on_its_origin(page: Watched) -> None:
    page.goto("")
    assert page.page.locator("h1").first.inner_text() == "Gig'MCP server catalog"
    assert page.catalog_view().count() == 5
    assert _visible_rows(page) == 5
    # Nothing of the search is fetched before a reader opens it.
    fetched = page.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [url for url in fetched if "/pagefind/" in url or "/search/" in url]
    page.assert_clean()


def test_the_search_box_is_in_the_header_of_every_page(page: Watched) -> None:
    for path in ("", "reference/manifest/", "servers/acme/", "servers/acme/0.1.0/", "404.html"):
        page.goto(path)
        box = page.page.locator(".md-header__inner [data-gm-search] #gm-search-input")
        assert box.count() == 1, path
    page.assert_clean()


def test_search_on_a_docs_page_finds_a_server_by_a_tool_name_first(page: Watched) -> None:
    page.goto("reference/manifest/")
    links = page.search("search_notes")
    assert links.first.get_attribute("data-gm-result-name") == "notes"
    assert "servers/notes/" in _hrefs(links)[0]
    assert "exact tool name" in links.first.inner_text()
    page.assert_clean()


def test_search_on_a_docs_page_finds_a_server_by_an_egress_host(page: Watched) -> None:
    page.goto("reference/toolspec/")
    links = page.search("api.ledger.example.com")
    assert links.first.get_attribute("data-gm-result-name") == "ledger"
    assert "exact egress host" in links.first.inner_text()
    assert "Ledger" in page.page.locator("#gm-search-results").inner_text()
    page.assert_clean()


def test_search_finds_words_in_server_and_docs_pages(page: Watched) -> None:
    page.goto("")
    links = page.search("notebook")  # a word of a description: full text, no exact match
    assert [link.get_attribute("data-gm-result-name") for link in links.all()] == ["notes"]
    links = page.search("placeholder")  # the manifest reference says what one is
    pages = [link.get_attribute("data-gm-result-page") for link in links.all()]
    assert "/reference/manifest/" in pages
    page.assert_clean()


def test_search_is_driven_by_the_keyboard(page: Watched) -> None:
    page.goto("")
    page.search("acme")
    page.page.keyboard.press("ArrowDown")
    selected = page.page.locator("#gm-search-results a[aria-selected=true]")
    assert selected.get_attribute("data-gm-result-name") == "acme"
    page.page.keyboard.press("Enter")
    page.page.wait_for_url("**/servers/acme/")
    assert page.page.locator("h1").first.inner_text() == "Acme"
    page.page.keyboard.press("Control+k")
    assert page.page.evaluate("document.getElementById('__search').checked")
    page.page.keyboard.press("Escape")
    assert not page.page.evaluate("document.getElementById('__search').checked")
    page.assert_clean()


def test_filters_narrow_the_table_and_are_kept_in_the_url(page: Watched) -> None:
    page.goto("")
    page.catalog_view()
    form = page.page.locator("form[data-gm-filters]")
    form.locator("select[name=tier]").select_option("entrusted")
    assert page.catalog_view("?tier=entrusted").count() == 1
    assert "tier=entrusted" in page.page.url
    form.locator("select[name=tier]").select_option("")
    form.locator("select[name=status]").select_option("installable")
    assert page.catalog_view("?status=installable").count() == 2
    form.locator("input[name=q]").fill("notes")
    assert _names(page.catalog_view("?q=notes&status=installable")) == ["notes"]
    form.locator("input[name=q]").fill("no such server")
    assert page.catalog_view("?q=no+such+server&status=installable").count() == 0
    assert page.page.locator("[data-gm-empty]").is_visible()
    form.locator("button[type=reset]").click()
    assert page.catalog_view("?").count() == 5
    page.goto("?builder=node")
    assert _names(page.catalog_view("?builder=node")) == ["ledger"]
    page.goto("?can=destructive")  # what the default tools can do
    assert _names(page.catalog_view("?can=destructive")) == ["acme"]
    page.assert_clean()


def test_filters_and_pages_cover_a_catalog_larger_than_the_first_page(large: Watched) -> None:
    large.goto("")
    rows = large.catalog_view()
    assert rows.count() == HOME_ROWS and _names(rows)[0] == "svc00000"
    assert large.page.locator("output[name=count]").inner_text() == f"{LARGE_CATALOG} servers"
    pager = large.page.locator("[data-gm-pager]")
    assert f"page 1 of {-(-LARGE_CATALOG // HOME_ROWS)}" in pager.inner_text()
    pager.locator("button", has_text="Next").click()
    second = _names(large.catalog_view("?page=2"))
    assert second[:2] == [f"svc{HOME_ROWS:05d}", f"svc{HOME_ROWS + 1:05d}"]
    # A filter answers over the whole catalog, not only the rows in the HTML.
    large.goto("?category=comms")
    names = _names(large.catalog_view("?category=comms"))
    assert names == [f"svc{i:05d}" for i in range(1, LARGE_CATALOG, 6)]
    assert "svc00121" in names
    form = large.page.locator("form[data-gm-filters]")
    assert form.locator("select[name=category]").input_value() == "comms"
    # Text with a filter: the exact name first, through the same search index.
    form.locator("input[name=q]").fill("svc00121")
    assert _names(large.catalog_view("?q=svc00121&category=comms"))[0] == "svc00121"
    form.locator("select[name=category]").select_option("finance")
    assert large.catalog_view("?q=svc00121&category=finance").count() == 0
    large.goto("?can=read&page=3")
    assert _names(large.catalog_view("?can=read&page=3"))[0] == f"svc{2 * HOME_ROWS:05d}"
    large.assert_clean()


ROW_FACTS = """rows => rows.map(row => [
  row.getAttribute("data-category"), row.getAttribute("data-tier"),
  row.getAttribute("data-auth"), row.getAttribute("data-builder"),
  row.getAttribute("data-status"),
  Array.from(row.cells, cell => cell.innerText.trim()),
  Array.from(row.querySelectorAll("a"), a => a.href),
  Array.from(row.querySelectorAll("[class]"), e => e.className)])"""


def test_rows_rendered_in_the_browser_match_the_pages_own(large: Watched) -> None:
    large.goto("")
    built = large.catalog_view().evaluate_all(ROW_FACTS)
    large.goto("?tier=sealed")  # every server: the same first page, from the row files
    rendered = large.catalog_view("?tier=sealed").evaluate_all(ROW_FACTS)
    assert len(built) == HOME_ROWS and rendered == built
    assert built[1][6][1].endswith("/categories/comms/")
    large.assert_clean()


def test_an_exact_tool_name_puts_the_servers_that_have_it_first(large: Watched) -> None:
    large.goto("servers/svc00007/")
    links = large.search("list_things_0")  # every server of this catalog has that tool
    names = [link.get_attribute("data-gm-result-name") for link in links.all()]
    assert names[:10] == [f"svc{i:05d}" for i in range(10)]
    assert f"{LARGE_CATALOG} exact matches" in large.page.locator("#gm-search-status").inner_text()
    links = large.search("svc00121")
    assert links.first.get_attribute("data-gm-result-name") == "svc00121"
    large.assert_clean()


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


def test_instant_navigation_for_the_nav_and_full_loads_for_server_pages(page: Watched) -> None:
    page.goto("")
    page.page.evaluate("window.__stillHere = true")
    page.page.locator(".md-tabs a", has_text="Reference").click()
    page.page.wait_for_url("**/reference/manifest/")
    page.page.locator("h1", has_text="Manifest").wait_for()
    assert page.page.evaluate("window.__stillHere === true")  # the theme swapped the page
    assert page.search("acme").first.get_attribute("data-gm-result-name") == "acme"
    page.page.keyboard.press("Escape")
    page.page.locator(".md-tabs a", has_text="Catalog").click()
    page.page.wait_for_url(page.origin)
    page.catalog_view()
    # Server pages are not in sitemap.xml (it would grow with the catalog): a full load.
    page.page.locator("table[data-gm-catalog] a[href$='/servers/acme/']").click()
    page.page.wait_for_url("**/servers/acme/")
    page.page.locator("h1", has_text="Acme").wait_for()
    assert page.page.evaluate("window.__stillHere === undefined")
    page.page.go_back()
    page.page.wait_for_url(page.origin)
    page.catalog_view()
    page.page.locator("form[data-gm-filters] select[name=tier]").select_option("entrusted")
    assert page.catalog_view("?tier=entrusted").count() == 1
    page.assert_clean()


def test_hostile_manifest_text_runs_no_script(page: Watched) -> None:
    page.goto("servers/evil/")
    assert page.page.locator("h1").first.inner_text() == '<script>alert("display")</script>'
    assert page.page.locator("article iframe, article svg[onload]").count() == 0
    page.goto("")
    results = page.search("alert")
    assert results.count() >= 1
    assert page.page.locator("#gm-search-results img, #gm-search-results script").count() == 0
    page.search('<script>alert("display")</script>')  # its exact display name
    page.page.wait_for_timeout(500)
    page.assert_clean()


def test_the_catalog_fits_a_phone(phone: Watched) -> None:
    phone.goto("")
    phone.catalog_view()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    viewport = phone.page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport + 1
    assert phone.page.locator("form[data-gm-filters]").is_visible()
    phone.assert_clean()


def test_search_works_at_phone_width(phone: Watched) -> None:
    phone.goto("reference/manifest/")
    button = phone.page.locator(".md-header__inner label.md-header__button[for=__search]")
    assert button.is_visible()
    button.click()
    box = phone.page.locator("#gm-search-input")
    box.wait_for(state="visible")
    box.press_sequentially("api.notes.example.com", delay=20)
    done = '#gm-search-results[data-gm-state=done][data-gm-query="api.notes.example.com"]'
    phone.page.locator(done).wait_for(state="attached", timeout=15_000)
    first = phone.page.locator("#gm-search-results a.md-search-result__link").first
    assert first.is_visible() and first.get_attribute("data-gm-result-name") == "notes"
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= phone.page.evaluate("document.documentElement.clientWidth") + 1
    phone.assert_clean()
