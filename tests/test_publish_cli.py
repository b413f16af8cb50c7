"""``registryctl publish`` and ``keygen --write-public`` at the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.cli import main
from registry.signing import generate_keypair, sign_index, verify_index
from tests import factory
from tests.factory import git, registry_repo
from tests.fake_github import TOKEN, FakeGitHub, read_latest_via_api

PROJECT = Path(__file__).resolve().parents[1]
ENV_NAMES = (
    "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_SHA",
    "GITHUB_ACTIONS", "GIG_INDEX_SIGNING_KEY", "GIG_SIGNING_KEY", "GIG_PAGES_REMOTE",
    "GIG_SITE_URL", "SOURCE_DATE_EPOCH",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_keygen_writes_only_the_public_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    target = tmp_path / "keys" / "registry.pub"
    target.parent.mkdir()
    assert main(["keygen", "--write-public", str(target)]) == 0
    out = capsys.readouterr()
    lines = dict(line.split(": ", 1) for line in out.out.splitlines())
    assert target.read_text() == lines["public"] + "\n"
    assert lines["private"] not in target.read_text()
    assert "GIG_INDEX_SIGNING_KEY" in out.err
    index = b"{}"
    verify_index(index, sign_index(index, lines["private"]), [target.read_text().strip()])


def test_publish_end_to_end_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    public, private = generate_keypair()
    root = registry_repo(tmp_path / "r", public)
    pages = tmp_path / "pages.git"
    git(tmp_path, "init", "-q", "--bare", str(pages))
    with FakeGitHub() as fake:
        monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", private)
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
        monkeypatch.setenv("GIG_PAGES_REMOTE", str(pages))
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        code = main(["publish", "--root", str(root), "--repo", fake.repo,
                     "--config", str(PROJECT / "mkdocs.yml")])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "released index-20260101T000000Z as latest" in out.out
        assert "pages: gh-pages at " in out.out
        live = read_latest_via_api(fake)
        assert live is not None and live.tag == "index-20260101T000000Z"
        # The release points at the commit that was published.
        head = factory.git(root, "rev-parse", "HEAD").strip()
        assert fake.tags[live.tag] == head


def test_dry_run_prints_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    public, private = generate_keypair()
    root = registry_repo(tmp_path / "r", public)
    monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", private)
    code = main(["publish", "--root", str(root), "--repo", "gigmcp/registry", "--skip-pages",
                 "--dry-run", "--config", str(PROJECT / "mkdocs.yml")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "plan: release: create draft release index-" in out.out
    assert "GitHub not queried: no token" in out.out
    assert "plan: pages: skipped" in out.out
    assert "dry run: nothing was changed" in out.out
    assert not (root / "dist").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--skip-pages"], "no repository for the release"),
        (["--skip-release"], "no Pages remote"),
    ],
)
def test_missing_targets_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["publish", "--root", str(tmp_path), *args]) == 1
    assert message in capsys.readouterr().err


def test_lint_failure_prints_every_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    public, private = generate_keypair()
    root = registry_repo(tmp_path / "r", public)
    bad = factory.manifest(name="broken", tier="unknown")
    factory.write(root, "manifests/broken/0.1.0.yaml", factory.to_yaml(bad))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bad")
    monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", private)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code = main(["publish", "--root", str(root), "--skip-release", "--skip-pages"])
    err = capsys.readouterr().err
    assert code == 1
    assert "manifests/broken/0.1.0.yaml:" in err
    assert "::error file=" in err
    assert "lint failed" in err
    assert private not in err


def test_missing_public_key_message_names_the_bootstrap_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = registry_repo(tmp_path / "r", generate_keypair()[0])
    (root / "keys" / "registry.pub").unlink()
    git(root, "commit", "-q", "-am", "drop key")
    assert main(["publish", "--root", str(root), "--skip-release", "--skip-pages"]) == 1
    err = capsys.readouterr().err
    assert "registryctl keygen --write-public keys/registry.pub" in err
    assert "keys/README.md" in err
