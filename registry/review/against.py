"""Entitlement diffs for review: two versions in a tree, or a branch against a git ref.

``diff_refs`` compares ``NAME@OLD`` with ``NAME@NEW`` from the working tree,
toolspecs included. ``review_against`` is the pull-request view: for every
server version whose manifest or toolspec changed since a git ref (or the
ones named), compare it with the same version at that ref, or else with the
highest lower version of the server at that ref, or else treat it as a new
server. Files at the ref are read with ``git show`` and go through
the same hardened loader and schema as everything else; nothing from them is
trusted further than that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from registry.errors import FileRefused, Finding, RegistryError
from registry.fileio import read_bounded
from registry.git import run_git, split_z
from registry.layout import (
    MANIFESTS,
    TOOLSPECS,
    display_path,
    entry_path,
    manifest_path,
    parse_entry_path,
    parse_server_ref,
    version_key,
)
from registry.load.schema import M, Manifest, Toolspec, validate_document
from registry.load.yaml_loader import MAX_BYTES, parse_yaml
from registry.review.diff import EntitlementDiff, entitlement_diff


def read_document(raw: bytes, path: str, model: type[M]) -> tuple[M | None, list[Finding]]:
    """Parse and schema-validate one manifest's or toolspec's bytes (from disk or from git)."""
    doc, findings = parse_yaml(raw, path)
    if doc is None:
        return None, findings
    return validate_document(doc, model)


def read_manifest(raw: bytes, path: str) -> tuple[Manifest | None, list[Finding]]:
    """Parse and schema-validate one manifest's bytes."""
    return read_document(raw, path, Manifest)


def _findings_error(message: str, findings: Sequence[Finding]) -> RegistryError:
    lines = [message, *(f"  {finding.format()}" for finding in sorted(findings))]
    return RegistryError("\n".join(lines))


def _read(path: Path, what: str = "manifest") -> bytes:
    try:
        return read_bounded(path, MAX_BYTES)
    except FileRefused as refusal:
        if not path.exists() and not path.is_symlink():
            raise RegistryError(f"{display_path(path)}: no such {what}") from None
        raise RegistryError(str(refusal)) from None


def _load(root: Path, name: str, version: str) -> tuple[Manifest, Toolspec | None]:
    path = manifest_path(root, name, version)
    shown = display_path(path)
    manifest, findings = read_manifest(_read(path), shown)
    if manifest is None:
        raise _findings_error(f"{shown}: not a valid manifest:", findings)
    spec_path = root / entry_path("toolspec", name, version)
    if not spec_path.exists() and not spec_path.is_symlink():
        return manifest, None
    spec, findings = read_document(_read(spec_path, "toolspec"), display_path(spec_path), Toolspec)
    if spec is None:
        raise _findings_error(f"{display_path(spec_path)}: not a valid toolspec:", findings)
    return manifest, spec


def diff_refs(root: Path, old: str, new: str) -> EntitlementDiff:
    """The entitlement diff from ``old`` to ``new`` (both ``NAME@VERSION``) under ``root``."""
    old_manifest, old_spec = _load(root, *parse_server_ref(old))
    new_manifest, new_spec = _load(root, *parse_server_ref(new))
    return entitlement_diff(
        old_manifest, new_manifest, old_toolspec=old_spec, new_toolspec=new_spec
    )


# --- against a git ref -----------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """Every changed server version's diff against ``git_ref``, in path order."""

    git_ref: str
    diffs: tuple[EntitlementDiff, ...]
    removed: tuple[str, ...]
    """Manifest paths that exist at the ref but not in the working tree."""
    notes: tuple[str, ...]
    """Things a reviewer should know, e.g. an old version that could not be read."""

    @property
    def escalates(self) -> bool:
        return any(diff.escalates for diff in self.diffs)


def _version_of(relative: str) -> tuple[str, str] | None:
    """``manifests/`` or ``toolspecs/<name>/<version>.yaml`` -> ``(name, version)``."""
    parsed = parse_entry_path(relative)
    return (parsed[1], parsed[2]) if parsed is not None else None


def _relative_to_root(root: Path, given: Path) -> str:
    if given.is_absolute():
        try:
            given = given.resolve().relative_to(root.resolve())
        except ValueError as exc:
            raise RegistryError(f"{given}: not inside {display_path(root)}") from exc
    return given.as_posix()


def _git(root: Path, *args: str) -> bytes:
    return run_git(args, cwd=root, what=f"reading {args[0]} for the review")


