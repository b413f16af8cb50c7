"""The registry's identifiers and file layout: the one home of every name the tools agree on.

- identifiers: server names, ``MAJOR.MINOR.PATCH`` versions, image digests,
  tool names, and the ``NAME@VERSION`` reference;
- the tree: ``manifests/<name>/<version>.yaml``, ``toolspecs/…``, the policy
  and denylist files, builder recipes, the public key file;
- ``dist/``: the file names a build writes and a release publishes;
- the environment variables the command-line tools read (at the edge only:
  the CLI, the Invoke tasks and the mkdocs plugin entry).

Nothing here touches the disk; every other module imports from here instead
of writing its own pattern.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Literal

from registry.errors import RegistryError

# --- identifiers ----------------------------------------------------------------

NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
"""A server name: lowercase letters, digits and inner hyphens."""
MAX_NAME = 63

VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
"""``MAJOR.MINOR.PATCH`` without leading zeros and without pre-release parts."""
MAX_VERSION = 64

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
"""An OCI image digest as manifests pin it."""
PLACEHOLDER_DIGEST = "sha256:" + "0" * 64
"""The all-zero digest: the image is not built and pinned yet (planned, not installable)."""

TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
"""An MCP tool name."""


def is_name(text: str) -> bool:
    """True for a valid server name (at most :data:`MAX_NAME` characters)."""
    return len(text) <= MAX_NAME and NAME.fullmatch(text) is not None


def is_version(text: str) -> bool:
    """True for ``MAJOR.MINOR.PATCH`` without leading zeros (``0.10.0`` yes, ``01.0.0`` no)."""
    return len(text) <= MAX_VERSION and VERSION.fullmatch(text) is not None


def is_digest(text: str) -> bool:
    """True for ``sha256:`` and 64 lowercase hex digits (the placeholder included)."""
    return DIGEST.fullmatch(text) is not None


def version_key(text: str) -> tuple[int, int, int]:
    """Sort key: numeric, so ``0.10.0`` > ``0.9.0``. ``text`` must satisfy :func:`is_version`."""
    match = VERSION.fullmatch(text)
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return (major, minor, patch)


def highest(versions: list[str]) -> str:
    """The highest of ``versions`` (non-empty, all valid)."""
    return max(versions, key=version_key)


def parse_server_ref(text: str) -> tuple[str, str]:
    """``name@version`` -> ``(name, version)``; :class:`RegistryError` when either is invalid."""
    name, at, version = text.partition("@")
    if not at or not is_name(name) or not is_version(version):
        raise RegistryError(f"{text[:80]!r}: expected NAME@VERSION, e.g. linear@0.1.0")
    return name, version


# --- the tree ---------------------------------------------------------------------

EntryKind = Literal["manifest", "toolspec"]

MANIFESTS = "manifests"
TOOLSPECS = "toolspecs"
IMAGES = "images"
DOCS = "docs"
KEYS = "keys"
POLICY = "policy"
DENYLIST_DIR = "denylist"
DENYLIST = f"{DENYLIST_DIR}/exfil-domains.txt"
WILDCARD_EXCEPTIONS = f"{POLICY}/allowed-wildcards.txt"
VENDOR_DOMAINS = f"{POLICY}/vendor-domains.txt"
PUBLIC_KEYS_FILE = f"{KEYS}/registry.pub"
CATALOG_FILE = "CATALOG.md"
SITE_CONFIG = "mkdocs.yml"
ENTRY_SUFFIX = ".yaml"

ENTRY_DIRS: dict[EntryKind, str] = {"manifest": MANIFESTS, "toolspec": TOOLSPECS}

CONTENT_DIRS = (MANIFESTS, TOOLSPECS, POLICY, DENYLIST_DIR, IMAGES, DOCS, KEYS)
"""Folders whose files are registry content: regular files only, every one accounted for."""

DOCS_SUFFIXES = frozenset({".md", ".png", ".jpg", ".jpeg", ".gif", ".webp"})
"""What ``docs/`` may hold: Markdown pages and raster images. No scripts, styles,
HTML or SVG (which can carry script): the site's own assets ship with the package."""

IMAGE_RECIPE_FILES = frozenset({"Dockerfile", "README.md"})
"""What ``images/<builder>/`` may hold."""

SKIPPED_ROOT_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "dist", "site", "build", "__pycache__",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "test-results"}
)
"""Folders at the root of a checkout that are never registry content (tools' output).
Skipped only at the root: inside a content folder every file counts."""


def entry_path(kind: EntryKind, name: str, version: str) -> str:
    """``manifests/<name>/<version>.yaml`` (or ``toolspecs/…``), relative to the root."""
    return f"{ENTRY_DIRS[kind]}/{name}/{version}{ENTRY_SUFFIX}"


def manifest_path(root: Path, name: str, version: str) -> Path:
    """``<root>/manifests/<name>/<version>.yaml``, after checking both parts."""
    if not is_name(name):
        raise RegistryError(f"{name[:80]!r} is not a server name")
    if not is_version(version):
        raise RegistryError(f"{version[:80]!r} is not a MAJOR.MINOR.PATCH version")
    return root / entry_path("manifest", name, version)


