"""The v0.1 registry API in a real site build, walked over loopback the way a client does.

The client follows at most three redirects (as VS Code's does), sends the query
strings clients send (which a static host ignores), and asks for each name
URL-encoded (``%2F`` and ``%2f``) and decoded.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from registry.build import build
from registry.errors import SiteBuildError
from registry.export.api import api_files
from registry.export.serverjson import Origin
from registry.layout import INDEX_FILE
from registry.load.tree import Layout, load_registry
from tests import factory
from tests.catalogs import write_site_catalog
from tests.loopback import serve_directory

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
GENERATED = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2030, 6, 1, tzinfo=UTC)  # never used while EPOCH is given
SITE_URL = "https://gigmcp.github.io/registry/"
NAMESPACE = "io.github.gigmcp"


@dataclass(frozen=True)
class Site:
    root: Path
    path: Path

    def api(self) -> dict[str, bytes]:
        folder = self.path / "v0.1"
        return {
            p.relative_to(self.path).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
        }


def _build(root: Path, dist: Path, site_url: str | None, config: Path | None = None) -> Path:
    build(root, dist, signing_key=None, source_date_epoch=EPOCH, now=NOW, site_url=site_url,
          config_file=config)
    return dist / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    base = tmp_path_factory.mktemp("export-site")
    root = write_site_catalog(base / "registry")
    return Site(root, _build(root, base / "dist", SITE_URL))


def test_the_site_serves_the_api_next_to_the_index(site: Site) -> None:
    registry, _ = load_registry(Layout.of_root(site.root))
    expected = api_files(registry, Origin(NAMESPACE, SITE_URL), generated=GENERATED, dates={})
    assert site.api() == expected
    assert (site.path / INDEX_FILE).is_file()
    assert (site.path / "v0.1" / "servers.html").read_bytes() == (
        site.path / "v0.1" / "servers" / "index.html").read_bytes()


class _ThreeRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 3


class Client:
    """GETs like a registry client: JSON bodies, redirects followed, every answer counted."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(_ThreeRedirects)
        self.answers: Counter[int] = Counter()

    def status(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=10) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, b""
        self.answers[status] += 1
        return status, body

    def json(self, path: str) -> Any:
        status, body = self.status(path)
        assert status == 200, path
        return json.loads(body)


def test_a_client_walks_the_api_on_a_static_server(site: Site) -> None:
    with serve_directory(site.path) as base:
        client = Client(base)
        listing = client.json("/v0.1/servers?limit=1")
        # A static host ignores the query: the whole catalog, with no cursor to follow.
        assert len(listing["servers"]) == listing["metadata"]["count"] == 5
        assert "nextCursor" not in listing["metadata"]
        assert client.json("/v0.1/servers?limit=50&version=latest&search=acme") == listing
        assert client.json("/v0.1/servers/") == listing
        walked = 0
        for item in listing["servers"]:
            name = item["server"]["name"]
            encoded = quote(name, safe="")
            assert "%2F" in encoded
            for segment in (encoded, encoded.replace("%2F", "%2f"), name):
                latest = client.json(f"/v0.1/servers/{segment}/versions/latest")
                assert latest == item
                versions = client.json(f"/v0.1/servers/{segment}/versions")
                assert versions["servers"][0] == latest
                assert client.json(f"/v0.1/servers/{segment}/versions/") == versions
                for response in versions["servers"]:
                    version = response["server"]["version"]
                    path = f"/v0.1/servers/{segment}/versions/{version}?include_deleted=false"
                    assert client.json(path) == response
                    walked += 1
        assert walked == 3 * 6
        assert client.status("/v0.1/servers/io.github.nobody%2Fnothing/versions/latest")[0] == 404
        assert client.answers == Counter({200: 3 + 5 * 3 * 3 + walked, 404: 1})


def test_the_bodies_stay_inert_served_as_html(site: Site) -> None:
    files = site.api()
    assert any(b"\\u003cscript\\u003e" in body for body in files.values())
    assert not [path for path, body in files.items() if b"<" in body or b">" in body]


def test_without_a_site_url_or_namespace_there_is_no_api(tmp_path: Path) -> None:
    built = _build(factory.tree(tmp_path / "registry"), tmp_path / "dist", None)
    assert (built / INDEX_FILE).is_file()
    assert not (built / "v0.1").exists()


def _config(folder: Path, namespace: str) -> Path:
    (folder / "docs").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(
        "site_name: t\ntheme:\n  name: material\n"
        f"plugins:\n  - gigmcp-catalog:\n      namespace: {json.dumps(namespace)}\n"
        "nav:\n  - index.md\n"
    )
    return folder / "mkdocs.yml"


def test_a_configured_namespace_names_the_servers(tmp_path: Path) -> None:
    config = _config(tmp_path / "config", "org.example.registry")
    built = _build(factory.tree(tmp_path / "registry"), tmp_path / "dist", None, config)
    latest = json.loads(
        (built / "v0.1/servers/org.example.registry/acme/versions/latest").read_bytes()
    )
    assert latest["server"]["name"] == "org.example.registry/acme"
    assert "websiteUrl" not in latest["server"]  # no site URL to point at


def test_a_bad_configured_namespace_fails_the_build(tmp_path: Path) -> None:
    config = _config(tmp_path / "config", "io.github.1password")
    with pytest.raises(SiteBuildError, match=r"'io\.github\.1password' is not a reverse-DNS"):
        _build(factory.tree(tmp_path / "registry"), tmp_path / "dist", SITE_URL, config)
