"""The aggregator policy: the registry holds manifests and build recipes, never server code.

A server's source lives in its author's repository. This scan walks the whole
registry tree and flags anything that looks like smuggled server code, stray
files where only ``<name>/<version>.yaml`` belongs, and ``examples/`` folders.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from registry.errors import Finding
from registry.load.tree import SKIPPED_DIRS

SOURCE_SUFFIXES = frozenset(
    {".go", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rs", ".java", ".kt",
     ".c", ".h", ".cc", ".cpp", ".hpp", ".rb", ".php", ".cs", ".swift", ".scala", ".ex",
     ".exs", ".lua", ".pl", ".sh", ".zig", ".wasm", ".so", ".dylib", ".dll", ".jar", ".exe"}
)

# The project's own code and tooling; everything else must be data or docs.
OWN_CODE = (
    "registry/",
    "tests/",
    "tasks.py",
    "scripts/",
    "benchmarks/",
    ".ci/",
    ".github/",
    "docs/assets/",
    "site_templates/",
)

IMAGE_FILES = frozenset({"Dockerfile", "README.md", ".dockerignore"})


def _walk(root: Path) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        # `.dist.new-*` and `.dist.old-*` are the site build's staging folders.
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIPPED_DIRS and not d.endswith(".egg-info") and not d.startswith(".dist.")
        )
        base = Path(dirpath).relative_to(root)
        for name in filenames:
            files.append((base / name).as_posix())
    return sorted(files)


def policy_findings(root: Path) -> list[Finding]:
    """Findings for everything in ``root`` that breaks the aggregator policy."""
    findings = []
    shown = root.as_posix().rstrip("/")
    prefix = "" if shown in ("", ".") else shown + "/"
    examples_reported: set[str] = set()
    for relative in _walk(root):
        parts = PurePosixPath(relative).parts
        if "examples" in parts[:-1]:
            folder = "/".join(parts[: parts.index("examples") + 1])
            if folder not in examples_reported:
                examples_reported.add(folder)
                findings.append(
                    Finding(prefix + folder, 1, 1, "", "examples/ folders are not allowed: "
                            "server code and samples live in the server's own repository")
                )
            continue
        if parts[0] == "images":
            if len(parts) != 3 or parts[2] not in IMAGE_FILES:
                findings.append(
                    Finding(prefix + relative, 1, 1, "",
                            "images/<builder>/ holds only a Dockerfile (and README.md)")
                )
            continue
        suffix = PurePosixPath(relative).suffix.lower()
        if suffix in SOURCE_SUFFIXES and not relative.startswith(OWN_CODE):
            findings.append(
                Finding(prefix + relative, 1, 1, "", "server source code does not belong in "
                        "the registry (aggregator policy): it lives in the author's repository")
            )
    return findings