@dataclass(frozen=True)
class _AtRef:
    """The registry's entry files at the reviewed git ref."""

    root: Path
    git_ref: str
    commit: str
    prefix: str
    paths: frozenset[str]

    def read(self, relative: str) -> bytes:
        return _git(self.root, "show", f"{self.commit}:{self.prefix}{relative}")

    def base_version(self, name: str, version: str) -> str | None:
        """The version the diff starts from: the same one, else the highest lower one."""
        if entry_path("manifest", name, version) in self.paths:
            return version
        lower = []
        for candidate in self.paths:
            parsed = parse_entry_path(candidate)
            if (
                parsed is not None and parsed[0] == "manifest" and parsed[1] == name
                and version_key(parsed[2]) < version_key(version)
            ):
                lower.append(parsed[2])
        return max(lower, key=version_key) if lower else None


def review_against(root: Path, git_ref: str, paths: Sequence[Path] = ()) -> Review:
    """Diff each server version changed since ``git_ref`` (or named) with its old self.

    A version is changed when its manifest or its toolspec is. The old side
    is, in order: the same version at ``git_ref``; the highest lower version
    of the same server at ``git_ref``; nothing (a new server). Paths are
    relative to ``root``, which must be inside a git work tree.
    """
    if not git_ref or git_ref.startswith("-"):
        raise RegistryError(f"{git_ref!r} is not a git ref")
    # Where root sits in the work tree: git lists paths from the top.
    prefix = _git(root, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape").strip()
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                      f"{git_ref}^{{commit}}").decode().strip()
    except RegistryError as exc:
        raise RegistryError(f"{git_ref!r} is not a commit of this repository") from exc
    listed = split_z(_git(root, "ls-tree", "-r", "-z", "--full-tree", "--name-only", commit))
    at_ref = _AtRef(root, git_ref, commit, prefix, frozenset(
        p[len(prefix):] for p in listed
        if p.startswith(prefix) and _version_of(p[len(prefix):]) is not None
    ))
    if paths:
        wanted = [_relative_to_root(root, p) for p in paths]
        for relative in wanted:
            if _version_of(relative) is None:
                raise RegistryError(
                    f"{relative}: expected manifests/ or toolspecs/<name>/<version>.yaml"
                )
    else:
        folders = [f"{MANIFESTS}/", f"{TOOLSPECS}/"]
        changed = split_z(_git(root, "diff", "--name-only", "--no-renames", "-z", commit,
                               "--", *folders))
        untracked = split_z(_git(root, "ls-files", "--others", "--exclude-standard",
                                 "--full-name", "-z", "--", *folders))
        wanted = [p[len(prefix):] for p in (*changed, *untracked) if p.startswith(prefix)]
    versions = sorted(
        {v for v in (_version_of(relative) for relative in wanted) if v is not None},
        key=lambda v: (v[0].encode(), version_key(v[1])),
    )
    diffs: list[EntitlementDiff] = []
    removed: list[str] = []
    notes: list[str] = []
    problems: list[Finding] = []
    for name, version in versions:
        relative = entry_path("manifest", name, version)
        file = root / relative
        if not file.exists() and not file.is_symlink():
            if relative in at_ref.paths:
                removed.append(relative)
            elif entry_path("toolspec", name, version) not in at_ref.paths:
                raise RegistryError(f"{relative}: no such manifest, here or at {git_ref}")
            continue
        new, new_spec, found = _read_version(root, name, version)
        problems += found
        if new is None:
            continue
        old = old_spec = None
        base = at_ref.base_version(name, version)
        if base is not None:
            old, old_spec, found = _read_version_at(at_ref, name, base)
            if old is None:
                notes.append(
                    f"{git_ref}:{entry_path('manifest', name, base)} is not a valid manifest; "
                    f"{relative} is shown as a new server"
                )
        diffs.append(entitlement_diff(old, new, old_toolspec=old_spec, new_toolspec=new_spec))
    if problems:
        raise _findings_error("cannot diff invalid manifests or toolspecs:", problems)
    return Review(git_ref, tuple(diffs), tuple(removed), tuple(notes))


def _read_version(
    root: Path, name: str, version: str
) -> tuple[Manifest | None, Toolspec | None, list[Finding]]:
    file = root / entry_path("manifest", name, version)
    manifest, findings = read_manifest(_read(file), display_path(file))
    spec_file = root / entry_path("toolspec", name, version)
    spec = None
    if spec_file.exists() or spec_file.is_symlink():
        spec, spec_findings = read_document(
            _read(spec_file, "toolspec"), display_path(spec_file), Toolspec
        )
        findings += spec_findings
    return manifest, spec, findings


def _read_version_at(
    at_ref: _AtRef, name: str, version: str
) -> tuple[Manifest | None, Toolspec | None, list[Finding]]:
    relative = entry_path("manifest", name, version)
    manifest, findings = read_manifest(at_ref.read(relative), f"{at_ref.git_ref}:{relative}")
    spec_relative = entry_path("toolspec", name, version)
    spec = None
    if spec_relative in at_ref.paths:
        spec, spec_findings = read_document(
            at_ref.read(spec_relative), f"{at_ref.git_ref}:{spec_relative}", Toolspec
        )
        findings += spec_findings
    return manifest, spec, findings
