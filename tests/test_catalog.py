"""CATALOG.md: one row per server, golden file, status rules, staleness check.

Regenerate the golden file after an intended change with
``.venv/bin/python -m tests.test_catalog`` and review its diff.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.layout import CATALOG_FILE
from registry.load.schema import Manifest
from registry.load.tree import Layout, ManifestEntry, Registry, load_registry
from registry.load.yaml_loader import parse_yaml
from registry.render.catalog import (
    catalog_findings,
    catalog_is_stale,
    catalog_rows,
    render_catalog,
)
from registry.status import planned_reasons, status_of
from tests import factory

GOLDEN = Path(__file__).parent / "golden" / "catalog" / "CATALOG.md"


def golden_documents() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A small catalog covering every column's cases (written for this test)."""
    oauth = {
        "id": "notes_oauth", "type": "oauth2", "provider": "notes", "vendor": "notes",
        "scopes": ["notes.read"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"},
    }
    basic = {
        "id": "ledger_basic", "type": "basic", "provider": "ledger",
        "inject": {"header": "Authorization", "format": "Basic {token}"},
    }
    manifests = [
        factory.manifest(),
        factory.manifest(
            "acme", "0.2.0",
            tools=[{"name": "list_items", "default": True},
                   {"name": "delete_item", "default": False},
                   {"name": "get_item", "default": True}],
        ),
        factory.manifest(
            "notes", image={"ref": "ghcr.io/gigmcp/notes-mcp", "digest": factory.digest(7),
                            "entrypoint": "/app/server"},
            credentials=[oauth], displayName="Notes | Pro", category="documents",
            description="Keeps *notes* with [links](https://example.com).",
            entitlements={"egress": ["api.notes.example.com", "*.files.example.com"]},
        ),
        factory.manifest(
            "ledger", tier="entrusted",
            image={"ref": "ghcr.io/gigmcp/ledger-mcp", "digest": factory.digest(8),
                   "entrypoint": "/app/server", "builder": "node"},
            credentials=[{**basic, "inject": {"env": "LEDGER_TOKEN"}}],
            displayName="", category="finance",
        ),
        factory.manifest(
            "clock", credentials=[], displayName="Clock", category="",
            image={"ref": "ghcr.io/gigmcp/clock-mcp", "digest": factory.digest(9),
                   "entrypoint": "/app/server", "builder": "toolpack"},
            entitlements={"egress": ["time.example.com"]},
            tools=[{"name": "now", "default": True}],
        ),
    ]
    toolspecs = [
        factory.toolspec(),
        factory.toolspec("acme", "0.2.0", tools=[
            *factory.toolspec()["tools"],
            {"name": "get_item", "description": "Get one item", "method": "GET",
             "path": "/v1/items/{id}",
             "params": [{"name": "id", "in": "path", "type": "string", "required": True}]},
        ]),
        factory.toolspec("notes", baseUrl="https://api.notes.example.com"),
        factory.toolspec("clock", baseUrl="https://time.example.com", tools=[
            {"name": "now", "description": "The time", "method": "GET", "path": "/now"},
        ]),
    ]
    return manifests, toolspecs


def golden_registry(root: Path) -> Registry:
    manifests, toolspecs = golden_documents()
    factory.tree(root, manifests, toolspecs)
    registry, findings = load_registry(Layout.of_root(root))
    assert findings == []
    return registry


def test_catalog_matches_golden_file(tmp_path: Path) -> None:
    assert render_catalog(golden_registry(tmp_path)) == GOLDEN.read_text(encoding="utf-8")


def test_one_row_per_server_from_its_latest_version(tmp_path: Path) -> None:
    rows = {row.name: row for row in catalog_rows(golden_registry(tmp_path))}
    assert list(rows) == ["acme", "clock", "ledger", "notes"]
    assert rows["acme"].version == "0.2.0"
    assert (rows["acme"].tools_default, rows["acme"].tools_total) == (2, 3)
    assert rows["acme"].versions == 2
    assert rows["clock"].auth == "none"
    assert rows["notes"].auth == "oauth2"


@pytest.mark.parametrize(
    ("digest", "builder", "status"),
    [
        (factory.PLACEHOLDER, "toolpack", "planned"),
        (factory.PLACEHOLDER, "", "planned"),
        (factory.digest(1), "", "installable"),
        (factory.digest(1), "go-static", "installable"),
        (factory.digest(1), "toolpack", "installable"),
        (factory.digest(1), "node", "planned"),
        (factory.digest(1), "python", "planned"),
    ],
)
def test_installable_needs_a_pinned_digest_and_a_shipped_builder(
    digest: str, builder: str, status: str
) -> None:
    image = {"ref": "ghcr.io/gigmcp/acme-mcp", "digest": digest, "entrypoint": "/app/server"}
    if builder:
        image["builder"] = builder
    manifest = Manifest.model_validate(factory.manifest(image=image))
    assert status_of(manifest) == status
    assert bool(planned_reasons(manifest)) == (status == "planned")


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]


@settings(max_examples=60, deadline=None)
@given(
    display=st.text(max_size=40),
    description=st.text(max_size=80),
)
def test_contributor_text_cannot_break_the_table(display: str, description: str) -> None:
    manifest = Manifest.model_validate(
        factory.manifest(displayName=display, description=description)
    )
    registry = Registry(Layout.of_root(Path("unused")))
    registry.manifests.append(_entry(manifest))
    text = render_catalog(registry)
    (row,) = _table_rows(text)[1:]
    # Eight cells: nine unescaped pipes, whatever the contributor wrote.
    assert len(re.findall(r"(?<!\\)\|", row)) == 9
    assert "<" not in row and ">" not in row and "[" not in row


def _entry(manifest: Manifest) -> ManifestEntry:
    doc, _ = parse_yaml(b"{}", "x.yaml")
    assert doc is not None
    return ManifestEntry("manifests/x.yaml", doc, manifest)


def test_stale_when_missing_or_different(tmp_path: Path) -> None:
    registry = golden_registry(tmp_path)
    assert catalog_is_stale(tmp_path, registry)
    (tmp_path / CATALOG_FILE).write_text(render_catalog(registry), encoding="utf-8")
    assert not catalog_is_stale(tmp_path, registry)
    assert catalog_findings(tmp_path, registry) == []
    manifest = factory.manifest("acme", "0.2.0", description="Changed.")
    factory.write(tmp_path, "manifests/acme/0.2.0.yaml", factory.to_yaml(manifest))
    changed, _ = load_registry(Layout.of_root(tmp_path))
    assert catalog_is_stale(tmp_path, changed)
    (finding,) = catalog_findings(tmp_path, changed)
    assert finding.path.endswith("CATALOG.md")
    assert "invoke catalog" in finding.message


def regenerate() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(render_catalog(golden_registry(Path(tmp))), encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")


if __name__ == "__main__":
    regenerate()
