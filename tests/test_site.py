"""The catalog website, built for real through ``registry.build.build`` and mkdocs."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.build import BuildResult, build
from registry.errors import LintFailed, SiteBuildError
from registry.layout import LOOKUP_MANIFEST_FILE, catalog_rows_file, lookup_shard_file
from registry.load.schema import Manifest, Toolspec
from registry.load.tree import Layout, ManifestEntry, Registry, ToolspecEntry
from registry.load.yaml_loader import parse_yaml
from registry.signing import generate_keypair, verify_index
from registry.site.facets import HOME_ROWS
from registry.site.lookup import fnv1a32, normalize
from registry.site.pages import BuildInfo, PageSpec, SitePages, toc_from_html
from registry.site.search_index import UNUSED, decode, encode
from tests import factory
from tests.catalogs import (
    HOSTILE_DESCRIPTION,
    HOSTILE_DISPLAY,
    synthetic_catalog,
    write_site_catalog,
)

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
NOW = datetime(2030, 6, 1, tzinfo=UTC)  # never used while EPOCH is given
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Built:
    root: Path
    dist: Path
    result: BuildResult
    public_key: str
    private_key: str

    @property
    def site(self) -> Path:
        return self.dist / "site"

    def page(self, url: str) -> str:
        return (self.site / url / "index.html").read_text(encoding="utf-8")


def _build(root: Path, dist: Path, key: str | None = None, site_url: str | None = None) -> BuildResult:
    return build(root, dist, signing_key=key, source_date_epoch=EPOCH, now=NOW, site_url=site_url)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("signed")
    root = write_site_catalog(base / "registry")
    public, private = generate_keypair()
    result = _build(root, base / "dist", private)
    return Built(root, base / "dist", result, public, private)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("unsigned")
    root = write_site_catalog(base / "registry")
    return Built(root, base / "dist", _build(root, base / "dist"), "", "")


def _files(top: Path) -> Iterator[Path]:
    return (path for path in sorted(top.rglob("*")) if path.is_file())


def _indexed(site: Path) -> dict[str, dict[str, object]]:
    """What Pagefind holds of each indexed page (its fragment), by URL."""
    pages = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        fragment = json.loads(raw[len(b"pagefind_dcd"):])
        pages[fragment["url"]] = fragment
    return pages


def _lookup(site: Path, query: str) -> list[list[object]]:
    """The exact-identifier hits for ``query``, read the way search.js reads them."""
    shards = json.loads((site / LOOKUP_MANIFEST_FILE).read_text("utf-8"))["shards"]
    key = normalize(query)
    table = json.loads((site / lookup_shard_file(fnv1a32(key) % shards)).read_text("utf-8"))
    hits: list[list[object]] = table.get(key, [])
    return hits


# --- dist/ ---------------------------------------------------------------------


def test_dist_holds_the_signed_index_and_the_site_serves_the_same_bytes(signed: Built) -> None:
    index = (signed.dist / "index.json").read_bytes()
    signature = (signed.dist / "index.json.sig").read_text(encoding="ascii")
    assert (signed.site / "index.json").read_bytes() == index
    assert (signed.site / "index.json.sig").read_text(encoding="ascii") == signature
    verify_index(index, signature, [signed.public_key])
    assert json.loads(index)["generated"] == "2026-01-01T00:00:00Z"
    assert signed.result.signed and signed.result.servers == 5 and signed.result.versions == 6
    assert (signed.dist / "CATALOG.md").read_text(encoding="utf-8").startswith("# Catalog")


def test_the_signing_key_never_reaches_dist(signed: Built) -> None:
    secrets = {signed.private_key, signed.private_key[:64]}
    secrets |= {s.upper() for s in secrets}
    for path in _files(signed.dist):
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path


def test_the_site_shows_the_public_key_of_a_signed_build(signed: Built) -> None:
    page = signed.page("servers/acme")
    assert f"GIG_REGISTRY_PUBKEY={signed.public_key}" in page
    assert "Unsigned preview" not in page


def test_an_unsigned_build_has_no_signature_and_says_so(unsigned: Built) -> None:
    assert not (unsigned.dist / "index.json.sig").exists()
    assert not (unsigned.site / "index.json.sig").exists()
    assert "Unsigned preview" in unsigned.page("")
    assert "Unsigned preview" in unsigned.page("servers/acme")


def test_every_generated_page_and_file_exists(unsigned: Built) -> None:
    for url in ["", "categories", "categories/documents", "categories/uncategorized",
                "servers/acme", "servers/acme/0.1.0", "servers/acme/0.2.0",
                "servers/clock", "reference/manifest", "reference/toolspec"]:
        assert (unsigned.site / url / "index.html").is_file(), url
    for name in ["feed.xml", "schemas/manifest.schema.json", "schemas/toolspec.schema.json",
                 "index.json", "sitemap.xml", "pagefind/pagefind.js", "pagefind/pagefind-entry.json",
                 "search-ids.json", "search-ids/0.json", "catalog/facets.json",
                 catalog_rows_file(0), "assets/gigmcp/search.js"]:
        assert (unsigned.site / name).is_file(), name
    # Pagefind's own interfaces are not shipped: the site has its own box.
    assert not [name for name in UNUSED if (unsigned.site / "pagefind" / name).exists()]
    assert not (unsigned.site / "search/search_index.json").exists()
    # Without a site URL no sitemap of server pages (it needs absolute URLs), no robots.txt.
    assert not (unsigned.site / "sitemap-servers.xml").exists()
    assert not (unsigned.site / "robots.txt").exists()


def test_builds_are_reproducible(unsigned: Built, tmp_path: Path) -> None:
    # The search index included: Pagefind writes its filters in a random order, which the
    # build puts in order (registry/site/search_index.py).
    again = tmp_path / "dist"
    _build(unsigned.root, again)
    first = {p.relative_to(unsigned.dist): p.read_bytes() for p in _files(unsigned.dist)}
    second = {p.relative_to(again): p.read_bytes() for p in _files(again)}
    assert first.keys() == second.keys()
    assert any(path.parts[:2] == ("site", "pagefind") for path in first)
    assert [k for k in first if first[k] != second[k]] == []


def test_the_search_index_does_not_depend_on_the_order_pagefind_wrote(
    unsigned: Built, tmp_path: Path
) -> None:
    import shutil

    from registry.site.search_index import canonicalize

    bundle = tmp_path / "pagefind"
    shutil.copytree(unsigned.site / "pagefind", bundle)
    before = {p.relative_to(bundle): p.read_bytes() for p in _files(bundle)}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        name, values = decode(path.read_bytes())  # type: ignore[misc, str-unpack]
        assert isinstance(values, list)
        shuffled = [name, list(reversed(values))]  # as another run may write them
        path.write_bytes(gzip.compress(b"pagefind_dcd" + encode(shuffled)))
    canonicalize(bundle)
    assert {p.relative_to(bundle): p.read_bytes() for p in _files(bundle)} == before



def test_a_search_index_that_cannot_be_built_is_a_clear_error(tmp_path: Path) -> None:
    from registry.site.search_index import index_site

    with pytest.raises(SiteBuildError, match=r"the search index failed \(Pagefind exit 1\):"
                       r"[\s\S]*not able to build an index"):
        index_site(tmp_path)  # no pages at all
    bundle = tmp_path / "site" / "pagefind"
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(
        "<html><body><main data-pagefind-body><p>words</p></main></body></html>", "utf-8"
    )
    index_site(tmp_path / "site")
    meta = next(bundle.glob("*.pf_meta"))
    meta.write_bytes(gzip.compress(b"not pagefind data"))
    with pytest.raises(ValueError, match="not a Pagefind data file"):
        decode(meta.read_bytes())

# --- pages ---------------------------------------------------------------------


def test_home_lists_every_server_with_filter_attributes(unsigned: Built) -> None:
    home = unsigned.page("")
    rows = re.findall(r"<tr data-category=\"([^\"]*)\" data-tier=\"(\w+)\" data-auth=\"([^\"]*)\" "
                      r"data-builder=\"([^\"]*)\" data-status=\"(\w+)\">", home)
    assert len(rows) == 5
    assert ("finance", "entrusted", "custom_env", "node", "planned") in rows
    assert ("documents", "sealed", "oauth2", "toolpack", "installable") in rows
    assert ("uncategorized", "sealed", "none", "go-static", "installable") in rows
    assert 'href="servers/acme/"' in home


def test_a_server_page_shows_what_the_server_can_reach(unsigned: Built) -> None:
    page = unsigned.page("servers/acme")
    assert "<h1 id=\"server\">Acme</h1>" in page
    assert "api.acme.example.com" in page and "*.files.acme.example.com" in page
    assert "any host name ending in .files.acme.example.com" in page
    assert "Authorization" in page and "Bearer {token}" in page
    assert "GIG_INSTALL=acme@0.2.0" in page
    # Tools with their toolspec: description, method, path, params, side effect, hints.
    assert 'id="tool-delete_item"' in page
    assert "Delete one item" in page
    assert "DELETE https://api.acme.example.com/v1/items/{id}" in page
    assert 'gm-badge--destructive">destructive' in page
    assert 'gm-badge--write">write' in page and 'gm-badge--read">read' in page
    assert "readOnlyHint <code>true</code>" in page
    assert "destructiveHint <code>true</code>" in page
    assert 'href="https://github.com/gigmcp/toolpack/tree/v0.1.0" rel="noopener' in page
    assert "ghcr.io/gigmcp/acme-mcp@sha256:" in page
    assert 'href="../../servers/acme/0.1.0/"' in page and 'href="../../servers/acme/0.2.0/"' in page


def test_credentials_show_where_the_secret_goes_never_a_value(unsigned: Built) -> None:
    notes = unsigned.page("servers/notes")
    assert "notes.read" in notes and "notes.write" in notes and "OAuth 2.0" in notes
    assert "GIG_INSTALL=sha256:" + "0" * 63 + "7" in notes
    ledger = unsigned.page("servers/ledger")
    assert "LEDGER_API_KEY" in ledger and "entrusted" in ledger
    assert "rootfs sandbox" in ledger  # why a node server is not installable
    clock = unsigned.page("servers/clock")
    assert "this server needs no secret" in clock
    assert "https://github.com/example/clock/tree/v1.2.0/cmd/clock" in clock


def test_a_version_page_shows_its_entitlement_diff(unsigned: Built) -> None:
    page = unsigned.page("servers/acme/0.2.0")
    assert "Changes since acme@0.1.0" in page
    assert page.count("<tr data-escalation>") == 2
    assert "New egress wildcard *.files.acme.example.com" in page
    assert "Tool delete_item is now exposed by default" in page
    first = unsigned.page("servers/acme/0.1.0")
    assert '<h2 id="changes">First version</h2>' in first
    assert "first version of this server" in first


def test_search_indexes_server_and_docs_pages_but_not_version_or_home_pages(
    unsigned: Built,
) -> None:
    pages = _indexed(unsigned.site)
    assert {"/servers/acme/", "/servers/notes/", "/reference/manifest/",
            "/reference/lint-rules/"} <= set(pages)
    assert not [url for url in pages if re.match(r"/servers/[^/]+/\d", url)]  # versions
    assert "/" not in pages  # the home page's rows are the server pages' text again
    anchors = [anchor["id"] for anchor in pages["/servers/acme/"]["anchors"]]  # type: ignore[attr-defined]
    assert "tool-delete_item" in anchors  # a tool's section is a result of its own
    notes = str(pages["/servers/notes/"]["content"])
    # The fields chosen: name, display name, description, tool names (and what a toolspec
    # says they do), egress hosts.
    for text in ("notes", "Notes", "Keeps notes in a notebook service.", "search_notes",
                 "Full-text search over notes", "api.notes.example.com"):
        assert text in notes, text
    assert "now" in str(pages["/servers/clock/"]["content"])  # a tool without a toolspec
    # Boilerplate every page repeats stays out of the index (it would grow it N-fold).
    for boilerplate in ("GIG_REGISTRY_INDEX_URL", "readOnlyHint", "exactly this host",
                        "Egress", "Secrets the gateway", "version 0.1.0", "/v2/search"):
        assert boilerplate not in notes, boilerplate


def test_server_pages_carry_their_filters_and_result_metadata(unsigned: Built) -> None:
    acme = _indexed(unsigned.site)["/servers/acme/"]
    assert acme["filters"] == {
        "kind": ["server"], "category": ["productivity"], "tier": ["sealed"],
        "auth": ["api_key"], "builder": ["toolpack"], "status": ["planned"],
        "can": ["read", "destructive"],  # 0.2.0 exposes delete_item by default
    }
    meta = acme["meta"]
    assert isinstance(meta, dict)
    assert {key: meta[key] for key in ("name", "title", "tier", "auth", "tools", "egress")} == {
        "name": "acme", "title": "Acme", "tier": "sealed", "auth": "api_key", "tools": "2/3",
        "egress": "api.acme.example.com *.files.acme.example.com",
    }
    assert meta["description"] == "Reads and manages items in an Acme workspace."
    # The docs are searchable too, without server filters.
    assert "kind" not in _indexed(unsigned.site)["/reference/manifest/"]["filters"]  # type: ignore[operator]


def test_an_exact_name_tool_or_host_is_one_small_lookup(unsigned: Built) -> None:
    assert _lookup(unsigned.site, "search_notes") == [["notes", "Notes", 4, "tool"]]
    assert _lookup(unsigned.site, "API.Ledger.example.com") == [["ledger", "Ledger", 3, "host"]]
    assert _lookup(unsigned.site, "acme") == [["acme", "Acme", 0, "name title"]]
    both = _lookup(unsigned.site, "delete_item")
    assert [hit[0] for hit in both] == ["acme", "evil"]
    # A wildcard's domain is found too; a word that is no identifier is not.
    assert _lookup(unsigned.site, "files.acme.example.com")[0][0] == "acme"
    assert _lookup(unsigned.site, "notebook") == []
    # The row numbers are the servers' places in the catalog's row shards.
    rows = json.loads((unsigned.site / catalog_rows_file(0)).read_text("utf-8"))
    assert [row[0] for row in rows] == ["acme", "clock", "evil", "ledger", "notes"]


def test_the_lookup_hash_is_fnv1a_32() -> None:
    # Known FNV-1a vectors; search.js computes the same over the UTF-8 bytes.
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968
    assert normalize("  Google   Calendar ") == "google calendar"


def test_the_catalog_facets_code_every_servers_filters(unsigned: Built) -> None:
    facets = json.loads((unsigned.site / "catalog/facets.json").read_text("utf-8"))
    indexed = _indexed(unsigned.site)
    width = len(facets["facets"])
    assert facets["rows"] == 5 and len(facets["codes"]) == 5 * width
    rows = json.loads((unsigned.site / catalog_rows_file(0)).read_text("utf-8"))
    for number, row in enumerate(rows):
        decoded = {}
        for position, facet in enumerate(facets["facets"]):
            code = facets["alphabet"].index(facets["codes"][number * width + position])
            values = facets["values"][facet]
            decoded[facet] = sorted(
                [v for bit, v in enumerate(values) if code & (1 << bit)]
                if facet in facets["multi"] else [values[code]]
            )
        # The same values as the server page's Pagefind filters (one home: facets.py).
        filters = indexed[f"/servers/{row[0]}/"]["filters"]
        assert isinstance(filters, dict)
        assert decoded == {facet: sorted(filters[facet]) for facet in facets["facets"]}, row[0]


def test_sitemap_lists_the_navigation_and_servers_have_their_own(tmp_path: Path) -> None:
    root = write_site_catalog(tmp_path / "registry")
    _build(root, tmp_path / "dist", site_url="https://registry.example.org/reg/")
    site = tmp_path / "dist" / "site"
    nav = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = [e.text or "" for e in nav.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://registry.example.org/reg/" in locs
    assert "https://registry.example.org/reg/reference/manifest/" in locs
    assert not [loc for loc in locs if "/servers/" in loc]
    servers = ElementTree.parse(site / "sitemap-servers.xml").getroot()
    server_locs = [e.text for e in servers.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://registry.example.org/reg/servers/acme/" in server_locs
    assert "https://registry.example.org/reg/servers/acme/0.2.0/" in server_locs
    assert len(server_locs) == 11  # 5 servers, 6 versions
    robots = (site / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://registry.example.org/reg/sitemap.xml\n" in robots
    assert "Sitemap: https://registry.example.org/reg/sitemap-servers.xml\n" in robots


def test_the_home_page_does_not_grow_with_the_catalog(tmp_path: Path) -> None:
    sizes = []
    for servers in (HOME_ROWS + 5, 2 * HOME_ROWS + 10):
        root = synthetic_catalog(tmp_path / f"r{servers}", servers, tools=1)
        _build(root, tmp_path / f"d{servers}")
        site = tmp_path / f"d{servers}" / "site"
        home = (site / "index.html").read_text("utf-8")
        assert home.count("<tr data-category=") == HOME_ROWS
        assert f'data-gm-total="{servers}"' in home
        category = (site / "categories/dev-tools/index.html").read_text("utf-8")
        assert category.count("<tr data-category=") == min(HOME_ROWS, -(-servers // 6))
        sizes.append(len(home.encode()))
        # ... and the rest of the catalog is in the row shards.
        rows = [row for shard in sorted((site / "catalog").glob("rows-*.json"))
                for row in json.loads(shard.read_text("utf-8"))]
        assert [row[0] for row in rows] == [f"svc{i:05d}" for i in range(servers)]
    assert abs(sizes[0] - sizes[1]) <= 8  # only the counts it shows have more digits


def test_server_pages_stay_out_of_the_navigation(unsigned: Built) -> None:
    nav_link = re.compile(r'href="([^"]*)" class="md-(?:nav|tabs)__link')
    for url in ("servers/acme", "servers/acme/0.2.0", "reference/manifest", ""):
        links = nav_link.findall(unsigned.page(url))
        assert any(link.endswith("categories/") for link in links), url  # the nav is there
        assert not [link for link in links if "servers/" in link], url


def test_a_server_page_does_not_grow_with_the_catalog(tmp_path: Path) -> None:
    sizes = []
    for servers in (4, 8):
        root = synthetic_catalog(tmp_path / f"r{servers}", servers)
        _build(root, tmp_path / f"d{servers}")
        sizes.append(len((tmp_path / f"d{servers}/site/servers/svc00001/index.html").read_bytes()))
    assert abs(sizes[0] - sizes[1]) <= 8  # only the counts it shows have more digits


# --- contributor text is inert -------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_hostile_manifest_text_renders_inert_everywhere(unsigned: Built) -> None:
    for path in unsigned.site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        parsed = _parse(html)
        for tag, attrs in parsed.elements:
            assert tag not in ("iframe", "svg") or "onload" not in attrs, path
            for name, value in attrs.items():
                assert not name.startswith("on"), (path, tag, name)
                assert not (value or "").strip().lower().startswith("javascript:"), (path, tag)
            assert not (tag == "img" and attrs.get("src") == "x"), path
        assert not any("alert(" in text for text in parsed.script_text), path
    page = unsigned.page("servers/evil")
    assert "{{ 7*7 }}" in page and "{% if true %}" in page  # shown, not evaluated
    assert "&lt;script&gt;alert(&#34;display&#34;)&lt;/script&gt;" in page
    assert "<title>&lt;script&gt;" in page
    assert '<a href="javascript' not in page


def test_hostile_text_is_data_in_the_search_indexes_and_escaped_in_the_feed(
    unsigned: Built,
) -> None:
    # The indexes hold contributor text as JSON strings, exactly; the scripts put it into
    # pages as text nodes only (test_our_scripts_insert_no_html, the browser tests).
    evil = _indexed(unsigned.site)["/servers/evil/"]
    assert HOSTILE_DISPLAY in str(evil["content"])
    assert evil["meta"]["description"] == HOSTILE_DESCRIPTION  # type: ignore[index]
    assert _lookup(unsigned.site, HOSTILE_DISPLAY)[0][:2] == ["evil", HOSTILE_DISPLAY]
    feed = ElementTree.parse(unsigned.site / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert f"{HOSTILE_DISPLAY} 0.1.0" in titles
    summaries = " ".join(e.findtext(f"{ATOM}summary") or "" for e in feed.iter(f"{ATOM}entry"))
    assert HOSTILE_DESCRIPTION in summaries


def _structure(html: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(tag, tuple(sorted(attrs))) for tag, attrs in _parse(html).elements]


def _render_server(display: str, description: str, tool_description: str) -> str:
    manifest = Manifest.model_validate(factory.manifest(displayName=display,
                                                        description=description))
    spec = factory.toolspec()
    spec["tools"][0]["description"] = tool_description
    spec["tools"][0]["params"][0]["description"] = tool_description
    doc, _ = parse_yaml(b"{}", "x.yaml")
    assert doc is not None
    registry = Registry(Layout.of_root(Path("unused")))
    registry.manifests.append(ManifestEntry("manifests/acme/0.1.0.yaml", doc, manifest))
    registry.toolspecs.append(
        ToolspecEntry("toolspecs/acme/0.1.0.yaml", doc, Toolspec.model_validate(spec))
    )
    info = BuildInfo(datetime(2026, 1, 1, tzinfo=UTC), False, "index.json", "")
    return SitePages(registry, info).render(PageSpec("servers/acme/index.md", "server", name="acme")).html


_MARKUP = st.sampled_from([
    "<", ">", "&", '"', "'", "<script>alert(1)</script>", "</td></tr>", "<b>", "</h1>",
    "<img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% if 1 %}", "[a](javascript:alert(1))",
    "&lt;", "<!--", "-->", "<![CDATA[", "`", "|", "\n",
])
_HOSTILE_TEXT = st.lists(_MARKUP | st.text(max_size=8), max_size=8).map("".join)


@settings(max_examples=80, deadline=None)
@given(display=_HOSTILE_TEXT, description=_HOSTILE_TEXT, tool_description=_HOSTILE_TEXT)
def test_no_contributor_text_changes_the_page_structure(
    display: str, description: str, tool_description: str
) -> None:
    baseline = _structure(_render_server("Acme", "Plain words.", "Plain words."))
    html = _render_server(display or "x", description or "x", tool_description or "x")
    assert _structure(html) == baseline


# --- privacy ---------------------------------------------------------------------

_CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)""")


