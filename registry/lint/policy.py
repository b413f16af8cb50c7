"""The aggregator policy and the content folders: data and recipes, never server code.

A server's source lives in its author's repository. This scan walks the whole
registry tree and flags anything that looks like smuggled server code,
``examples/`` folders, files in ``images/<builder>/`` other than its recipe,
files in ``docs/`` the site does not serve, and any symbolic link, device or
pipe in a content folder (``policy/``, ``denylist/``, ``images/``, ``docs/``;
``manifests/`` and ``toolspecs/`` are checked as they are loaded). Only the
tools' own output folders at the root of a checkout are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from registry import rules
from registry.errors import Finding
from registry.layout import (
    CONTENT_DIRS,
    DOCS,
    DOCS_SUFFIXES,
    IMAGE_RECIPE_FILES,
    IMAGES,
    MANIFESTS,
    SKIPPED_ROOT_DIRS,
    TOOLSPECS,
)
from registry.load.tree import walk_regular

SOURCE_SUFFIXES = frozenset(
    {".go", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rs", ".java", ".kt",
     ".c", ".h", ".cc", ".cpp", ".hpp", ".rb", ".php", ".cs", ".swift", ".scala", ".ex",
     ".exs", ".lua", ".pl", ".sh", ".zig", ".wasm", ".so", ".dylib", ".dll", ".jar", ".exe"}
)

# The project's own code and tooling; everything else must be data or docs.
OWN_CODE_DIRS = ("registry/", "tests/", "scripts/", "benchmarks/", ".ci/", ".github/")
OWN_CODE_FILES = frozenset({"tasks.py"})


def _root_files(root: Path) -> list[str]:
    """Files outside the content folders, relative to ``root``, sorted."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath).relative_to(root)
        if base == Path():
            # `.dist.new-*` and `.dist.old-*` are the site build's staging folders.
            dirnames[:] = [
                d for d in dirnames
                if d not in SKIPPED_ROOT_DIRS and d not in CONTENT_DIRS
                and not d.endswith(".egg-info") and not d.startswith(".dist.")
            ]
        dirnames.sort()
        for name in filenames:
            files.append((base / name).as_posix())
    return sorted(files)


def _content_files(root: Path, prefix: str) -> tuple[list[str], list[Finding]]:
    files: list[str] = []
    findings: list[Finding] = []
    for folder in CONTENT_DIRS:
        if folder in (MANIFESTS, TOOLSPECS):
            continue  # the loader walks these the same way
        paths, problems = walk_regular(root / folder)
        findings.extend(problems)
        files.extend(path.relative_to(root).as_posix() for path in paths)
    return files, findings


def policy_findings(root: Path) -> list[Finding]:
    """Findings for everything in ``root`` that breaks the aggregator policy."""
    shown = root.as_posix().rstrip("/")
    prefix = "" if shown in ("", ".") else shown + "/"
    content, findings = _content_files(root, prefix)
    examples_reported: set[str] = set()
    for relative in sorted([*_root_files(root), *content]):
        parts = PurePosixPath(relative).parts
        if "examples" in parts[:-1]:
            folder = "/".join(parts[: parts.index("examples") + 1])
            if folder not in examples_reported:
                examples_reported.add(folder)
                findings.append(rules.EXAMPLES_FOLDER.at(
                    prefix + folder, 1, 1, "", "examples/ folders are not allowed: "
                    "server code and samples live in the server's own repository",
                ))
            continue
        if parts[0] == IMAGES:
            if len(parts) != 3 or parts[2] not in IMAGE_RECIPE_FILES:
                findings.append(rules.IMAGE_FOLDER_FILE.at(
                    prefix + relative, 1, 1, "",
                    "images/<builder>/ holds only a Dockerfile (and README.md)",
                ))
            continue
        suffix = PurePosixPath(relative).suffix.lower()
        if parts[0] == DOCS:
            if suffix not in DOCS_SUFFIXES:
                allowed = ", ".join(sorted(DOCS_SUFFIXES))
                findings.append(rules.DOCS_FILE_KIND.at(
                    prefix + relative, 1, 1, "",
                    f"docs/ holds only pages and images ({allowed}): the site's scripts and "
                    "styles ship with the registry package",
                ))
            continue
        own = relative in OWN_CODE_FILES or relative.startswith(OWN_CODE_DIRS)
        if suffix in SOURCE_SUFFIXES and not own:
            findings.append(rules.SERVER_SOURCE.at(
                prefix + relative, 1, 1, "", "server source code does not belong in "
                "the registry (aggregator policy): it lives in the author's repository",
            ))
    return findings
