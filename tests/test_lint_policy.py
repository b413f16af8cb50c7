"""The aggregator policy: what the scan of the whole tree looks at, and what it leaves alone.

Each rule's own failing inputs are in tests/test_rules.py, keyed by the rule's code.
"""

from __future__ import annotations

from pathlib import Path

from tests import factory
from tests.factory import lint_errors


def test_the_projects_own_code_is_not_server_source(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    for relative in ("registry/ok.py", "tests/test_ok.py", "tasks.py", "scripts/x.sh",
                     "benchmarks/bench.py", ".github/hook.sh", ".ci/run.sh"):
        factory.write(tmp_path, relative, "x = 1\n")
    assert lint_errors(tmp_path) == []


def test_examples_folders_are_reported_once_each(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "docs/examples/a.md", "x\n")
    factory.write(tmp_path, "docs/examples/b.md", "x\n")
    factory.write(tmp_path, "examples/c/main.go", "package main\n")
    root = tmp_path.as_posix()
    assert [line.split(": error:")[0] for line in lint_errors(tmp_path)] == [
        f"{root}/docs/examples:1:1",
        f"{root}/examples:1:1",
    ]


def test_build_staging_folders_are_not_scanned(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, ".dist.new-abc123/site/assets/app.js", "let x = 1;\n")
    factory.write(tmp_path, ".hidden/server.go", "package main\n")
    lines = lint_errors(tmp_path)
    assert len(lines) == 1 and ".hidden/server.go" in lines[0] and lines[0].endswith("[A003]")


def test_tool_output_folders_are_skipped_only_at_the_root(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    for folder in ("node_modules", "dist", "build", ".venv", "site", "gigmcp.egg-info"):
        factory.write(tmp_path, f"{folder}/lib/index.js", "module.exports = 1;\n")
    assert lint_errors(tmp_path) == []
    factory.write(tmp_path, "docs/node_modules/index.js", "module.exports = 1;\n")
    assert [line.rsplit(" ", 1)[1] for line in lint_errors(tmp_path)] == ["[F007]"]