def _off_origin(url: str) -> bool:
    url = url.strip()
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)) and not url.startswith(
        ("http://127.0.0.1", "http://localhost")
    )


def test_no_resource_is_loaded_from_another_origin(unsigned: Built) -> None:
    problems = []
    for path in _files(unsigned.site):
        if path.suffix == ".html":
            for tag, attrs in _parse(path.read_text("utf-8")).elements:
                for name in ("src", "srcset", "data", "poster", "action"):
                    if attrs.get(name) and _off_origin(attrs[name] or ""):
                        problems.append((path, tag, attrs[name]))
                href = attrs.get("href") or ""
                if tag == "link" and _off_origin(href):
                    problems.append((path, tag, href))
                # A link away is not a request, but it must not leak where the reader was.
                if tag == "a" and _off_origin(href):
                    assert "noreferrer" in (attrs.get("rel") or ""), (path, href)
                if attrs.get("style") and "url(" in (attrs.get("style") or ""):
                    problems.append((path, tag, attrs["style"]))
        if path.suffix in (".css", ".html"):
            for match in _CSS_URL.finditer(path.read_text("utf-8")):
                url = match.group(1) or match.group(2)
                if _off_origin(url):
                    problems.append((path, "css", url))
    assert problems == []


ASSETS = Path(__file__).resolve().parents[1] / "registry" / "site" / "assets"


