"""Catalogs the site, browser and benchmark runs build: a small hostile one, a synthetic one.

The site catalog, written for these tests: a toolpack server with two versions
whose second version escalates, an installable OAuth server, an entrusted
server on a builder that is not installable yet, a go-static server without
toolspec, and a server whose every free-text field tries to inject HTML,
script, Markdown links or Jinja.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import factory

PROJECT = Path(__file__).resolve().parents[1]

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


CATEGORIES = ("dev-tools", "comms", "productivity", "CRM", "finance", "search")


def synthetic_catalog(root: Path, servers: int, *, tools: int = 2, second_every: int = 0) -> Path:
    """``servers`` toolpack servers named svc00000…, written from the factory's documents.

    Each has ``tools`` tools (reads exposed by default, the last one a delete
    that is not) and, when ``second_every`` is set, every that-many-th server a
    second version. Digests are pinned and unique, so every server is installable.
    """
    manifests, toolspecs = [], []
    for index in range(servers):
        name = f"svc{index:05d}"
        versions = ["0.1.0", "0.2.0"] if second_every and index % second_every == 0 else ["0.1.0"]
        names = [f"list_things_{t}" for t in range(tools - 1)] + ["delete_thing"]
        for version in versions:
            seed = index * 2 + versions.index(version) + 1
            manifests.append(factory.manifest(
                name, version, displayName=f"Service {index}",
                description=f"Synthetic service number {index}.",
                category=CATEGORIES[index % len(CATEGORIES)],
                image={"ref": f"ghcr.io/gigmcp/{name}-mcp", "digest": factory.digest(seed),
                       "entrypoint": "/app/server", "builder": "toolpack"},
                entitlements={"egress": [f"api.{name}.example.com"]},
                tools=[{"name": tool, "default": tool != "delete_thing"} for tool in names],
            ))
            toolspecs.append(factory.toolspec(
                name, version, baseUrl=f"https://api.{name}.example.com",
                tools=[_tool_mapping(tool) for tool in names],
            ))
    return factory.tree(root, manifests, toolspecs)


def _tool_mapping(tool: str) -> dict[str, Any]:
    if tool == "delete_thing":
        return {"name": tool, "description": "Delete one thing", "method": "DELETE",
                "path": "/v1/things/{id}",
                "params": [{"name": "id", "in": "path", "type": "string", "required": True}]}
    return {"name": tool, "description": f"List things ({tool})", "method": "GET",
            "path": "/v1/things", "params": [{"name": "limit", "in": "query",
                                               "type": "integer", "description": "Page size"}]}


# The reference passes the Go linter; the public-suffix rule is stricter and
# needs these three reviewed exceptions (see tests/test_cli_lint.py).
REFERENCE_WILDCARDS = "*.myshopify.com\n*.bubbleapps.io\n*.salesforce.com\n"


def reference_copy(reference: Path, root: Path, *, copies: int = 1) -> Path:
    """The reference catalog copied into ``root`` (``copies`` times, renamed), with its wildcards
    and the project's vendor groups.

    Copies, never links: lint refuses symbolic links in a registry's content.
    Copy ``k`` > 0 renames every server ``<name>-c<k>`` (folders, ``name``
    fields) and gives each pinned digest a distinct value.
    """
    for kind in ("manifests", "toolspecs"):
        for path in sorted((reference / kind).glob("*/*.yaml")):
            text = path.read_text("utf-8")
            for copy in range(copies):
                name = path.parent.name if copy == 0 else f"{path.parent.name}-c{copy}"
                body = text if copy == 0 else _renamed(text, path.parent.name, name, copy)
                factory.write(root, f"{kind}/{name}/{path.name}", body)
    factory.write(root, "denylist/exfil-domains.txt",
                  (reference / "denylist" / "exfil-domains.txt").read_text("utf-8"))
    factory.write(root, "policy/allowed-wildcards.txt", REFERENCE_WILDCARDS)
    factory.write(root, "policy/vendor-domains.txt",
                  (PROJECT / "policy" / "vendor-domains.txt").read_text("utf-8"))
    return root


def _renamed(text: str, old: str, new: str, copy: int) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("name:") and stripped.split(":", 1)[1].strip().strip("'\"") == old:
            line = line.replace(old, new, 1)
        elif stripped.startswith("digest:") and "sha256:" in line and "0" * 64 not in line:
            head, _, digest = line.partition("sha256:")
            digest = digest.strip().strip("'\"")
            line = f"{head}sha256:{int(digest, 16) ^ copy:064x}\n"
        lines.append(line)
    return "".join(lines)
