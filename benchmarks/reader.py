"""What one reader pays, in Chromium over loopback: the home page, a search, a filter.

The built site is served the way GitHub Pages serves it (gzip for text), the
browser starts with a cold cache for every run, every request off 127.0.0.1
is blocked, and the bytes counted are those on the wire. A search is typed in
the header box of a page that is not the home page; its time runs from the
last keystroke to the first result linking the expected server.
"""

from __future__ import annotations

import functools
import gzip
import io
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol

from tests.loopback import serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TEXT = (".html", ".js", ".css", ".json", ".xml", ".svg", ".txt", ".pf_meta")
RUNS = 3
HOME_GOAL = (1.0, 600_000)
SEARCH_GOAL = (0.5, 800_000)


class Reporter(Protocol):
    def say(self, text: str) -> None: ...


class Built(Protocol):
    @property
    def servers(self) -> int: ...

    @property
    def site(self) -> Path: ...


class _Gzipped(SimpleHTTPRequestHandler):
    """Static files; text types gzipped on the fly, as GitHub Pages does."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.name.endswith(TEXT) and path.is_file()):
            return super().send_head()
        data = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)


@contextmanager
def served(site: Path) -> Iterator[str]:
    with serve(functools.partial(_Gzipped, directory=str(site))) as origin:
        yield origin


# Records the last keystroke in the search box and the first result that names the server.
WATCH = """
window.__gm = {input: 0, shown: 0, expect: ''};
document.addEventListener('input', e => {
  if (e.target.closest && e.target.closest('[data-gm-search]')) { __gm.input = performance.now(); }
}, true);
new MutationObserver(() => {
  if (__gm.shown || !__gm.expect) { return; }
  const hit = document.querySelector('#gm-search-results a[href*="' + __gm.expect + '"]');
  if (hit) { __gm.shown = performance.now(); }
}).observe(document, {subtree: true, childList: true});
"""


@dataclass(frozen=True)
class Visit:
    seconds: float
    bytes: int


class _Browser:
    def __init__(self, playwright: Any, origin: str) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        self.origin = origin

    def page(self) -> tuple[Any, Any, list[int], list[str]]:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        off_origin: list[str] = []

        def route(request_route: Any) -> None:
            if request_route.request.url.startswith(self.origin):
                request_route.continue_()
            else:
                off_origin.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.add_init_script(WATCH)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        received: list[int] = []
        cdp.on("Network.loadingFinished", lambda e: received.append(int(e["encodedDataLength"])))
        return context, page, received, off_origin

    def home(self) -> Visit:
        context, page, received, off_origin = self.page()
        page.goto(self.origin + "/")
        page.wait_for_load_state("networkidle")
        load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
        context.close()
        _no_leaks(off_origin)
        return Visit(load, sum(received))

    def search(self, start: str, query: str, expect: str) -> tuple[Visit, list[str]]:
        context, page, received, off_origin = self.page()
        page.goto(self.origin + start)
        page.wait_for_load_state("networkidle")
        page.evaluate(f"__gm.expect = {expect!r}")
        page.keyboard.press("/")
        page.keyboard.type(query, delay=120)
        page.wait_for_function("__gm.shown > 0", timeout=30_000)
        page.wait_for_load_state("networkidle")
        seconds = page.evaluate("(__gm.shown - __gm.input) / 1000")
        links = page.eval_on_selector_all(
            "#gm-search-results a", "links => links.map(a => a.getAttribute('href'))"
        )
        context.close()
        _no_leaks(off_origin)
        return Visit(max(0.0, seconds), sum(received)), links


    def filtered(self, search: str) -> Visit:
        """The home page opened with filters in its URL: from its load event to the filtered
        rows shown (the facets and row shards fetched), and the bytes of it all."""
        context, page, received, off_origin = self.page()
        page.goto(self.origin + "/" + search)
        page.locator(f'table[data-gm-catalog][data-gm-ready="{search}"]').wait_for(
            state="attached", timeout=30_000
        )
        shown = page.evaluate("performance.now()")
        rows = page.locator("table[data-gm-catalog] tbody tr").count()
        page.wait_for_load_state("networkidle")
        loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        context.close()
        _no_leaks(off_origin)
        if rows == 0:
            raise SystemExit(f"bench: the filter {search} shows no rows")
        return Visit(max(0.0, shown - loaded) / 1000, sum(received))


def _no_leaks(off_origin: list[str]) -> None:
    if off_origin:
        raise SystemExit(f"bench: the site requested off-origin resources: {off_origin[:3]}")


def _median(visits: list[Visit]) -> Visit:
    return Visit(statistics.median(v.seconds for v in visits),
                 int(statistics.median(v.bytes for v in visits)))


def _verdict(visit: Visit, goal: tuple[float, int]) -> str:
    ok = visit.seconds <= goal[0] and visit.bytes <= goal[1]
    return "ok" if ok else f"OVER goal {goal[0]:g}s / {goal[1] // 1000} KB"


SEARCH_FROM = "/categories/"
"""A page every build has (the catalogs built here have no docs/) that is not the home page."""
FILTER = "?tier=sealed&can=write&page=2"
"""Two filters and the second page of what they match: rows beyond the first page."""

QUERIES = [
    ("server name", "zoom", "servers/zoom/"),
    ("display name", "Google Calendar", "servers/googlecalendar/"),
    ("tool name", "get_meeting_recordings", "servers/zoom/"),
    ("egress host", "api.zoom.us", "servers/zoom/"),
]


def bench_reader(report: Reporter, builds: Sequence[Built]) -> None:
    if not CHROMIUM.exists():
        report.say(f"reader: {CHROMIUM} is not installed (scripts/setup.sh --dev); skipped")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        for build in builds:
            with served(build.site) as origin:
                browser = _Browser(playwright, origin)
                home = _median([browser.home() for _ in range(RUNS)])
                report.say(f"reader {build.servers:6d} home page: load {home.seconds:.2f}s, "
                           f"{home.bytes / 1000:.0f} KB  {_verdict(home, HOME_GOAL)}")
                shown = _median([browser.filtered(FILTER) for _ in range(RUNS)])
                report.say(f"reader {build.servers:6d} filters {FILTER}: rows shown "
                           f"{shown.seconds:.2f}s after the load event, page + data "
                           f"{shown.bytes / 1000:.0f} KB  {_verdict(shown, SEARCH_GOAL)}")
                for label, query, expect in QUERIES:
                    visits = []
                    links: list[str] = []
                    for _ in range(RUNS):
                        visit, links = browser.search(SEARCH_FROM, query, expect)
                        visits.append(visit)
                    median = _median(visits)
                    rank = next((i + 1 for i, link in enumerate(links) if expect in link), 0)
                    kilobytes = median.bytes / 1000
                    early = " (shown while typing)" if median.seconds == 0 else ""
                    report.say(f"reader {build.servers:6d} search {label:12} {query!r:18}: "
                               f"{median.seconds:.2f}s{early}, page + search {kilobytes:.0f} KB, "
                               f"rank {rank}  {_verdict(median, SEARCH_GOAL)}")
                browser.browser.close()