def test_our_own_scripts_name_no_other_origin() -> None:
    paths = [path for path in ASSETS.rglob("*") if path.is_file()]
    assert len(paths) >= 4
    for path in paths:
        assert not re.search(r"https?://", path.read_text("utf-8")), path


def test_our_scripts_insert_no_html() -> None:
    # Rows and results are built as elements and text nodes. The one parse of HTML is of
    # Pagefind's excerpt, into a document that is never shown (no script or image runs
    # there), and only its text and <mark>s are copied out.
    for path in sorted((ASSETS / "javascripts").glob("*.js")):
        text = path.read_text("utf-8")
        assert "outerHTML" not in text and "insertAdjacentHTML" not in text, path
        assert "document.write" not in text and "eval(" not in text, path
        uses = re.findall(r"[\w.]*\.innerHTML\s*=", text)
        assert uses == (["doc.body.innerHTML ="] if path.name == "search.js" else []), path


# --- reference pages, schemas and feed ---------------------------------------------------


def test_reference_pages_document_every_field(unsigned: Built) -> None:
    manifest = unsigned.page("reference/manifest")
    for name in Manifest.model_fields:
        assert f"<code>{name}</code>" in manifest, name
    toolspec = unsigned.page("reference/toolspec")
    assert "<code>in</code>" in toolspec and "<code>baseUrl</code>" in toolspec
    assert "yaml-language-server: $schema=" in manifest


