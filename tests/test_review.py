"""registryctl diff: two versions in a tree, and a branch against a git ref (real git repos)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.cli import main
from registry.errors import RegistryError
from registry.layout import parse_server_ref
from registry.review.against import diff_refs, review_against
from registry.review.render import render_review
from tests import factory


def doc(name: str = "acme", version: str = "1.0.0", **changes: Any) -> dict[str, Any]:
    return factory.go_static_manifest(name=name, version=version, **changes)


def git(repo: Path, *args: str) -> None:
    factory.git(repo, *args)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo whose main branch holds acme 0.9.0 and 1.0.0, and gamma 1.0.0."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    factory.write_manifest(root, doc(version="0.9.0"))
    factory.write_manifest(root, doc())
    factory.write_manifest(root, doc("gamma"))
    commit_all(root, "base")
    return root


def refs(review: Any) -> list[tuple[str | None, str]]:
    return [(d.old_ref, d.new_ref) for d in review.diffs]


def test_pull_request_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    factory.write_manifest(repo, doc(version="1.1.0", entitlements={"egress": ["api.acme.com", "x.acme.com"]}))
    factory.write_manifest(repo, doc("beta", "0.1.0"))
    (repo / "manifests" / "gamma" / "1.0.0.yaml").unlink()
    (repo / "README.md").write_text("not a manifest\n")
    commit_all(repo, "changes")
    review = review_against(repo, "main")
    # 1.1.0 is compared with the highest lower version at main (1.0.0, not 0.9.0).
    assert refs(review) == [("acme@1.0.0", "acme@1.1.0"), (None, "beta@0.1.0")]
    assert review.removed == ("manifests/gamma/1.0.0.yaml",)
    assert review.escalates
    acme = review.diffs[0]
    assert [(c.area, c.subject, c.escalation) for c in acme.changes] == [
        ("egress", "x.acme.com", True)
    ]


def test_modified_file_is_compared_with_itself_at_the_ref(repo: Path) -> None:
    factory.write_manifest(repo, doc(description="Now with a description."))
    review = review_against(repo, "main")
    assert refs(review) == [("acme@1.0.0", "acme@1.0.0")]
    assert [c.area for c in review.diffs[0].changes] == ["presentation"]
    assert not review.escalates


def test_untracked_manifest_is_included(repo: Path) -> None:
    factory.write_manifest(repo, doc("delta", "0.1.0"))
    assert refs(review_against(repo, "main")) == [(None, "delta@0.1.0")]


def test_no_changes(repo: Path) -> None:
    review = review_against(repo, "main")
    assert review.diffs == () and not review.escalates
    assert render_review(review, "text") == "no manifest changes against main\n"


def test_explicit_paths_only(repo: Path) -> None:
    factory.write_manifest(repo, doc(description="Changed."))
    factory.write_manifest(repo, doc("delta", "0.1.0"))
    review = review_against(repo, "main", [Path("manifests/delta/0.1.0.yaml")])
    assert refs(review) == [(None, "delta@0.1.0")]
    absolute = review_against(repo, "main", [repo / "manifests" / "acme" / "1.0.0.yaml"])
    assert refs(absolute) == [("acme@1.0.0", "acme@1.0.0")]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("README.md", "expected manifests/ or toolspecs/<name>/<version>.yaml"),
        ("manifests/acme/latest.yaml", "expected manifests/ or toolspecs/<name>/<version>.yaml"),
        ("manifests/ghost/1.0.0.yaml", "no such manifest, here or at main"),
    ],
)
def test_bad_explicit_paths(repo: Path, path: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        review_against(repo, "main", [Path(path)])


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("no-such-branch", "'no-such-branch' is not a commit of this repository"),
        ("--output=/tmp/x", "is not a git ref"),
        ("", "is not a git ref"),
    ],
)
def test_bad_git_refs(repo: Path, ref: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        review_against(repo, ref)


def test_not_a_git_repository(tmp_path: Path) -> None:
    factory.write_manifest(tmp_path, doc())
    with pytest.raises(RegistryError, match="git failed while reading rev-parse"):
        review_against(tmp_path, "main")


def test_invalid_old_version_is_treated_as_new_with_a_note(repo: Path) -> None:
    (repo / "manifests" / "acme" / "1.0.0.yaml").write_text("name: &a acme\n")
    commit_all(repo, "broken at main")
    git(repo, "checkout", "-q", "-b", "fix")
    factory.write_manifest(repo, doc())
    review = review_against(repo, "main")
    assert refs(review) == [(None, "acme@1.0.0")]
    assert review.notes == (
        "main:manifests/acme/1.0.0.yaml is not a valid manifest; "
        "manifests/acme/1.0.0.yaml is shown as a new server",
    )


def test_invalid_new_manifest_is_an_error(repo: Path) -> None:
    (repo / "manifests" / "acme" / "1.0.0.yaml").write_text("tier: [\n")
    with pytest.raises(RegistryError, match="cannot diff invalid manifests") as error:
        review_against(repo, "main")
    assert "manifests/acme/1.0.0.yaml:" in str(error.value)


def test_registry_root_below_the_repository_top(tmp_path: Path) -> None:
    top = tmp_path / "top"
    root = top / "registry"
    root.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    factory.write_manifest(root, doc())
    factory.write_manifest(top, doc("outside"))  # top/manifests: not part of the registry under root
    commit_all(top, "base")
    factory.write_manifest(root, doc(version="1.1.0", tier="entrusted"))
    factory.write_manifest(top, doc("outside", "2.0.0"))
    review = review_against(root, "main")
    assert refs(review) == [("acme@1.0.0", "acme@1.1.0")]
    assert review.escalates


# --- two versions in a tree -------------------------------------------------------


def test_diff_refs(tmp_path: Path) -> None:
    factory.write_manifest(tmp_path, doc())
    factory.write_manifest(tmp_path, doc(version="1.1.0", tools=[{"name": "list_things", "default": False}]))
    diff = diff_refs(tmp_path, "acme@1.0.0", "acme@1.1.0")
    assert [(c.area, c.subject, c.escalation) for c in diff.changes] == [
        ("default", "list_things", False)
    ]


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ("acme@9.9.9", "manifests/acme/9.9.9.yaml: no such manifest"),
        ("acme", "expected NAME@VERSION"),
        ("../x@1.0.0", "expected NAME@VERSION"),
    ],
)
def test_diff_refs_errors(tmp_path: Path, old: str, message: str) -> None:
    factory.write_manifest(tmp_path, doc())
    with pytest.raises(RegistryError, match=message):
        diff_refs(tmp_path, old, "acme@1.0.0")


def test_diff_refs_invalid_manifest(tmp_path: Path) -> None:
    factory.write_manifest(tmp_path, doc())
    path = factory.write_manifest(tmp_path, doc(version="2.0.0"))
    path.write_text("schemaVersion: 1\nname: acme\n")
    with pytest.raises(RegistryError, match="not a valid manifest") as error:
        diff_refs(tmp_path, "acme@1.0.0", "acme@2.0.0")
    assert "required field is missing" in str(error.value)


def test_parse_server_ref() -> None:
    assert parse_server_ref("linear@0.10.0") == ("linear", "0.10.0")


# --- command line: formats and exit status --------------------------------------------


def test_cli_pair_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    factory.write_manifest(tmp_path, doc())
    factory.write_manifest(tmp_path, doc(version="1.1.0", tier="entrusted"))
    factory.write_manifest(tmp_path, doc(version="1.2.0", tier="entrusted", description="Same reach."))
    root = ["--root", str(tmp_path)]
    assert main(["diff", "acme@1.0.0", "acme@1.1.0", *root]) == 3
    assert capsys.readouterr().out.startswith("acme@1.0.0 -> acme@1.1.0: 1 change, 1 escalation")
    assert main(["diff", "acme@1.1.0", "acme@1.2.0", *root]) == 0
    assert main(["diff", "acme@1.0.0", *root]) == 1
    assert "diff needs NAME@OLD NAME@NEW" in capsys.readouterr().err


def test_cli_pair_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    factory.write_manifest(tmp_path, doc())
    factory.write_manifest(tmp_path, doc(version="1.1.0", tier="entrusted"))
    args = ["diff", "acme@1.0.0", "acme@1.1.0", "--root", str(tmp_path), "--format"]
    main([*args, "json"])
    payload = json.loads(capsys.readouterr().out)
    assert (payload["old_ref"], payload["escalates"]) == ("acme@1.0.0", True)
    main([*args, "markdown"])
    assert "| ⚠️ | tier |" in capsys.readouterr().out


def test_cli_against(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(repo)]
    assert main(["diff", "--against", "main", *root]) == 0
    assert capsys.readouterr().out == "no manifest changes against main\n"
    factory.write_manifest(repo, doc(version="1.1.0", credentials=[{
        "id": "acme_token", "type": "api_key", "provider": "acme",
        "inject": {"header": "Authorization", "format": "Bearer {token}"},
    }]))
    (repo / "manifests" / "gamma" / "1.0.0.yaml").unlink()
    assert main(["diff", "--against", "main", *root, "--format", "json"]) == 3
    payload = json.loads(capsys.readouterr().out)
    assert payload["escalates"] is True
    assert payload["removed"] == ["manifests/gamma/1.0.0.yaml"]
    assert [d["new_ref"] for d in payload["diffs"]] == ["acme@1.1.0"]
    assert main(["diff", "--against", "main", *root, "--format", "markdown"]) == 3
    out = capsys.readouterr().out
    assert "New credential acme&#95;token" in out
    assert out.endswith("manifests/gamma/1.0.0.yaml: removed\n")
    assert main(["diff", "--against", "nope", *root]) == 1
    assert "is not a commit" in capsys.readouterr().err


def test_cli_help_documents_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["diff", "--help"])
    assert "3 when any change escalates" in " ".join(capsys.readouterr().out.split())
