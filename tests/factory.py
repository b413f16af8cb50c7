"""Small registry trees for tests, written from plain dicts.

``manifest()`` and ``toolspec()`` return valid documents; tests change one
thing and check the one finding it causes. ``go_static_manifest()`` is a
smaller valid manifest built from source with the default builder.
``registry_repo()`` commits a tree as a publishable git repository.
``lint_errors()`` lints a tree and returns its errors as the lines lint prints.
``REFERENCE_CATALOG`` is the real catalog beside the repository, which
compatibility tests read when it is there.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry.errors import errors_only
from registry.lint.runner import lint_paths
from registry.load.tree import Layout, load_registry
from registry.render.catalog import render_catalog

PLACEHOLDER = "sha256:" + "0" * 64

REFERENCE_CATALOG = Path(__file__).resolve().parent.parent.parent / "shared" / "reference-catalog"
needs_reference_catalog = pytest.mark.skipif(
    not REFERENCE_CATALOG.is_dir(), reason="../shared/reference-catalog not present"
)


def digest(seed: int) -> str:
    return "sha256:" + f"{seed:064x}"


def manifest(name: str = "acme", version: str = "0.1.0", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 1,
        "name": name,
        "version": version,
        "source": {"repo": "github.com/gigmcp/toolpack", "tag": "v0.1.0"},
        "image": {
            "ref": f"ghcr.io/gigmcp/{name}-mcp",
            "digest": PLACEHOLDER,
            "entrypoint": "/app/server",
            "builder": "toolpack",
        },
        "tier": "sealed",
        "entitlements": {"egress": ["api.acme.example.com"]},
        "credentials": [
            {
                "id": "acme_token",
                "type": "api_key",
                "provider": "acme",
                "inject": {"header": "Authorization", "format": "Bearer {token}"},
            }
        ],
        "tools": [
            {"name": "list_items", "default": True},
            {"name": "delete_item", "default": False},
        ],
        "displayName": "Acme",
        "description": "Reads and manages items in an Acme workspace.",
        "category": "productivity",
    }
    doc.update(copy.deepcopy(changes))
    return doc


def go_static_manifest(**changes: Any) -> dict[str, Any]:
    """acme@1.0.0 for the default (go-static) builder: no credentials, no catalog listing fields.

    ``changes`` replace top-level fields; the image ref stays acme's whatever the name.
    """
    doc: dict[str, Any] = {
        "schemaVersion": 1,
        "name": "acme",
        "version": "1.0.0",
        "source": {"repo": "github.com/acme/acme-mcp", "tag": "v1.0.0"},
        "image": {
            "ref": "ghcr.io/gigmcp/acme-mcp",
            "digest": PLACEHOLDER,
            "entrypoint": "/app/server",
        },
        "tier": "sealed",
        "entitlements": {"egress": ["api.acme.com"]},
        "tools": [{"name": "list_things", "default": True}],
    }
    doc.update(copy.deepcopy(changes))
    return doc


def toolspec(name: str = "acme", version: str = "0.1.0", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 1,
        "name": name,
        "version": version,
        "baseUrl": "https://api.acme.example.com",
        "tools": [
            {
                "name": "list_items",
                "description": "List items",
                "method": "GET",
                "path": "/v1/items",
                "params": [{"name": "limit", "in": "query", "type": "integer"}],
            },
            {
                "name": "delete_item",
                "description": "Delete one item",
                "method": "DELETE",
                "path": "/v1/items/{id}",
                "params": [{"name": "id", "in": "path", "type": "string", "required": True}],
            },
        ],
    }
    doc.update(copy.deepcopy(changes))
    return doc


def to_yaml(doc: dict[str, Any]) -> str:
    """JSON is YAML 1.2: a faithful, dependency-free serialisation for tests."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_manifest(root: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` to manifests/<name>/<version>.yaml under ``root``."""
    return write(root, f"manifests/{doc['name']}/{doc['version']}.yaml", to_yaml(doc))


def tree(
    root: Path,
    manifests: list[dict[str, Any]] | None = None,
    toolspecs: list[dict[str, Any]] | None = None,
    denylist: str = "webhook.site\nlocalhost\ninternal\n",
) -> Path:
    """Write a registry tree; defaults to one valid toolpack server."""
    manifests = [manifest()] if manifests is None else manifests
    toolspecs = [toolspec()] if toolspecs is None else toolspecs
    for doc in manifests:
        write_manifest(root, doc)
    for doc in toolspecs:
        write(root, f"toolspecs/{doc['name']}/{doc['version']}.yaml", to_yaml(doc))
    write(root, "denylist/exfil-domains.txt", denylist)
    return root


def lint_errors(root: Path, **kwargs: Any) -> list[str]:
    """Lint ``root`` (``kwargs`` go to ``lint_paths``); its errors as lint prints them."""
    return [finding.format() for finding in errors_only(lint_paths(root, **kwargs).findings)]


def git(cwd: Path, *args: str, when: str | None = None) -> str:
    """Run git in ``cwd`` as a fixed test committer; returns its standard output.

    The user's and the system's git configuration are ignored; ``when``
    (``@1700000000 +0000``) fixes the author and committer dates.
    """
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, capture_output=True, text=True, env=env,
    ).stdout


def registry_repo(root: Path, public_key: str | None) -> Path:
    """``tree()`` with CATALOG.md and keys/registry.pub, committed on main; dist/ ignored.

    ``public_key=None`` leaves the key out, as in a registry before its first keygen.
    """
    tree(root)
    registry, _ = load_registry(Layout.of_root(root))
    write(root, "CATALOG.md", render_catalog(registry))
    write(root, ".gitignore", "dist/\n")
    if public_key is not None:
        write(root, "keys/registry.pub", public_key + "\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "registry")
    return root
