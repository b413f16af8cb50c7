"""Every exported server.json and v0.1 response against the official specification files.

server.json against ``server.schema.json`` and openapi.yaml's ``ServerDetail``;
each list against ``ServerList`` and each single response against
``ServerResponse``; formats checked. Skipped where ``../shared/interop`` is
absent (see ``tests/interop.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.export.api import api_files
from registry.export.serverjson import DESCRIPTION_MAX, SCHEMA_URL, Origin, server_json_bytes
from registry.lint.runner import lint_paths
from registry.load.tree import Registry
from tests import factory
from tests.catalogs import reference_copy, write_site_catalog
from tests.factory import REFERENCE_CATALOG, needs_reference_catalog
from tests.interop import api_problems, needs_interop, problems, server_json_problems, validators

pytestmark = needs_interop

PROJECT = Path(__file__).resolve().parents[1]
ORIGIN = Origin("io.github.gigmcp", "https://gigmcp.github.io/registry/")
GENERATED = datetime(2026, 1, 1, tzinfo=UTC)

# Descriptions the schema's 100 characters cannot hold as they are, and two it can.
DESCRIPTIONS = (
    "x" * 150,
    ("Reads, writes and deletes records in every base of the workspace " * 3).strip(),
    "Émoji 🎉 and accents, " * 10,
    "<script>alert('desc')</script> & </td> " * 4,
    "a" * 99 + " b",
    "c" * 100,
    "Short and fine.",
)


def _registry(root: Path) -> Registry:
    result = lint_paths(root)
    assert not result.failed, [f.format() for f in result.findings][:5]
    return result.registry


def _entries(registry: Registry) -> int:
    """server.json documents in the API's files: collections are written twice (``.html``
    and ``index.html``), so a server is in 2 list files, 2 versions files per version,
    its ``latest`` and one file per version."""
    return sum(2 + 3 * len(v) + 1 for v in registry.servers.values())


def test_the_validators_check_formats() -> None:
    found = validators()
    assert found.schema_id == SCHEMA_URL
    minimal = {"name": "io.github.a/b", "description": "x", "version": "1.0.0"}
    assert problems(found.server_json, minimal) == []
    assert problems(found.server_json, {**minimal, "websiteUrl": "not a uri"}) != []
    official = {"io.modelcontextprotocol.registry/official": {"publishedAt": "yesterday"}}
    assert problems(found.server_response, {"server": minimal, "_meta": official}) != []
    assert problems(found.server_list, {"servers": [{"server": minimal}]}) == []


def test_the_site_catalog_exports_valid_entries(tmp_path: Path) -> None:
    registry = _registry(write_site_catalog(tmp_path))
    found, entries = api_problems(api_files(registry, ORIGIN, generated=GENERATED, dates={}))
    assert found == []
    assert entries == _entries(registry)


def test_an_entry_without_a_site_url_is_valid(tmp_path: Path) -> None:
    registry = _registry(write_site_catalog(tmp_path))
    origin = Origin("io.github.gigmcp")
    for entry in registry.manifests:
        server = json.loads(server_json_bytes(registry, entry, origin))
        assert "websiteUrl" not in server
        assert server_json_problems(server) == []


def test_the_projects_manifests_export_valid_entries() -> None:
    registry = _registry(PROJECT)
    found, entries = api_problems(api_files(registry, ORIGIN, generated=GENERATED, dates={}))
    assert found == []
    assert entries == _entries(registry) > 0


@needs_reference_catalog
def test_the_reference_catalog_exports_valid_entries_long_descriptions_included(
    tmp_path: Path,
) -> None:
    root = reference_copy(REFERENCE_CATALOG, tmp_path)
    manifests = sorted((root / "manifests").glob("*/*.yaml"))
    given: dict[tuple[str, str], str] = {}
    for number, path in enumerate(manifests):
        if number % 2 == 0:  # the other half keeps no description: the derived one
            text = DESCRIPTIONS[(number // 2) % len(DESCRIPTIONS)]
            given[(path.parent.name, path.stem)] = text
            with path.open("a", encoding="utf-8") as file:
                file.write(f"description: {json.dumps(text, ensure_ascii=False)}\n")
    registry = _registry(root)
    assert len(registry.servers) == 221

    files = api_files(registry, ORIGIN, generated=GENERATED, dates={})
    found, entries = api_problems(files)
    assert found == []
    assert entries == _entries(registry)
    cut = 0
    for (name, version), text in given.items():
        server = json.loads(files[f"v0.1/servers/io.github.gigmcp/{name}/versions/{version}"])
        description = server["server"]["description"]
        assert 1 <= len(description) <= DESCRIPTION_MAX
        if len(text) > DESCRIPTION_MAX:
            cut += 1
            assert description.endswith("…")
            assert text.startswith(description[:-1].rstrip())
        else:
            assert description == text
    assert cut == sum(len(text) > DESCRIPTION_MAX for text in given.values()) > 50


@needs_reference_catalog
def test_every_reference_server_exports_alone(tmp_path: Path) -> None:
    registry = _registry(reference_copy(REFERENCE_CATALOG, tmp_path))
    failures = {
        entry.manifest.ref: found
        for entry in registry.manifests
        if (found := server_json_problems(json.loads(server_json_bytes(registry, entry, ORIGIN))))
    }
    assert failures == {}
    assert len(registry.manifests) >= 221


@pytest.mark.parametrize("namespace", ["io.github.gigmcp", "org.example.registry", "localhost"])
def test_names_in_any_valid_namespace_are_valid(tmp_path: Path, namespace: str) -> None:
    registry = _registry(factory.tree(tmp_path))
    entry = registry.manifests[0]
    server = json.loads(server_json_bytes(registry, entry, Origin(namespace)))
    assert server["name"] == f"{namespace}/acme"
    assert server_json_problems(server) == []
