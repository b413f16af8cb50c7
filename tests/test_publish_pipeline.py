"""The whole publish (lint → build → verify → release → Pages) against loopback fakes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.errors import LintFailed, PublishError, RegistryError, SignatureError
from registry.publish.pages import remote_tip
from registry.publish.pipeline import PublishRequest, ReleaseTarget, publish
from registry.publish.release import INDEX_ASSET, SIGNATURE_ASSET
from registry.signing import generate_keypair, sign_index, verify_index
from tests import factory
from tests.factory import git, registry_repo
from tests.fake_github import TOKEN, FakeGitHub, Fault, read_latest_via_api

PROJECT = Path(__file__).resolve().parents[1]
MKDOCS = PROJECT / "mkdocs.yml"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
NOW = datetime(2026, 1, 2, tzinfo=UTC)


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@dataclass(frozen=True)
class Setup:
    root: Path
    public: str
    private: str
    fake: FakeGitHub
    pages: Path

    def request(self, **changes: object) -> PublishRequest:
        base = PublishRequest(
            root=self.root,
            dist=self.root / "dist",
            now=NOW,
            signing_key=self.private,
            source_date_epoch=EPOCH,
            release=ReleaseTarget(self.fake.repo, TOKEN, api_url=self.fake.api_url),
            pages_remote=str(self.pages),
            target_commitish=git(self.root, "rev-parse", "HEAD").strip(),
            config_file=MKDOCS,
        )
        return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    public, private = generate_keypair()
    root = registry_repo(tmp_path / "registry", public)
    pages = tmp_path / "pages.git"
    git(tmp_path, "init", "-q", "--bare", str(pages))
    with FakeGitHub() as fake:
        yield Setup(root, public, private, fake, pages)


def pages_file(pages: Path, name: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"gh-pages:{name}"], cwd=pages, check=True, capture_output=True
    ).stdout


def assert_nothing_published(setup: Setup) -> None:
    assert setup.fake.mutating_requests() == []
    assert remote_tip(str(setup.pages)) is None


def test_full_publish_releases_and_pushes_the_same_signed_pair(setup: Setup) -> None:
    log: list[str] = []
    report = publish(setup.request(), log=log.append)
    dist = setup.root / "dist"
    index, signature = (dist / "index.json").read_bytes(), (dist / "index.json.sig").read_bytes()
    verify_index(index, signature.decode(), [setup.public])

    assert report.release is not None and report.release.tag == "index-20260101T000000Z"
    live = read_latest_via_api(setup.fake)
    assert live is not None and live.tag == report.release.tag
    assert (live.index, live.signature) == (index, signature)

    assert report.pages is not None and report.pages.changed
    assert pages_file(setup.pages, "index.json") == index
    assert pages_file(setup.pages, "index.json.sig") == signature
    assert pages_file(setup.pages, ".nojekyll") == b""
    assert b"<html" in pages_file(setup.pages, "index.html").lower()
    assert [line.split(":")[0] for line in log if not line.startswith("release ")][:3] == [
        "lint", "build", "verify",
    ]
    # The tree is still clean: a publish writes only to dist/ (ignored).
    assert git(setup.root, "status", "--porcelain") == ""


def test_second_publish_switches_latest_and_replaces_pages(setup: Setup) -> None:
    first = publish(setup.request())
    second = publish(setup.request(source_date_epoch=str(int(EPOCH) + 86400)))
    assert first.release and second.release
    assert second.release.tag == "index-20260102T000000Z"
    assert second.pages and second.pages.previous == first.pages.commit  # type: ignore[union-attr]
    live = read_latest_via_api(setup.fake)
    assert live is not None and live.tag == second.release.tag
    assert len(setup.fake.by_tag(first.release.tag)) == 1  # the previous release is kept


def test_dry_run_writes_nothing(setup: Setup) -> None:
    publish(setup.request())  # something live to plan against
    dist = setup.root / "dist"
    before_dist = {p: hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in dist.rglob("*") if p.is_file()}
    before_fake = setup.fake.snapshot()
    before_tip = remote_tip(str(setup.pages))
    mutations = len(setup.fake.mutating_requests())
    log: list[str] = []
    report = publish(
        setup.request(dry_run=True, source_date_epoch=str(int(EPOCH) + 60)), log=log.append
    )
    plan = "\n".join(report.plan)
    assert "create draft release index-20260101T000100Z" in plan
    assert "now latest: index-20260101T000000Z" in plan
    assert "pages: push" in plan
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in dist.rglob("*") if p.is_file()} == before_dist
    assert setup.fake.snapshot() == before_fake
    assert len(setup.fake.mutating_requests()) == mutations
    assert remote_tip(str(setup.pages)) == before_tip
    assert git(setup.root, "status", "--porcelain") == ""


def test_dry_run_on_a_fresh_tree_creates_no_dist(setup: Setup) -> None:
    publish(setup.request(dry_run=True))
    assert not (setup.root / "dist").exists()
    assert_nothing_published(setup)


def test_failed_upload_publishes_nothing_and_a_rerun_converges(setup: Setup) -> None:
    setup.fake.inject(Fault("upload", "disconnect", asset_name=SIGNATURE_ASSET))
    with pytest.raises(PublishError):
        publish(setup.request())
    assert setup.fake.latest() is None
    assert remote_tip(str(setup.pages)) is None  # Pages only after a good release
    report = publish(setup.request())
    assert report.release is not None and not report.release.created
    assert report.release.kept == [INDEX_ASSET]
    assert report.pages is not None and report.pages.changed


def test_rerun_later_makes_a_new_release_and_drops_the_stale_draft(setup: Setup) -> None:
    setup.fake.inject(Fault("update", "status", status=500))
    with pytest.raises(PublishError):
        publish(setup.request())
    report = publish(setup.request(source_date_epoch=str(int(EPOCH) + 5)))
    assert report.release is not None
    assert report.release.pruned == ["index-20260101T000000Z"]
    assert {r.tag_name for r in setup.fake.releases.values()} == {"index-20260101T000005Z"}


# --- refusals: each leaves GitHub and the Pages remote untouched -----------------


def test_refuses_without_a_committed_public_key(tmp_path: Path) -> None:
    root = registry_repo(tmp_path / "r", None)
    with FakeGitHub() as fake:
        request = PublishRequest(
            root=root, dist=root / "dist", now=NOW, signing_key=generate_keypair()[1],
            release=ReleaseTarget(fake.repo, TOKEN, api_url=fake.api_url), config_file=MKDOCS,
        )
        with pytest.raises(PublishError, match=r"registry\.pub is missing.*keygen"):
            publish(request)
        assert fake.requests == []
    assert not (root / "dist").exists()


def test_refuses_an_empty_public_key_file(setup: Setup) -> None:
    (setup.root / "keys" / "registry.pub").write_text("\n")
    commit_all(setup.root)
    with pytest.raises(PublishError, match=r"registry\.pub is empty"):
        publish(setup.request())
    assert_nothing_published(setup)


def test_refuses_a_malformed_public_key_file(setup: Setup) -> None:
    (setup.root / "keys" / "registry.pub").write_text("not-hex\n")
    commit_all(setup.root)
    with pytest.raises(PublishError, match="hex"):
        publish(setup.request())
    assert_nothing_published(setup)


@pytest.mark.parametrize("change", ["untracked", "modified", "staged"])
def test_refuses_a_dirty_tree(setup: Setup, change: str) -> None:
    if change == "untracked":
        (setup.root / "notes.txt").write_text("wip")
    else:
        path = setup.root / "denylist" / "exfil-domains.txt"
        path.write_text(path.read_text() + "evil.example\n")
        if change == "staged":
            git(setup.root, "add", "-A")
    with pytest.raises(PublishError, match="uncommitted changes"):
        publish(setup.request())
    assert_nothing_published(setup)


def test_refuses_outside_a_git_work_tree(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    factory.tree(root)
    factory.write(root, "keys/registry.pub", generate_keypair()[0] + "\n")
    with pytest.raises(PublishError, match="not a git work tree"):
        publish(PublishRequest(root=root, dist=root / "dist", now=NOW, signing_key="x"))


def test_refuses_a_failing_lint(setup: Setup) -> None:
    bad = factory.manifest(name="broken", entitlements={"egress": ["*.com"]})
    factory.write(setup.root, "manifests/broken/0.1.0.yaml", factory.to_yaml(bad))
    commit_all(setup.root)
    with pytest.raises(LintFailed) as info:
        publish(setup.request())
    assert info.value.findings
    assert_nothing_published(setup)


def test_refuses_a_stale_catalog(setup: Setup) -> None:
    (setup.root / "CATALOG.md").write_text("# stale\n")
    commit_all(setup.root)
    with pytest.raises(LintFailed):
        publish(setup.request())
    assert_nothing_published(setup)


def test_refuses_to_publish_unsigned(setup: Setup) -> None:
    with pytest.raises(PublishError, match="unsigned"):
        publish(setup.request(signing_key=None))
    assert_nothing_published(setup)


def test_refuses_an_index_signed_with_another_key(setup: Setup) -> None:
    with pytest.raises(SignatureError):
        publish(setup.request(signing_key=generate_keypair()[1]))
    assert_nothing_published(setup)


def test_refuses_without_a_token(setup: Setup) -> None:
    target = ReleaseTarget(setup.fake.repo, None, api_url=setup.fake.api_url)
    with pytest.raises(PublishError, match="GITHUB_TOKEN"):
        publish(setup.request(release=target))
    assert_nothing_published(setup)


def test_unreachable_pages_remote_stops_before_the_release(setup: Setup) -> None:
    with pytest.raises(PublishError, match="git failed"):
        publish(setup.request(pages_remote=str(setup.root.parent / "missing.git")))
    assert_nothing_published(setup)


# --- publishing a dist built earlier (the workflow's release job) ----------------


def build_dist(setup: Setup) -> Path:
    publish(setup.request(release=None, pages_remote=None))
    return setup.root / "dist"


def test_no_build_releases_the_dist_as_built(setup: Setup) -> None:
    dist = build_dist(setup)
    report = publish(setup.request(build=False, signing_key=None, pages_remote=None))
    assert report.release is not None and report.pages is None
    live = read_latest_via_api(setup.fake)
    assert live is not None and live.index == (dist / "index.json").read_bytes()


@pytest.mark.parametrize("damage", ["no-sig", "tampered-index", "site-copy-differs", "no-index"])
def test_no_build_refuses_a_damaged_dist(setup: Setup, damage: str) -> None:
    dist = build_dist(setup)
    if damage == "no-sig":
        (dist / "index.json.sig").unlink()
    elif damage == "tampered-index":
        index = (dist / "index.json").read_bytes().replace(b"acme", b"acmf")
        for path in (dist / "index.json", dist / "site" / "index.json"):
            path.write_bytes(index)
    elif damage == "site-copy-differs":
        other = b'{"schemaVersion":1,"generated":"2026-01-01T00:00:00Z","servers":{}}'
        (dist / "site" / "index.json").write_bytes(other)
        (dist / "site" / "index.json.sig").write_text(sign_index(other, setup.private))
    else:
        (dist / "index.json").unlink()
    with pytest.raises(RegistryError):
        publish(setup.request(build=False, signing_key=None))
    assert_nothing_published(setup)


def test_no_build_without_a_site_refuses_before_releasing(setup: Setup) -> None:
    dist = build_dist(setup)
    shutil.rmtree(dist / "site")
    with pytest.raises(PublishError, match=r"no index\.html"):
        publish(setup.request(build=False, signing_key=None))
    assert_nothing_published(setup)


def test_keep_must_be_positive(setup: Setup) -> None:
    with pytest.raises(PublishError, match="keep"):
        publish(setup.request(keep=0))
    assert_nothing_published(setup)


def test_release_assets_are_exactly_index_and_signature(setup: Setup) -> None:
    report = publish(setup.request())
    assert report.release is not None
    release = setup.fake.by_tag(report.release.tag)[0]
    assert sorted(a.name for a in release.assets) == [INDEX_ASSET, SIGNATURE_ASSET]