def test_json_schemas_come_from_the_models(unsigned: Built) -> None:
    manifest = json.loads((unsigned.site / "schemas/manifest.schema.json").read_text("utf-8"))
    assert set(manifest["properties"]) == set(Manifest.model_fields)
    assert manifest["additionalProperties"] is False
    assert manifest["properties"]["name"]["pattern"].startswith("^[a-z0-9]")
    toolspec = json.loads((unsigned.site / "schemas/toolspec.schema.json").read_text("utf-8"))
    assert set(toolspec["properties"]) == set(Toolspec.model_fields)
    assert "in" in toolspec["$defs"]["Param"]["properties"]


def test_the_feed_lists_each_version_with_the_build_date(unsigned: Built) -> None:
    feed = ElementTree.parse(unsigned.site / "feed.xml").getroot()
    entries = list(feed.iter(f"{ATOM}entry"))
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert "urn:gigmcp:registry:acme:0.2.0" in ids
    assert {e.findtext(f"{ATOM}updated") for e in entries} == {"2026-01-01T00:00:00Z"}
    links = {e.find(f"{ATOM}link").get("href") for e in entries}  # type: ignore[union-attr]
    assert "servers/acme/0.2.0/" in links
    assert '<link rel="alternate" type="application/atom+xml"' in unsigned.page("")


