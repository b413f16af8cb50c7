"""The aggregator policy and the registry's list files."""

from __future__ import annotations

from pathlib import Path

from tests import factory
from tests.test_lint_manifest import lint_lines


def test_server_source_outside_the_project_is_rejected(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "cmd/server/main.go", "package main\n")
    factory.write(tmp_path, "registry/ok.py", "x = 1\n")
    factory.write(tmp_path, "tests/test_ok.py", "x = 1\n")
    lines = lint_lines(tmp_path)
    assert [line for line in lines if "aggregator policy" in line] == [
        f"{tmp_path.as_posix()}/cmd/server/main.go:1:1: error: server source code does not "
        "belong in the registry (aggregator policy): it lives in the author's repository"
    ]


def test_examples_folders_are_rejected_once(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "docs/examples/a.md", "x\n")
    factory.write(tmp_path, "docs/examples/b.md", "x\n")
    lines = [line for line in lint_lines(tmp_path) if "examples/ folders" in line]
    assert len(lines) == 1 and "docs/examples:1:1" in lines[0]


def test_stray_files_in_manifests_and_toolspecs(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "manifests/README.md", "x\n")
    factory.write(tmp_path, "manifests/acme/notes.txt", "x\n")
    factory.write(tmp_path, "toolspecs/acme/deep/0.1.0.yaml", "x: 1\n")
    lines = [line for line in lint_lines(tmp_path, policy=False) if "only <name>" in line]
    assert len(lines) == 3, lines


def test_images_hold_only_dockerfiles(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "images/toolpack/Dockerfile", "FROM scratch\n")
    factory.write(tmp_path, "images/toolpack/server.go", "package main\n")
    lines = lint_lines(tmp_path)
    assert any("images/toolpack/server.go" in line and "holds only a Dockerfile" in line
               for line in lines), lines


def test_builder_recipe_must_exist(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "images/go-static/Dockerfile", "FROM scratch\n")
    lines = lint_lines(tmp_path)
    assert any("no build recipe images/toolpack/Dockerfile" in line for line in lines), lines


def test_invalid_denylist_entries_are_reported(tmp_path: Path) -> None:
    factory.tree(tmp_path, denylist="ok.example.com\nbad..example.com  # typo\n")
    lines = lint_lines(tmp_path, policy=False)
    assert lines == [
        f"{tmp_path.as_posix()}/denylist/exfil-domains.txt:2:1: error: bad..example.com: "
        "has an empty label"
    ]


def test_invalid_wildcard_exceptions_are_reported(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "policy/allowed-wildcards.txt", "# reviewed\nmyshopify.com\n")
    lines = lint_lines(tmp_path, policy=False)
    assert any("allowed-wildcards.txt:2:1" in line and "must be a wildcard" in line
               for line in lines), lines


def test_build_staging_folders_are_not_scanned(tmp_path: Path) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, ".dist.new-abc123/site/assets/app.js", "let x = 1;\n")
    factory.write(tmp_path, ".hidden/server.go", "package main\n")
    lines = [line for line in lint_lines(tmp_path) if "aggregator policy" in line]
    assert len(lines) == 1 and ".hidden/server.go" in lines[0]
