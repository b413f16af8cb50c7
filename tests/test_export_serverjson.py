"""server.json entries and the static v0.1 API files, from small trees written here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from registry.errors import RegistryError
from registry.export.api import api_files
from registry.export.serverjson import (
    DESCRIPTION_MAX,
    MAX_NAMESPACE,
    SCHEMA_URL,
    Origin,
    check_namespace,
    choose_namespace,
    description_of,
    namespace_from_site_url,
    server_json_bytes,
    shorten,
)
from registry.load.schema import Manifest
from registry.load.tree import Layout, Registry, load_registry
from tests import factory
from tests.catalogs import HOSTILE_DESCRIPTION, write_site_catalog

ORIGIN = Origin("io.github.gigmcp", "https://gigmcp.github.io/registry/")
GENERATED = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "io.github.gigmcp/gigmcp-entitlements"
REGISTRY_KEY = "io.github.gigmcp/gigmcp-registry"
LEDGER_ENV = {"id": "ledger_key", "type": "custom_env", "provider": "ledger",
              "inject": {"env": "LEDGER_API_KEY"}}


def _load(root: Path) -> Registry:
    registry, findings = load_registry(Layout.of_root(root))
    assert findings == []
    return registry


def _entry(registry: Registry, name: str = "acme", version: str = "") -> dict[str, Any]:
    entry = registry.manifest(name, version) if version else registry.latest(name)
    assert entry is not None
    data: dict[str, Any] = json.loads(server_json_bytes(registry, entry, ORIGIN))
    return data


def _one(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    doc = factory.manifest(**changes)
    spec = [factory.toolspec()] if doc["image"].get("builder") == "toolpack" else []
    return _entry(_load(factory.tree(tmp_path, [doc], spec)))


def _entrusted(digest: str = factory.digest(5), builder: str = "toolpack") -> dict[str, Any]:
    return {
        "tier": "entrusted",
        "image": {"ref": "ghcr.io/gigmcp/acme-mcp", "digest": digest,
                  "entrypoint": "/app/server", "builder": builder},
        "credentials": [{**LEDGER_ENV, "scopes": ["items:read", "items:write"]}],
    }


# --- the namespace ------------------------------------------------------------------


@pytest.mark.parametrize(("site_url", "namespace"), [
    ("https://gigmcp.github.io/registry/", "io.github.gigmcp"),
    ("https://GigMCP.GitHub.io/", "io.github.gigmcp"),
    ("https://registry.example.org/mcp/", "org.example.registry"),
    ("http://localhost:8000/", "localhost"),
    ("http://127.0.0.1:8000/", ""),
    ("https://1password.github.io/registry/", ""),
    ("https://[::1]:8000/", ""),
    ("not a url", ""),
    ("", ""),
])
def test_the_namespace_is_the_site_host_reversed(site_url: str, namespace: str) -> None:
    assert namespace_from_site_url(site_url) == namespace


@pytest.mark.parametrize(("text", "message"), [
    ("io..github", "'io..github' is not a reverse-DNS namespace"),
    ("io.github.-x", "'io.github.-x' is not a reverse-DNS namespace"),
    ("io.github.1password", "'io.github.1password' is not a reverse-DNS namespace"),
    ("io.github.owner/x", "'io.github.owner/x' is not a reverse-DNS namespace"),
    ("", "'' is not a reverse-DNS namespace"),
    ("a." * 68 + "b", "at most 136 characters"),
    ("io.modelcontextprotocol", "is reserved for the Model Context Protocol"),
    ("io.modelcontextprotocol.registry", "is reserved for the Model Context Protocol"),
    ("com.mcp.tools", "is reserved for the Model Context Protocol"),
])
def test_a_bad_namespace_is_refused(text: str, message: str) -> None:
    with pytest.raises(RegistryError, match="namespace") as refused:
        check_namespace(text)
    assert message in str(refused.value)
    with pytest.raises(RegistryError):
        Origin(text)


def test_a_namespace_fits_in_a_name() -> None:
    assert len(check_namespace("a" * MAX_NAMESPACE) + "/" + "b" * 63) == 200
    assert check_namespace("io.github.PramodDutta") == "io.github.PramodDutta"
    assert check_namespace("io.github.mcp") == "io.github.mcp"  # a GitHub owner named mcp


def test_a_configured_namespace_wins_and_is_checked() -> None:
    assert choose_namespace("org.example", "https://gigmcp.github.io/") == "org.example"
    assert choose_namespace("", "https://gigmcp.github.io/") == "io.github.gigmcp"
    assert choose_namespace("", "") == ""
    with pytest.raises(RegistryError, match="not a reverse-DNS namespace"):
        choose_namespace("bad namespace", "https://gigmcp.github.io/")


def test_website_urls_are_the_sites_version_pages() -> None:
    assert ORIGIN.page_of("acme", "0.2.0") == (
        "https://gigmcp.github.io/registry/servers/acme/0.2.0/"
    )
    assert Origin("io.github.gigmcp").page_of("acme", "0.2.0") == ""


# --- descriptions ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Fits.", "Fits."),
    ("  spaced \n out\ttext  ", "spaced out text"),
    ("c" * 100, "c" * 100),
    ("x" * 150, "x" * 99 + "…"),
    ("a" * 99 + " b", "a" * 99 + "…"),
    ("word " * 30, ("word " * 19).strip() + "…"),
    ("Lists, reads, writes: " * 10, "Lists, reads, writes: " * 4 + "Lists…"),
    ("", ""),
])
def test_shorten_cuts_at_a_word_with_an_ellipsis(text: str, expected: str) -> None:
    assert shorten(text, DESCRIPTION_MAX) == expected
    assert len(shorten(text, DESCRIPTION_MAX)) <= DESCRIPTION_MAX


@pytest.mark.parametrize(("egress", "tools", "expected"), [
    (["api.acme.example.com"], 2, "Acme MCP server: 2 tools for api.acme.example.com"),
    (["a.example.com", "b.example.com"], 1, "Acme MCP server: 1 tool for a.example.com and 1 more host"),
    (["a.example.com", "b.example.com", "*.c.example.com"], 3,
     "Acme MCP server: 3 tools for a.example.com and 2 more hosts"),
    ([], 0, "Acme MCP server: 0 tools"),
])
def test_a_manifest_without_a_description_says_what_it_reaches(
    egress: list[str], tools: int, expected: str
) -> None:
    doc = factory.manifest(description="", entitlements={"egress": egress},
                           tools=[{"name": f"t{i}", "default": True} for i in range(tools)])
    assert description_of(Manifest.model_validate(doc)) == expected


# --- one entry -------------------------------------------------------------------------------


def test_a_sealed_entry_has_nothing_to_install(tmp_path: Path) -> None:
    server = _one(tmp_path, image={"ref": "ghcr.io/gigmcp/acme-mcp", "digest": factory.digest(3),
                                   "entrypoint": "/app/server", "builder": "toolpack"})
    assert list(server) == ["$schema", "name", "title", "description", "version", "websiteUrl",
                            "repository", "_meta"]
    assert server["$schema"] == SCHEMA_URL
    assert server["name"] == "io.github.gigmcp/acme"
    assert server["websiteUrl"] == "https://gigmcp.github.io/registry/servers/acme/0.1.0/"
    assert server["repository"] == {"url": "https://github.com/gigmcp/toolpack", "source": "github"}
    meta = server["_meta"][KEY]
    assert (meta["status"], meta["tier"], meta["requiresGateway"]) == ("installable", "sealed", True)
    assert meta["credentials"] == [{
        "id": "acme_token", "type": "api_key", "provider": "acme", "scopes": [],
        "inject": {"header": "Authorization", "format": "Bearer {token}"},
    }]


def test_an_entrusted_installable_entry_is_one_pinned_image(tmp_path: Path) -> None:
    server = _one(tmp_path, **_entrusted())
    assert server["packages"] == [{
        "registryType": "oci",
        "identifier": f"ghcr.io/gigmcp/acme-mcp@{factory.digest(5)}",
        "transport": {"type": "stdio"},
        "environmentVariables": [{
            "name": "LEDGER_API_KEY",
            "description": "Secret for ledger (scopes: items:read, items:write)",
            "isRequired": True, "isSecret": True, "format": "string",
        }],
    }]
    meta = server["_meta"][KEY]
    assert (meta["status"], meta["requiresGateway"]) == ("installable", False)
    assert meta["credentials"][0]["inject"] == {"env": "LEDGER_API_KEY"}


@pytest.mark.parametrize(("digest", "builder", "reasons"), [
    (factory.PLACEHOLDER, "toolpack",
     ["the image digest is a placeholder (not built and pinned yet)"]),
    (factory.digest(5), "node",
     ["the node builder needs the gateway's rootfs sandbox extension, not shipped yet"]),
])
def test_a_planned_entrusted_entry_has_nothing_to_install(
    tmp_path: Path, digest: str, builder: str, reasons: list[str]
) -> None:
    server = _one(tmp_path, **_entrusted(digest, builder))
    assert "packages" not in server and "remotes" not in server
    meta = server["_meta"][KEY]
    assert (meta["status"], meta["statusReasons"]) == ("planned", reasons)
    assert meta["image"]["digest"] == (None if digest == factory.PLACEHOLDER else digest)


def test_tools_carry_defaults_side_effects_and_hints(tmp_path: Path) -> None:
    tools = _one(tmp_path)["_meta"][KEY]["tools"]
    assert tools == [
        {"name": "list_items", "default": True, "method": "GET", "sideEffect": "read",
         "annotations": {"readOnlyHint": True, "destructiveHint": False,
                         "idempotentHint": True, "openWorldHint": True}},
        {"name": "delete_item", "default": False, "method": "DELETE",
         "sideEffect": "destructive",
         "annotations": {"readOnlyHint": False, "destructiveHint": True,
                         "idempotentHint": True, "openWorldHint": True}},
    ]


def test_a_server_without_toolspec_lists_tool_names_and_defaults(tmp_path: Path) -> None:
    registry = _load(factory.tree(tmp_path, [factory.go_static_manifest()], []))
    server = _entry(registry, version="1.0.0")
    meta = server["_meta"][KEY]
    assert meta["tools"] == [{"name": "list_things", "default": True}]
    assert meta["image"]["builder"] == "go-static"
    assert server["title"] == "acme"
    assert server["description"] == "acme MCP server: 1 tool for api.acme.com"
    assert server["repository"] == {"url": "https://github.com/acme/acme-mcp", "source": "github"}


@pytest.mark.parametrize(("source", "repository"), [
    ({"repo": "gitlab.com/acme/mcp", "tag": "v1", "package": "./cmd/server/"},
     {"url": "https://gitlab.com/acme/mcp", "source": "gitlab", "subfolder": "cmd/server"}),
    ({"repo": "codeberg.org/acme/mcp", "tag": "v1", "package": "."},
     {"url": "https://codeberg.org/acme/mcp", "source": "codeberg.org"}),
])
def test_the_repository_comes_from_the_source(
    tmp_path: Path, source: dict[str, str], repository: dict[str, str]
) -> None:
    assert _one(tmp_path, source=source)["repository"] == repository


def test_contributor_text_is_escaped_in_the_bytes(tmp_path: Path) -> None:
    registry = _load(write_site_catalog(tmp_path))
    entry = registry.latest("evil")
    data = server_json_bytes(registry, entry, ORIGIN)
    assert not {b"<", b">", b"&"} & {bytes([c]) for c in data}
    assert b"\\u003cscript\\u003e" in data
    assert json.loads(data)["description"] == shorten(HOSTILE_DESCRIPTION, DESCRIPTION_MAX)


# --- the API files ------------------------------------------------------------------------------


def _site_files(tmp_path: Path, dates: dict[tuple[str, str], datetime] | None = None
                ) -> dict[str, bytes]:
    return api_files(_load(write_site_catalog(tmp_path)), ORIGIN, generated=GENERATED,
                     dates=dates or {})


def test_the_api_files_and_their_names(tmp_path: Path) -> None:
    files = _site_files(tmp_path)
    base = "v0.1/servers/io.github.gigmcp"
    assert sorted(p for p in files if p.startswith(f"{base}/acme/")) == [
        f"{base}/acme/versions.html",
        f"{base}/acme/versions/0.1.0",
        f"{base}/acme/versions/0.2.0",
        f"{base}/acme/versions/index.html",
        f"{base}/acme/versions/latest",
    ]
    assert list(files)[:2] == ["v0.1/servers.html", "v0.1/servers/index.html"]
    assert len(files) == 2 + 5 * 3 + 6
    assert files["v0.1/servers.html"] == files["v0.1/servers/index.html"]
    assert files[f"{base}/acme/versions.html"] == files[f"{base}/acme/versions/index.html"]
    assert files[f"{base}/acme/versions/latest"] == files[f"{base}/acme/versions/0.2.0"]
    assert not any(b"<" in body or b"&" in body for body in files.values())


def test_lists_hold_latest_versions_and_versions_newest_first(tmp_path: Path) -> None:
    files = _site_files(tmp_path)
    listing = json.loads(files["v0.1/servers.html"])
    assert [r["server"]["name"] for r in listing["servers"]] == [
        f"io.github.gigmcp/{n}" for n in ("acme", "clock", "evil", "ledger", "notes")
    ]
    assert listing["metadata"] == {"count": 5}
    assert all(r["_meta"][REGISTRY_KEY]["isLatest"] for r in listing["servers"])
    versions = json.loads(files["v0.1/servers/io.github.gigmcp/acme/versions.html"])
    assert [(r["server"]["version"], r["_meta"][REGISTRY_KEY]["isLatest"])
            for r in versions["servers"]] == [("0.2.0", True), ("0.1.0", False)]
    assert versions["metadata"] == {"count": 2}
    assert "nextCursor" not in versions["metadata"]


def test_registry_facts_are_under_the_registrys_own_key(tmp_path: Path) -> None:
    added = datetime(2025, 6, 1, 12, 0, 5, tzinfo=UTC)
    files = _site_files(tmp_path, {("acme", "0.1.0"): added,
                                   ("acme", "0.2.0"): datetime(2027, 1, 1, tzinfo=UTC)})
    base = "v0.1/servers/io.github.gigmcp"
    old = json.loads(files[f"{base}/acme/versions/0.1.0"])
    assert list(old["_meta"]) == [REGISTRY_KEY]
    assert old["_meta"][REGISTRY_KEY] == {
        "status": "planned",
        "statusReasons": ["the image digest is a placeholder (not built and pinned yet)"],
        "publishedAt": "2025-06-01T12:00:05Z", "isLatest": False,
    }
    # A date after the build's (a clock ahead) is clamped to it; none falls back to it.
    assert json.loads(files[f"{base}/acme/versions/0.2.0"])["_meta"][REGISTRY_KEY][
        "publishedAt"] == "2026-01-01T00:00:00Z"
    notes = json.loads(files[f"{base}/notes/versions/latest"])["_meta"][REGISTRY_KEY]
    assert notes == {"status": "installable", "publishedAt": "2026-01-01T00:00:00Z",
                     "isLatest": True}
    assert not any(b"io.modelcontextprotocol" in body for body in files.values())


def test_the_files_are_the_same_for_the_same_tree(tmp_path: Path) -> None:
    first = _site_files(tmp_path / "a")
    second = _site_files(tmp_path / "b")
    assert first == second
    assert list(first) == list(second)


@pytest.mark.parametrize("site_url", ["registry.example.org", "ftp://example.org/",
                                      "https://", "http://[::1"])
def test_a_site_url_must_be_absolute(site_url: str) -> None:
    with pytest.raises(RegistryError, match="is not an absolute http"):
        Origin("io.github.gigmcp", site_url)