def _git(root: Path, *args: str, when: str) -> None:
    factory.git(root, *args, when=when)


def test_feed_dates_come_from_the_commit_that_added_each_manifest(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    factory.tree(root)
    _git(root, "init", "-q", when="@1700000000 +0000")
    _git(root, "add", ".", when="@1700000000 +0000")
    _git(root, "commit", "-q", "-m", "first", when="@1700000000 +0000")
    newer = factory.manifest(version="0.2.0")
    factory.write(root, "manifests/acme/0.2.0.yaml", factory.to_yaml(newer))
    spec = factory.toolspec(version="0.2.0")
    factory.write(root, "toolspecs/acme/0.2.0.yaml", factory.to_yaml(spec))
    _git(root, "add", ".", when="@1710000000 +0000")
    _git(root, "commit", "-q", "-m", "second", when="@1710000000 +0000")
    _build(root, tmp_path / "dist")
    feed = ElementTree.parse(tmp_path / "dist/site/feed.xml").getroot()
    dates = {
        e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated") for e in feed.iter(f"{ATOM}entry")
    }
    assert dates == {
        "urn:gigmcp:registry:acme:0.2.0": "2024-03-09T16:00:00Z",
        "urn:gigmcp:registry:acme:0.1.0": "2023-11-14T22:13:20Z",
    }
    assert next(iter(dates)) == "urn:gigmcp:registry:acme:0.2.0"  # newest first


# --- failures leave dist/ alone -----------------------------------------------------------


def test_a_lint_failure_writes_nothing(tmp_path: Path) -> None:
    root = factory.tree(tmp_path / "registry")
    _build(root, tmp_path / "dist")
    before = {p: p.read_bytes() for p in _files(tmp_path / "dist")}
    factory.write(root, "manifests/acme/0.2.0.yaml",
                  factory.to_yaml(factory.manifest(version="0.2.0", name="Bad Name")))
    with pytest.raises(LintFailed) as failed:
        _build(root, tmp_path / "dist")
    assert failed.value.findings
    assert {p: p.read_bytes() for p in _files(tmp_path / "dist")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "registry"]


def test_a_site_failure_leaves_the_previous_dist_untouched(tmp_path: Path) -> None:
    root = factory.tree(tmp_path / "registry")
    _build(root, tmp_path / "dist")
    before = {p: p.read_bytes() for p in _files(tmp_path / "dist")}
    config = tmp_path / "site-config"
    (config / "docs").mkdir(parents=True)
    (config / "docs" / "broken.md").write_text("# Broken\n\nSee [nowhere](missing.md).\n")
    (config / "mkdocs.yml").write_text(
        "site_name: t\ntheme:\n  name: material\n"
        "plugins:\n  - gigmcp-catalog\nnav:\n  - index.md\n  - broken.md\n"
    )
    with pytest.raises(SiteBuildError) as failed:
        build(root, tmp_path / "dist", signing_key=None, source_date_epoch=EPOCH, now=NOW,
              site_url=None, config_file=config / "mkdocs.yml")
    assert "missing.md" in str(failed.value)
    assert {p: p.read_bytes() for p in _files(tmp_path / "dist")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "registry", "site-config"]


# --- plain mkdocs build ------------------------------------------------------------


def _plain_config(root: Path) -> Path:
    (root / "docs").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(
        "site_name: plain\n"
        "theme:\n  name: material\n"
        "plugins:\n  - gigmcp-catalog\n"
        "nav:\n  - Catalog: index.md\n  - Missing page: not-written-yet.md\n"
        "  - Reference:\n      - reference/manifest.md\n"
    )
    return root / "mkdocs.yml"


def _mkdocs(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config),
         "-d", str(out)],
        capture_output=True, text=True, check=False, cwd=config.parent,
    )


