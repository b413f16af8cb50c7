"""Loading a registry tree from disk into memory: the only stage that reads YAML.

Everything downstream (lint rules, index, signature, catalog, site) works on the
:class:`Registry` this module returns; nothing re-reads files.

The tree is untrusted: folders are walked without following symbolic links,
every file is read through :func:`registry.fileio.read_bounded` (regular files
only, never past a size cap), and a link, a device or a pipe is a located
finding, never something read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from registry import rules
from registry.errors import FileRefused, Finding
from registry.fileio import read_bounded, refuse_special
from registry.layout import (
    DENYLIST,
    MANIFESTS,
    TOOLSPECS,
    VENDOR_DOMAINS,
    WILDCARD_EXCEPTIONS,
    display_path,
    is_version,
    version_key,
)
from registry.load.schema import Manifest, Toolspec, validate_document
from registry.load.yaml_loader import MAX_BYTES, YamlDocument, parse_yaml

MAX_LIST_FILE_BYTES = 256 * 1024
"""Cap for one-entry-per-line policy files (the denylist, allowed wildcards)."""


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
    vendor_domains_file: Path | None = None

    @classmethod
    def of_root(cls, root: Path) -> Layout:
        return cls(
            root=root,
            manifests_dir=root / MANIFESTS,
            toolspecs_dir=root / TOOLSPECS,
            denylist_file=root / DENYLIST,
            wildcard_exceptions_file=root / WILDCARD_EXCEPTIONS,
            vendor_domains_file=root / VENDOR_DOMAINS,
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
    vendor_domains: list[tuple[str, int]] = field(default_factory=list)
    """``vendor: domain domain …`` lines: registrable domains of one organisation."""
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


def refusal_finding(refusal: FileRefused) -> Finding:
    """The located finding for a file the tree may not hold or that cannot be read."""
    rule = {
        "link": rules.SYMLINK,
        "special": rules.SPECIAL_FILE,
        "too_large": rules.FILE_TOO_LARGE,
        "unreadable": rules.SPECIAL_FILE,
    }[refusal.kind]
    return rule.at(display_path(refusal.path), 1, 1, "", refusal.reason)


def _refusal(path: Path, mode: int) -> Finding:
    """The finding for a link or special file: the same words as a refused read."""
    try:
        refuse_special(path, mode)
    except FileRefused as refusal:
        return refusal_finding(refusal)
    raise AssertionError(f"{path} is a regular file")  # pragma: no cover


def walk_regular(top: Path) -> tuple[list[Path], list[Finding]]:
    """Every regular file below ``top``, sorted, never following a symbolic link.

    A link (to a file or a folder), a device, a pipe or a socket is a finding
    instead; so is ``top`` itself when it is a link. A missing ``top`` holds
    nothing.
    """
    files: list[Path] = []
    findings: list[Finding] = []
    try:
        mode = top.lstat().st_mode
    except FileNotFoundError:
        return files, findings
    except OSError as error:
        refusal = FileRefused(top, "unreadable", f"cannot be read: {error.strerror}")
        return files, [refusal_finding(refusal)]
    if stat.S_ISLNK(mode):
        return files, [_refusal(top, mode)]
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            refusal = FileRefused(folder, "unreadable", f"cannot be read: {error.strerror}")
            findings.append(refusal_finding(refusal))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # vanished while walking
            if stat.S_ISDIR(mode):
                pending.append(path)
            elif stat.S_ISREG(mode):
                files.append(path)
            else:
                findings.append(_refusal(path, mode))
    files.sort()
    return files, findings


def read_list_file(path: Path | None) -> tuple[list[tuple[str, int]], list[Finding]]:
    """Read a one-entry-per-line file (``#`` comments); missing file -> empty."""
    if path is None:
        return [], []
    try:
        raw = read_bounded(path, MAX_LIST_FILE_BYTES)
    except FileRefused as refusal:
        if refusal.kind == "unreadable" and not os.path.lexists(path):
            return [], []
        return [], [refusal_finding(refusal)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [], [rules.NOT_UTF8.at(display_path(path), 1, 1, "", "file is not valid UTF-8")]
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip().lower()
        if entry:
            entries.append((entry, number))
    return entries, []


Loaded = tuple[ManifestEntry | ToolspecEntry | None, list[Finding]]


@dataclass
class LoadCache:
    """What a long-running preview keeps between loads: each file parsed and validated once.

    An entry is reused while the file's size, modification time and inode are
    unchanged; anything else is read again. Builds never use one: they read
    every file.
    """

    entries: dict[tuple[str, bool], tuple[tuple[int, int, int], Loaded]] = field(
        default_factory=dict
    )
    rules: dict[str, tuple[object, object, tuple[Finding, ...]]] = field(default_factory=dict)
    """Per file, what lint's per-file rules found, with the two objects they were run on
    (the entry above and its policy or paired manifest): reused while both are the same."""
    encoded: dict[str, tuple[Manifest, str]] = field(default_factory=dict)
    """Per manifest ref, its JSON inside ``index.json`` (see ``build_index``)."""


def _load_entry(path: Path, shown: str, *, toolspecs: bool) -> Loaded:
    try:
        raw = read_bounded(path, MAX_BYTES)
    except FileRefused as refusal:
        return None, [refusal_finding(refusal)]
    doc, findings = parse_yaml(raw, shown)
    if doc is None:
        return None, findings
    if toolspecs:
        toolspec, problems = validate_document(doc, Toolspec)
        return (ToolspecEntry(shown, doc, toolspec) if toolspec else None), findings + problems
    manifest, problems = validate_document(doc, Manifest)
    return (ManifestEntry(shown, doc, manifest) if manifest else None), findings + problems


def _load_cached(path: Path, shown: str, *, toolspecs: bool, cache: LoadCache | None) -> Loaded:
    if cache is None:
        return _load_entry(path, shown, toolspecs=toolspecs)
    try:
        info = path.lstat()
        key = (info.st_mtime_ns, info.st_size, info.st_ino)
    except OSError:
        return _load_entry(path, shown, toolspecs=toolspecs)
    found = cache.entries.get((shown, toolspecs))
    if found is not None and found[0] == key:
        return found[1]
    loaded = _load_entry(path, shown, toolspecs=toolspecs)
    cache.entries[(shown, toolspecs)] = (key, loaded)
    return loaded


def _load_entries(
    top: Path | None, registry: Registry, findings: list[Finding], *, toolspecs: bool,
    cache: LoadCache | None = None,
) -> None:
    if top is None:
        return
    files, problems = walk_regular(top)
    findings.extend(problems)
    for path in files:
        shown = display_path(path)
        relative = path.relative_to(top)
        if len(relative.parts) != 2 or relative.suffix != ".yaml":
            registry.stray_files.append(shown)
            continue
        entry, problems = _load_cached(path, shown, toolspecs=toolspecs, cache=cache)
        findings.extend(problems)
        if isinstance(entry, ToolspecEntry):
            registry.toolspecs.append(entry)
        elif isinstance(entry, ManifestEntry):
            registry.manifests.append(entry)


def load_registry(
    layout: Layout, cache: LoadCache | None = None
) -> tuple[Registry, list[Finding]]:
    """Read and schema-validate every manifest and toolspec of ``layout``.

    Files that fail to parse or validate are left out of the registry and
    reported as findings; the caller decides whether to go on. ``cache``
    (a preview's) skips files unchanged since the last load.
    """
    registry = Registry(layout)
    findings: list[Finding] = []
    if not layout.manifests_dir.is_dir() and not layout.manifests_dir.is_symlink():
        findings.append(
            rules.NO_MANIFESTS.at(
                display_path(layout.manifests_dir), 1, 1, "", "no manifests directory"
            )
        )
    _load_entries(layout.manifests_dir, registry, findings, toolspecs=False, cache=cache)
    _load_entries(layout.toolspecs_dir, registry, findings, toolspecs=True, cache=cache)
    registry.denylist, problems = read_list_file(layout.denylist_file)
    findings.extend(problems)
    registry.wildcard_exceptions, problems = read_list_file(layout.wildcard_exceptions_file)
    findings.extend(problems)
    registry.vendor_domains, problems = read_list_file(layout.vendor_domains_file)
    findings.extend(problems)
    registry.manifests.sort(key=lambda e: (e.manifest.name.encode(), _version_sort_key(e)))
    registry.toolspecs.sort(key=lambda e: (e.toolspec.name.encode(), e.toolspec.version))
    return registry, findings
