"""``registryctl build`` and ``registryctl catalog`` (what ``invoke build``/``catalog`` run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.cli import main
from registry.load.tree import Layout, load_registry
from registry.progress import Progress
from registry.render.catalog import render_catalog
from registry.signing import generate_keypair, verify_index
from tests import factory


def test_build_signs_with_the_key_from_the_environment_and_never_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path / "registry")
    public, private = generate_keypair()
    monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", private + "\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    out, err = capsys.readouterr()
    assert "1 servers, 1 versions" in out and "index signed" in out
    assert "CATALOG.md is out of date" in err
    assert private not in out + err and private[:64] not in out + err
    dist = tmp_path / "dist"
    verify_index((dist / "index.json").read_bytes(),
                 (dist / "index.json.sig").read_text(), [public])


def test_build_without_a_key_says_the_index_is_unsigned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path / "registry")
    monkeypatch.delenv("GIG_INDEX_SIGNING_KEY", raising=False)
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    assert "UNSIGNED" in capsys.readouterr().out
    assert not (tmp_path / "dist" / "index.json.sig").exists()


def test_build_prints_every_lint_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path / "registry", [factory.manifest(tier="open")])
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 1
    out = capsys.readouterr().out
    assert "manifests/acme/0.1.0.yaml" in out and "tier" in out
    assert not (tmp_path / "dist").exists()


def test_catalog_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = factory.tree(tmp_path / "registry")
    assert main(["catalog", "--root", str(root), "--check"]) == 1
    assert main(["catalog", "--root", str(root)]) == 0
    registry, _ = load_registry(Layout.of_root(root))
    assert (root / "CATALOG.md").read_text(encoding="utf-8") == render_catalog(registry)
    assert main(["catalog", "--root", str(root), "--check"]) == 0
    assert main(["catalog", "--root", str(root)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert sorted(p.name for p in root.iterdir()) == [
        "CATALOG.md", "denylist", "manifests", "toolspecs"
    ]


def test_dist_is_readable_by_others_like_any_folder(tmp_path: Path) -> None:
    import os
    import stat

    root = factory.tree(tmp_path / "registry")
    old = os.umask(0o022)
    try:
        assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "dist").stat().st_mode) == 0o755


def test_build_reports_its_stages_on_stderr_unless_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path / "registry")
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    out, err = capsys.readouterr()
    stages = [line.split(",")[0] for line in err.splitlines() if line.startswith("build: ")]
    assert stages[0] == "build: lint"
    assert stages[1].startswith("build: pages (") and stages[2:] == [
        "build: search index", "build: done"
    ]
    assert "build:" not in out  # results on stdout, progress on stderr
    assert main(["build", "-q", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    assert "build:" not in capsys.readouterr().err


def test_progress_counts_the_pages_of_a_stage_at_most_once_per_interval() -> None:
    lines: list[str] = []
    now = [100.0]
    progress = Progress(lines.append, interval=5.0, clock=lambda: now[0])
    progress.stage("pages", 12)
    for _ in range(12):
        now[0] += 1.0
        progress.advance()
    progress.finish()
    assert lines == [
        "build: pages (12), 0 s\n",
        "build: pages 5/12, 5 s\n",
        "build: pages 10/12, 10 s\n",
        "build: done, 12 s\n",
    ]