def test_plain_mkdocs_build_loads_the_tree_itself(tmp_path: Path) -> None:
    root = write_site_catalog(tmp_path / "registry")
    completed = _mkdocs(_plain_config(root), tmp_path / "out")
    assert completed.returncode == 0, completed.stderr
    assert "acme" in (tmp_path / "out/servers/acme/index.html").read_text("utf-8")
    assert (tmp_path / "out/index.json").is_file()
    assert not (tmp_path / "out/index.json.sig").exists()
    # The missing nav page is left out instead of failing the strict build.
    assert "not-written-yet" not in (tmp_path / "out/index.html").read_text("utf-8")


def test_plain_mkdocs_build_refuses_a_registry_that_does_not_lint(tmp_path: Path) -> None:
    root = factory.tree(tmp_path / "registry", [factory.manifest(tier="open")])
    completed = _mkdocs(_plain_config(root), tmp_path / "out")
    assert completed.returncode != 0
    assert "does not lint" in completed.stderr
    assert "manifests/acme/0.1.0.yaml" in completed.stderr and "tier" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_hand_written_page_may_not_replace_a_generated_one(tmp_path: Path) -> None:
    root = factory.tree(tmp_path / "registry")
    config = _plain_config(root)
    (root / "docs" / "index.md").write_text("# My own home\n")
    completed = _mkdocs(config, tmp_path / "out")
    assert completed.returncode != 0
    assert "docs/index.md collides with a page the catalog generates" in completed.stderr


