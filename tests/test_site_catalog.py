"""The small catalog the site tests (and browser tests) build, including a hostile server.

Written for these tests: a toolpack server with two versions whose second
version escalates, an installable OAuth server, an entrusted server on a
builder that is not installable yet, a go-static server without toolspec,
and a server whose every free-text field tries to inject HTML, script,
Markdown links or Jinja.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry.lint.runner import lint_paths
from tests import factory

HOSTILE_DISPLAY = '<script>alert("display")</script>'
HOSTILE_DESCRIPTION = (
    "[click me](javascript:alert('md')) {{ 7*7 }} {% if true %}jinja{% endif %} "
    "<img src=x onerror=alert('img')> <a href=\"javascript:alert('a')\">a</a>"
)
HOSTILE_TOOL_DESCRIPTION = (
    "</td></tr></table><script>alert('tool')</script><iframe src=\"https://evil.example\">"
)
HOSTILE_PARAM_DESCRIPTION = "\"><svg onload=alert('param')>"


def site_documents() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    oauth = {
        "id": "notes_oauth", "type": "oauth2", "provider": "notes", "vendor": "notes",
        "scopes": ["notes.read", "notes.write"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"},
    }
    acme_v2_tools = [
        {"name": "list_items", "default": True},
        {"name": "delete_item", "default": True},
        {"name": "update_item", "default": False},
    ]
    manifests = [
        factory.manifest(),
        factory.manifest(
            "acme", "0.2.0", tools=acme_v2_tools,
            entitlements={"egress": ["api.acme.example.com", "*.files.acme.example.com"]},
        ),
        factory.manifest(
            "notes",
            image={"ref": "ghcr.io/gigmcp/notes-mcp", "digest": factory.digest(7),
                   "entrypoint": "/app/server", "builder": "toolpack"},
            credentials=[oauth], displayName="Notes", category="documents",
            description="Keeps notes in a notebook service.",
            entitlements={"egress": ["api.notes.example.com"]},
            tools=[{"name": "search_notes", "default": True}],
        ),
        factory.manifest(
            "ledger", tier="entrusted",
            image={"ref": "ghcr.io/gigmcp/ledger-mcp", "digest": factory.digest(8),
                   "entrypoint": "/app/server", "builder": "node"},
            credentials=[{"id": "ledger_key", "type": "custom_env", "provider": "ledger",
                          "inject": {"env": "LEDGER_API_KEY"}}],
            displayName="Ledger", category="finance",
            description="Books entries in a ledger.",
            entitlements={"egress": ["api.ledger.example.com"]},
            tools=[{"name": "book_entry", "default": True}],
        ),
        factory.manifest(
            "clock", credentials=[], displayName="Clock", category="",
            image={"ref": "ghcr.io/gigmcp/clock-mcp", "digest": factory.digest(9),
                   "entrypoint": "/app/server"},
            source={"repo": "github.com/example/clock", "tag": "v1.2.0", "package": "cmd/clock"},
            entitlements={"egress": ["time.example.com"]},
            tools=[{"name": "now", "default": True}],
        ),
        factory.manifest(
            "evil", displayName=HOSTILE_DISPLAY, description=HOSTILE_DESCRIPTION,
            category="dev-tools",
        ),
    ]
    evil_spec = factory.toolspec("evil")
    evil_spec["tools"][0]["description"] = HOSTILE_TOOL_DESCRIPTION
    evil_spec["tools"][0]["params"][0]["description"] = HOSTILE_PARAM_DESCRIPTION
    toolspecs = [
        factory.toolspec(),
        factory.toolspec("acme", "0.2.0", tools=[
            *factory.toolspec()["tools"],
            {"name": "update_item", "description": "Replace one item", "method": "PUT",
             "path": "/v1/items/{id}", "params": [
                 {"name": "id", "in": "path", "type": "string", "required": True},
                 {"name": "title", "in": "body", "type": "string"}]},
        ]),
        factory.toolspec("notes", baseUrl="https://api.notes.example.com", tools=[
            {"name": "search_notes", "description": "Full-text search over notes",
             "method": "GET", "path": "/v2/search",
             "params": [{"name": "q", "in": "query", "type": "string", "required": True,
                         "description": "Search words"}]},
        ]),
        evil_spec,
    ]
    return manifests, toolspecs


def write_site_catalog(root: Path) -> Path:
    manifests, toolspecs = site_documents()
    return factory.tree(root, manifests, toolspecs)


def synthetic_catalog(root: Path, servers: int) -> Path:
    """``servers`` plain toolpack servers named svc0000…, in a few categories."""
    categories = ["dev-tools", "comms", "finance"]
    manifests, toolspecs = [], []
    for index in range(servers):
        name = f"svc{index:04d}"
        manifests.append(factory.manifest(
            name, displayName=f"Service {index}", category=categories[index % 3],
            entitlements={"egress": [f"api.{name}.example.com"]},
        ))
        toolspecs.append(factory.toolspec(name, baseUrl=f"https://api.{name}.example.com"))
    return factory.tree(root, manifests, toolspecs)


def test_the_site_catalog_lints_clean(tmp_path: Path) -> None:
    result = lint_paths(write_site_catalog(tmp_path))
    assert not result.failed, [f.format() for f in result.errors]


def test_the_synthetic_catalog_lints_clean(tmp_path: Path) -> None:
    result = lint_paths(synthetic_catalog(tmp_path, 3))
    assert not result.failed, [f.format() for f in result.errors]
