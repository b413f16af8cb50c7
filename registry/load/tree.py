"""Loading a registry tree from disk into memory: the only stage that reads YAML.

Everything downstream (lint rules, index, signature, catalog, site) works on the
:class:`Registry` this module returns; nothing re-reads files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from registry.errors import Finding
from registry.load.schema import Manifest, Toolspec, validate_document
from registry.load.yaml_loader import YamlDocument, parse_yaml
from registry.semver import is_version, version_key

MANIFESTS = "manifests"
TOOLSPECS = "toolspecs"
DENYLIST = "denylist/exfil-domains.txt"
WILDCARD_EXCEPTIONS = "policy/allowed-wildcards.txt"

# Folders that are never part of the registry's content.
SKIPPED_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "dist", "site", "build", "__pycache__",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "test-results"}
)


@dataclass(frozen=True)
class ManifestEntry:
    """A manifest that passed schema validation, with its source document."""

    path: str
    doc: YamlDocument
    manifest: Manifest


@dataclass(frozen=True)
class ToolspecEntry:
    """A toolspec that passed schema validation, with its source document."""

    path: str
    doc: YamlDocument
    toolspec: Toolspec


@dataclass(frozen=True)
class Layout:
    """Where a registry's parts live. ``root`` is shown as given in finding paths."""

    root: Path
    manifests_dir: Path
    toolspecs_dir: Path | None
    denylist_file: Path | None
    wildcard_exceptions_file: Path | None = None

    @classmethod
    def of_root(cls, root: Path) -> Layout:
        return cls(
            root=root,
            manifests_dir=root / MANIFESTS,
            toolspecs_dir=root / TOOLSPECS,
            denylist_file=root / DENYLIST,
            wildcard_exceptions_file=root / WILDCARD_EXCEPTIONS,
        )


@dataclass
class Registry:
    """Every valid manifest and toolspec of a tree, sorted by name then version."""

    layout: Layout
    manifests: list[ManifestEntry] = field(default_factory=list)
    toolspecs: list[ToolspecEntry] = field(default_factory=list)
    denylist: list[tuple[str, int]] = field(default_factory=list)
    """Denied domains with the line each came from."""
    wildcard_exceptions: list[tuple[str, int]] = field(default_factory=list)
    """Wildcards over public suffixes that maintainers reviewed and allowed."""
    stray_files: list[str] = field(default_factory=list)
    """Files under manifests/ or toolspecs/ that are not ``<name>/<version>.yaml``."""

    @cached_property
    def servers(self) -> dict[str, list[ManifestEntry]]:
        """Name -> its versions, lowest first; names in byte order."""
        by_name: dict[str, list[ManifestEntry]] = {}
        for entry in self.manifests:
            by_name.setdefault(entry.manifest.name, []).append(entry)
        for versions in by_name.values():
            versions.sort(key=_version_sort_key)
        return dict(sorted(by_name.items(), key=lambda item: item[0].encode()))

    def latest(self, name: str) -> ManifestEntry:
        return self.servers[name][-1]

    def manifest(self, name: str, version: str) -> ManifestEntry | None:
        for entry in self.servers.get(name, []):
            if entry.manifest.version == version:
                return entry
        return None

    @cached_property
    def _toolspecs_by_ref(self) -> dict[tuple[str, str], ToolspecEntry]:
        return {(t.toolspec.name, t.toolspec.version): t for t in self.toolspecs}

    def toolspec_for(self, manifest: Manifest) -> ToolspecEntry | None:
        return self._toolspecs_by_ref.get((manifest.name, manifest.version))

    def previous(self, entry: ManifestEntry) -> ManifestEntry | None:
        """The version just below ``entry``'s, if any."""
        versions = self.servers.get(entry.manifest.name, [])
        index = versions.index(entry)
        return versions[index - 1] if index > 0 else None


def _version_sort_key(entry: ManifestEntry) -> tuple[int, int, int]:
    version = entry.manifest.version
    return version_key(version) if is_version(version) else (-1, -1, -1)


def display_path(path: Path) -> str:
    return path.as_posix()


def _yaml_files(top: Path) -> Iterator[Path]:
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _is_entry_file(top: Path, path: Path) -> bool:
    relative = path.relative_to(top)
    return len(relative.parts) == 2 and relative.suffix == ".yaml"


def read_list_file(path: Path | None) -> tuple[list[tuple[str, int]], list[Finding]]:
    """Read a one-entry-per-line file (``#`` comments); missing file -> empty."""
    if path is None or not path.is_file():
        return [], []
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Finding(display_path(path), 1, 1, "", f"cannot read: {exc}")]
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip().lower()
        if entry:
            entries.append((entry, number))
    return entries, []


def _load_entries(
    top: Path | None, registry: Registry, findings: list[Finding], *, toolspecs: bool
) -> None:
    if top is None:
        return
    for path in _yaml_files(top):
        shown = display_path(path)
        if not _is_entry_file(top, path):
            registry.stray_files.append(shown)
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            findings.append(Finding(shown, 1, 1, "", f"cannot read file: {exc.strerror}"))
            continue
        doc, problems = parse_yaml(raw, shown)
        findings.extend(problems)
        if doc is None:
            continue
        if toolspecs:
            toolspec, problems = validate_document(doc, Toolspec)
            findings.extend(problems)
            if toolspec is not None:
                registry.toolspecs.append(ToolspecEntry(shown, doc, toolspec))
        else:
            manifest, problems = validate_document(doc, Manifest)
            findings.extend(problems)
            if manifest is not None:
                registry.manifests.append(ManifestEntry(shown, doc, manifest))


def load_registry(layout: Layout) -> tuple[Registry, list[Finding]]:
    """Read and schema-validate every manifest and toolspec of ``layout``.

    Files that fail to parse or validate are left out of the registry and
    reported as findings; the caller decides whether to go on.
    """
    registry = Registry(layout)
    findings: list[Finding] = []
    if not layout.manifests_dir.is_dir():
        findings.append(
            Finding(display_path(layout.manifests_dir), 1, 1, "", "no manifests directory")
        )
    _load_entries(layout.manifests_dir, registry, findings, toolspecs=False)
    _load_entries(layout.toolspecs_dir, registry, findings, toolspecs=True)
    registry.denylist, problems = read_list_file(layout.denylist_file)
    findings.extend(problems)
    registry.wildcard_exceptions, problems = read_list_file(layout.wildcard_exceptions_file)
    findings.extend(problems)
    registry.manifests.sort(key=lambda e: (e.manifest.name.encode(), _version_sort_key(e)))
    registry.toolspecs.sort(key=lambda e: (e.toolspec.name.encode(), e.toolspec.version))
    return registry, findings
