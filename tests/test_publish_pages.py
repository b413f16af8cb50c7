"""Pushing the site to ``gh-pages`` of a local bare repository."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.errors import PublishError
from registry.git import redact
from registry.publish.pages import AUTHOR_NAME, push_site, remote_tip
from tests.factory import git

GENERATED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "pages.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    return bare


def make_site(root: Path, pages: dict[str, str]) -> Path:
    site = root / "site"
    for name, text in pages.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return site


def tree_of(remote: Path, ref: str = "gh-pages") -> dict[str, str]:
    names = git(remote, "ls-tree", "-r", "--name-only", ref).split()
    return {name: git(remote, "show", f"{ref}:{name}") for name in names}


def test_push_creates_the_branch_with_the_site_and_nojekyll(tmp_path: Path, remote: Path) -> None:
    site = make_site(tmp_path, {"index.html": "<h1>hi</h1>", "_assets/app.js": "1;"})
    result = push_site(site, str(remote), generated=GENERATED, message="Publish site")
    assert result.previous is None and result.changed
    assert remote_tip(str(remote)) == result.commit
    assert tree_of(remote) == {".nojekyll": "", "_assets/app.js": "1;", "index.html": "<h1>hi</h1>"}
    assert git(remote, "log", "--format=%an|%aI|%P", "gh-pages").strip() == (
        f"{AUTHOR_NAME}|2026-01-01T00:00:00+00:00|"
    )
    # dist/site itself is not modified (no .nojekyll written into it).
    assert not (site / ".nojekyll").exists()


def test_next_push_replaces_the_tip_with_a_fresh_commit(tmp_path: Path, remote: Path) -> None:
    first = push_site(make_site(tmp_path / "a", {"index.html": "one"}), str(remote),
                      generated=GENERATED, message="one")
    second = push_site(make_site(tmp_path / "b", {"index.html": "two", "new.html": "n"}),
                       str(remote), generated=GENERATED, message="two")
    assert second.previous == first.commit and second.commit != first.commit
    assert tree_of(remote) == {".nojekyll": "", "index.html": "two", "new.html": "n"}
    # Parentless: the branch never accumulates old generated sites.
    assert git(remote, "rev-list", "--count", "gh-pages").strip() == "1"


def test_same_site_twice_is_a_no_op(tmp_path: Path, remote: Path) -> None:
    site = make_site(tmp_path, {"index.html": "same"})
    first = push_site(site, str(remote), generated=GENERATED, message="m")
    again = push_site(site, str(remote), generated=GENERATED, message="m")
    assert again.commit == first.commit and not again.changed


def test_lease_refuses_to_overwrite_a_branch_that_moved(tmp_path: Path, remote: Path) -> None:
    first = push_site(make_site(tmp_path / "a", {"index.html": "one"}), str(remote),
                      generated=GENERATED, message="one")
    # Someone else pushes after our publish read the tip.
    other = push_site(make_site(tmp_path / "b", {"index.html": "theirs"}), str(remote),
                      generated=GENERATED, message="theirs")
    with pytest.raises(PublishError, match="someone else"):
        push_site(make_site(tmp_path / "c", {"index.html": "ours"}), str(remote),
                  generated=GENERATED, message="ours", expected_tip=first.commit)
    assert remote_tip(str(remote)) == other.commit


def test_lease_on_a_branch_that_should_not_exist(tmp_path: Path, remote: Path) -> None:
    push_site(make_site(tmp_path / "a", {"index.html": "one"}), str(remote),
              generated=GENERATED, message="one")
    with pytest.raises(PublishError):
        push_site(make_site(tmp_path / "b", {"index.html": "two"}), str(remote),
                  generated=GENERATED, message="two", expected_tip=None)


def test_other_branches_are_untouched(tmp_path: Path, remote: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README").write_text("main branch")
    git(work, "add", "README")
    git(work, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init")
    git(work, "push", "-q", str(remote), "main")
    main_before = git(remote, "rev-parse", "main")
    push_site(make_site(tmp_path, {"index.html": "x"}), str(remote), generated=GENERATED,
              message="m")
    assert git(remote, "rev-parse", "main") == main_before


def test_site_without_index_is_refused(tmp_path: Path, remote: Path) -> None:
    with pytest.raises(PublishError, match=r"index\.html"):
        push_site(make_site(tmp_path, {"other.html": "x"}), str(remote), generated=GENERATED,
                  message="m")
    assert remote_tip(str(remote)) is None


def test_unreachable_remote_is_a_clear_error_without_credentials(tmp_path: Path) -> None:
    remote = f"file://user:s3cret-token@{tmp_path}/missing.git"
    with pytest.raises(PublishError) as info:
        push_site(make_site(tmp_path, {"index.html": "x"}), remote, generated=GENERATED,
                  message="m")
    assert "s3cret-token" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://x-access-token:ghs_abc@github.com/o/r.git", "https://***@github.com/o/r.git"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("fatal: unable to access 'https://u:p@h/x/'", "fatal: unable to access 'https://***@h/x/'"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
    ],
)
def test_redact_hides_url_credentials(text: str, shown: str) -> None:
    assert redact(text) == shown
