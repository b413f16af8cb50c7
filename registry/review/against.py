"""Entitlement diffs for review: two versions in a tree, or a branch against a git ref.

``diff_refs`` compares ``NAME@OLD`` with ``NAME@NEW`` from the working tree.
``review_against`` is the pull-request view: for every manifest changed since
a git ref (or the ones named), compare it with the same file at that ref, or
else with the highest lower version of the server at that ref, or else treat
it as a new server. Files at the ref are read with ``git show`` and go through
the same hardened loader and schema as everything else; nothing from them is
trusted further than that.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from registry.errors import Finding, RegistryError
from registry.images.pin import manifest_file
from registry.load.schema import Manifest, validate_document
from registry.load.tree import MANIFESTS, display_path
from registry.load.yaml_loader import parse_yaml
from registry.review.diff import (
    EntitlementDiff,
    entitlement_diff,
    escape_markdown,
    render_markdown,
    render_text,
    to_json,
)
from registry.semver import is_version, version_key

GIT_TIMEOUT = 120


def parse_server_ref(text: str) -> tuple[str, str]:
    """``name@version`` -> ``(name, version)``."""
    name, at, version = text.partition("@")
    if not at or not name or not is_version(version):
        raise RegistryError(f"{text[:80]!r}: expected NAME@VERSION, e.g. linear@0.1.0")
    return name, version


def read_manifest(raw: bytes, path: str) -> tuple[Manifest | None, list[Finding]]:
    """Parse and schema-validate one manifest's bytes (from disk or from git)."""
    doc, findings = parse_yaml(raw, path)
    if doc is None:
        return None, findings
    return validate_document(doc, Manifest)


def _findings_error(message: str, findings: Sequence[Finding]) -> RegistryError:
    lines = [message, *(f"  {finding.format()}" for finding in sorted(findings))]
    return RegistryError("\n".join(lines))


def _load(root: Path, name: str, version: str) -> Manifest:
    path = manifest_file(root, name, version)
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegistryError(f"{shown}: no such manifest") from exc
    except OSError as exc:
        raise RegistryError(f"{shown}: cannot read: {exc.strerror}") from exc
    manifest, findings = read_manifest(raw, shown)
    if manifest is None:
        raise _findings_error(f"{shown}: not a valid manifest:", findings)
    return manifest


def diff_refs(root: Path, old: str, new: str) -> EntitlementDiff:
    """The entitlement diff from ``old`` to ``new`` (both ``NAME@VERSION``) under ``root``."""
    old_manifest = _load(root, *parse_server_ref(old))
    return entitlement_diff(old_manifest, _load(root, *parse_server_ref(new)))


# --- against a git ref -----------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """Every changed manifest's diff against ``git_ref``, in path order."""

    git_ref: str
    diffs: tuple[EntitlementDiff, ...]
    removed: tuple[str, ...]
    """Manifest paths that exist at the ref but not in the working tree."""
    notes: tuple[str, ...]
    """Things a reviewer should know, e.g. an old version that could not be read."""

    @property
    def escalates(self) -> bool:
        return any(diff.escalates for diff in self.diffs)


def _git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT,
        )
    except FileNotFoundError as exc:
        raise RegistryError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RegistryError(f"git {args[0]} failed: {message[0] if message else proc.returncode}")
    return proc.stdout


def _paths(output: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p]


def _manifest_parts(relative: str) -> tuple[str, str] | None:
    """``manifests/<name>/<version>.yaml`` -> ``(name, version)``; else ``None``."""
    parts = PurePosixPath(relative).parts
    if len(parts) != 3 or parts[0] != MANIFESTS or not parts[2].endswith(".yaml"):
        return None
    version = parts[2][: -len(".yaml")]
    return (parts[1], version) if is_version(version) else None


def _relative_to_root(root: Path, given: Path) -> str:
    if given.is_absolute():
        try:
            given = given.resolve().relative_to(root.resolve())
        except ValueError as exc:
            raise RegistryError(f"{given}: not inside {display_path(root)}") from exc
    return given.as_posix()


