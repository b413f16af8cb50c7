"""Build arguments for the image builders, taken from one linted manifest.

The build-images workflow appends ``registryctl build-args`` output to
``$GITHUB_OUTPUT`` and passes the values to ``docker build --build-arg``. Lint
already restricts these fields, but the values end up in a shell-adjacent
file format and a build command, so they are checked again here against a
small character set: a newline would let a manifest set arbitrary workflow
outputs, and a leading ``-`` could be read as an option.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from registry.errors import LintFailed, RegistryError
from registry.layout import MANIFESTS, is_version, version_key
from registry.lint.runner import lint_paths
from registry.load.schema import Manifest

BUILD_ARG_KEYS = ("SOURCE_REPO", "SOURCE_TAG", "PACKAGE", "BUILDER", "NAME", "VERSION")
MAX_VALUE = 256
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._/+-]+")
_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def value_problem(key: str, value: str) -> str | None:
    """Why ``value`` is not safe as a build argument (``None``: it is)."""
    if not value:
        return "is empty"
    if len(value) > MAX_VALUE:
        return f"is longer than {MAX_VALUE} characters"
    if not _SAFE_VALUE.fullmatch(value):
        bad = sorted({c for c in value if not _SAFE_VALUE.fullmatch(c)})
        shown = ", ".join(repr(c) for c in bad[:5])
        return f"holds characters outside A-Z a-z 0-9 . _ / + - ({shown})"
    if value.startswith("-"):
        return "must not start with '-'"
    if ".." in value.split("/"):
        return "must not contain a '..' path segment"
    if key == "PACKAGE" and value.startswith("/"):
        return "must be relative to the repository root"
    return None


def _check(pairs: Sequence[tuple[str, str]], what: str) -> None:
    problems = []
    for key, value in pairs:
        if not _KEY.fullmatch(key):
            problems.append(f"{key!r}: not a valid build-arg name")
            continue
        problem = value_problem(key, value)
        if problem is not None:
            problems.append(f"{key} {problem}")
    if problems:
        raise RegistryError(f"{what}: unsafe build args: {'; '.join(problems)}")


def build_args(manifest: Manifest) -> list[tuple[str, str]]:
    """The builder's arguments for ``manifest``, in a fixed order.

    Raises :class:`RegistryError` when any value is not safe to write to
    ``$GITHUB_OUTPUT`` or pass to ``docker build``.
    """
    pairs = [
        ("SOURCE_REPO", manifest.source.repo),
        ("SOURCE_TAG", manifest.source.tag),
        ("PACKAGE", manifest.source.package or "."),
        ("BUILDER", manifest.image.effective_builder),
        ("NAME", manifest.name),
        ("VERSION", manifest.version),
    ]
    _check(pairs, manifest.ref)
    return pairs


def render_build_args(pairs: Sequence[tuple[str, str]]) -> str:
    """``KEY=value`` lines, each ending in a newline; checks every pair again."""
    _check(pairs, "build args")
    return "".join(f"{key}={value}\n" for key, value in pairs)


# --- resolving the command-line argument --------------------------------------------


def resolve_manifest_path(path: Path) -> tuple[Path, Path]:
    """``manifests/<name>`` (its highest version) or ``manifests/<name>/<version>.yaml``.

    Returns ``(root, file)``: the registry tree holding the manifest and the
    manifest file itself.
    """
    usage = f"{path}: expected manifests/<name> or manifests/<name>/<version>.yaml"
    if path.is_dir():
        if path.parent.name != MANIFESTS:
            raise RegistryError(usage)
        versions = [f.stem for f in path.glob("*.yaml") if f.is_file() and is_version(f.stem)]
        if not versions:
            raise RegistryError(f"{path}: no <version>.yaml manifest in this folder")
        return path.parent.parent, path / f"{max(versions, key=version_key)}.yaml"
    if path.suffix != ".yaml" and path.parent.name == MANIFESTS:
        raise RegistryError(f"{path}: no such server folder")
    if path.suffix != ".yaml" or path.parent.parent.name != MANIFESTS:
        raise RegistryError(usage)
    if not path.is_file():
        raise RegistryError(f"{path}: no such manifest")
    return path.parent.parent.parent, path


def manifest_at(path: Path) -> Manifest:
    """Lint the tree ``path`` belongs to, then return the manifest ``path`` names.

    Raises :class:`LintFailed` (with every finding) when the tree does not
    pass lint, and :class:`RegistryError` when ``path`` is not a manifest.
    """
    root, file = resolve_manifest_path(path)
    result = lint_paths(root)
    if result.failed:
        raise LintFailed(result.findings)
    target = file.resolve()
    for entry in result.registry.manifests:
        if Path(entry.path).resolve() == target:
            manifest = entry.manifest
            # Lint checks this too; repeated because the path is what the caller asked for.
            if (manifest.name, f"{manifest.version}.yaml") != (file.parent.name, file.name):
                raise RegistryError(f"{file}: name/version fields do not match the path")
            return manifest
    raise RegistryError(f"{file}: not a valid manifest")