def parse_entry_path(relative: str) -> tuple[EntryKind, str, str] | None:
    """``manifests/<name>/<version>.yaml`` -> ``("manifest", name, version)``; else ``None``.

    ``relative`` is a ``/``-separated path from the registry root; the version
    part must be a valid version, the name part is returned as written (lint
    checks it against the manifest's ``name``).
    """
    parts = PurePosixPath(relative).parts
    if len(parts) != 3 or not parts[2].endswith(ENTRY_SUFFIX):
        return None
    kind = next((k for k, folder in ENTRY_DIRS.items() if folder == parts[0]), None)
    version = parts[2][: -len(ENTRY_SUFFIX)]
    if kind is None or not is_version(version):
        return None
    return kind, parts[1], version


def display_path(path: Path) -> str:
    """How findings and messages show a path: as given, with ``/`` separators."""
    return path.as_posix()


# --- the site's pages ---------------------------------------------------------------


def server_page(name: str) -> str:
    """Site path of a server's page (its latest version): ``servers/<name>/``."""
    return f"servers/{name}/"


def version_page(name: str, version: str) -> str:
    """Site path of one version's page: ``servers/<name>/<version>/``."""
    return f"servers/{name}/{version}/"


UNCATEGORIZED = "uncategorized"
"""The category page (and filter value) of servers without a category."""


def category_slug(category: str) -> str:
    """URL segment of a category: ``HR/ATS`` -> ``hr-ats``; none -> ``uncategorized``."""
    if not category:
        return UNCATEGORIZED
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def category_page(category: str) -> str:
    """Site path of a category's page: ``categories/<slug>/``."""
    return f"categories/{category_slug(category)}/"


# --- the site's data files (fetched by its scripts) ----------------------------------

CATALOG_FACETS_FILE = "catalog/facets.json"
"""Every server's filter values, coded compactly: the home page filters the whole catalog."""


def catalog_rows_file(shard: int) -> str:
    """``catalog/rows-NNNN.json``: one shard of the catalog's rows, in name order."""
    return f"catalog/rows-{shard:04d}.json"


LOOKUP_MANIFEST_FILE = "search-ids.json"
"""How many exact-identifier shards there are and how a query picks one."""


def lookup_shard_file(shard: int) -> str:
    """``search-ids/N.json``: the servers each identifier of this shard names."""
    return f"search-ids/{shard}.json"


PAGEFIND_DIR = "pagefind"
"""The full-text search index (Pagefind's output), at the site root."""
SERVERS_SITEMAP_FILE = "sitemap-servers.xml"
"""The server and version pages; ``sitemap.xml`` lists only the pages in the navigation."""
ROBOTS_FILE = "robots.txt"


# --- dist/ ------------------------------------------------------------------------

DIST_DIR = "dist"
INDEX_FILE = "index.json"
SIGNATURE_FILE = "index.json.sig"
SITE_DIR = "site"
INDEX_RELEASE_PREFIX = "index-"
"""Releases that carry a signed index are tagged ``index-<generated>``."""
RELEASES_KEPT = 30
"""How many index releases a publish keeps (older ones are pruned)."""

# --- gateway defaults ------------------------------------------------------------

MAX_INDEX_AGE_DAYS = 14
"""A gateway refuses an index older than this (the publish workflow re-signs daily)."""

# --- environment variables (read at the edge only) --------------------------------

SIGNING_KEY_ENV = "GIG_INDEX_SIGNING_KEY"
"""The registry's ed25519 private key (128 hex characters); a repository secret."""
SIGNING_KEY_ENV_ALIASES = ("GIG_SIGNING_KEY",)
"""Older names of :data:`SIGNING_KEY_ENV` that every command still honours."""
PUBLIC_KEY_ENV = "GIG_REGISTRY_PUBKEY"
"""Trusted public keys (hex, comma-separated), as gateways set them."""
INDEX_URL_ENV = "GIG_REGISTRY_INDEX_URL"
"""Where a gateway fetches ``index.json`` from."""
SITE_URL_ENV = "GIG_SITE_URL"
SITE_INDEX_URL_ENV = "GIG_INDEX_URL"
"""The index URL the site's install instructions show (read by mkdocs.yml)."""
PAGES_REMOTE_ENV = "GIG_PAGES_REMOTE"
SOURCE_DATE_EPOCH_ENV = "SOURCE_DATE_EPOCH"
PYDANTIC_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
"""Set to ``__all__`` by ``registryctl``: no installed package hooks the validation."""
GITHUB_ACTIONS_ENV = "GITHUB_ACTIONS"
GITHUB_TOKEN_ENV = ("GITHUB_TOKEN", "GH_TOKEN")
GITHUB_REPOSITORY_ENV = "GITHUB_REPOSITORY"
GITHUB_API_URL_ENV = "GITHUB_API_URL"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
GITHUB_SHA_ENV = "GITHUB_SHA"