def review_against(root: Path, git_ref: str, paths: Sequence[Path] = ()) -> Review:
    """Diff each manifest changed since ``git_ref`` (or each of ``paths``) with its old self.

    The old side is, in order: the same path at ``git_ref``; the highest lower
    version of the same server at ``git_ref``; nothing (a new server). Paths
    are relative to ``root``, which must be inside a git work tree.
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
    at_ref = {
        p[len(prefix):]
        for p in _paths(_git(root, "ls-tree", "-r", "-z", "--full-tree", "--name-only", commit))
        if p.startswith(prefix + MANIFESTS + "/")
    }
    if paths:
        wanted = [_relative_to_root(root, p) for p in paths]
        for relative in wanted:
            if _manifest_parts(relative) is None:
                raise RegistryError(f"{relative}: expected manifests/<name>/<version>.yaml")
    else:
        changed = _paths(_git(root, "diff", "--name-only", "--no-renames", "-z", commit,
                              "--", MANIFESTS + "/"))
        untracked = _paths(_git(root, "ls-files", "--others", "--exclude-standard", "--full-name",
                                "-z", "--", MANIFESTS + "/"))
        wanted = [p[len(prefix):] for p in (*changed, *untracked) if p.startswith(prefix)]
    diffs: list[EntitlementDiff] = []
    removed: list[str] = []
    notes: list[str] = []
    problems: list[Finding] = []
    for relative in sorted(set(wanted), key=str.encode):
        parts = _manifest_parts(relative)
        if parts is None:
            continue  # not a manifest file; lint reports strays
        file = root / relative
        if not file.is_file():
            if relative not in at_ref:
                raise RegistryError(f"{relative}: no such manifest, here or at {git_ref}")
            removed.append(relative)
            continue
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise RegistryError(f"{display_path(file)}: cannot read: {exc.strerror}") from exc
        new, findings = read_manifest(raw, display_path(file))
        if new is None:
            problems.extend(findings)
            continue
        old_path = _old_path(relative, parts, at_ref)
        old = None
        if old_path is not None:
            old_raw = _git(root, "show", f"{commit}:{prefix}{old_path}")
            old, findings = read_manifest(old_raw, f"{git_ref}:{old_path}")
            if old is None:
                notes.append(
                    f"{git_ref}:{old_path} is not a valid manifest; "
                    f"{relative} is shown as a new server"
                )
        diffs.append(entitlement_diff(old, new))
    if problems:
        raise _findings_error("cannot diff invalid manifests:", problems)
    return Review(git_ref, tuple(diffs), tuple(removed), tuple(notes))


def _old_path(relative: str, parts: tuple[str, str], at_ref: set[str]) -> str | None:
    if relative in at_ref:
        return relative
    name, version = parts
    lower = []
    for candidate in at_ref:
        other = _manifest_parts(candidate)
        if other is not None and other[0] == name and version_key(other[1]) < version_key(version):
            lower.append((version_key(other[1]), candidate))
    return max(lower)[1] if lower else None


# --- rendering a review ------------------------------------------------------------


def review_to_json(review: Review) -> dict[str, object]:
    """``{git_ref, escalates, diffs, removed, notes}``, JSON-serialisable."""
    return {
        "git_ref": review.git_ref,
        "escalates": review.escalates,
        "diffs": [to_json(diff) for diff in review.diffs],
        "removed": list(review.removed),
        "notes": list(review.notes),
    }


def render_review(review: Review, output_format: str) -> str:
    """The review as ``text``, ``markdown`` (a job summary) or ``json``."""
    if output_format == "json":
        return json.dumps(review_to_json(review), indent=2, ensure_ascii=False) + "\n"
    markdown = output_format == "markdown"
    render = render_markdown if markdown else render_text
    parts = [render(diff) for diff in review.diffs]
    for path in review.removed:
        parts.append(f"{escape_markdown(path) if markdown else path}: removed\n")
    if not parts:
        ref = escape_markdown(review.git_ref) if markdown else review.git_ref
        parts.append(f"no manifest changes against {ref}\n")
    return "\n".join(parts)