def test_the_table_of_contents_keeps_heading_text_escaped() -> None:
    html = ('<h2 id="a">Tools &lt;b&gt;</h2><p>x</p>'
            '<h3 id="tool-x"><code>x&amp;y</code></h3><h2 id="b">B</h2>')
    assert toc_from_html(html) == [
        {"level": 2, "id": "a", "name": "Tools &lt;b&gt;", "children": [
            {"level": 3, "id": "tool-x", "name": "x&amp;y", "children": []}]},
        {"level": 2, "id": "b", "name": "B", "children": []},
    ]


# --- what the defaults can do, and where credentials go -------------------------------------


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return re.sub(r"<[^>]+>", "", html[start:html.index("</td>", start)])


def test_a_server_page_sums_up_what_its_default_tools_can_do(signed: Built) -> None:
    latest = _row(signed.page("servers/acme"), "data-gm-default-effects")
    assert "read 1 tool · destructive 1 tool" in latest  # 0.2.0 exposes delete_item
    first = _row(signed.page("servers/acme/0.1.0"), "data-gm-default-effects")
    assert "read 1 tool" in first and "destructive" not in first


def test_a_server_page_names_the_domains_its_sealed_credentials_go_to(signed: Built) -> None:
    assert "example.com" in _row(signed.page("servers/notes"), "data-gm-credential-domains")
    # The entrusted server holds its own secret: nothing is injected for it.
    assert "data-gm-credential-domains" not in signed.page("servers/ledger")


def test_a_version_page_shows_toolspec_changes(tmp_path: Path) -> None:
    spec = factory.toolspec(version="0.2.0")
    spec["tools"][0]["method"] = "DELETE"
    spec["tools"][0]["params"] = []
    root = factory.tree(
        tmp_path / "registry",
        [factory.manifest(), factory.manifest(version="0.2.0")],
        [factory.toolspec(), spec],
    )
    _build(root, tmp_path / "dist")
    page = (tmp_path / "dist/site/servers/acme/0.2.0/index.html").read_text("utf-8")
    assert "Tool list_items method changed from GET to DELETE (read -&gt; destructive)" in page
    assert "data-escalation" in page
