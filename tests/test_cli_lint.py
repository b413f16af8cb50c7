"""`registryctl lint`: output formats, exit status, the reference's argument forms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry.cli import main
from tests import factory
from tests.factory import REFERENCE_CATALOG, manifest, needs_reference_catalog, toolspec

REPO = Path(__file__).resolve().parent.parent


PROJECT = Path(__file__).resolve().parents[1]


def broken_tree(root: Path) -> Path:
    factory.tree(root, [manifest(entitlements={"egress": ["*.github.io"]})],
                 [toolspec(baseUrl="https://x.github.io")])
    return root


def test_clean_tree_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    factory.tree(tmp_path)
    assert main(["lint", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "ok: 2 files checked, no problems\n"


def test_findings_then_summary_and_exit_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["lint", "--root", str(broken_tree(tmp_path))]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 error in 2 files checked"
    assert out[0].endswith(
        "manifests/acme/0.1.0.yaml:18:7: error: entitlements.egress[0]: github.io is a public "
        "suffix: *.github.io would reach every one of its registrants; list the exact hosts [E009]"
    )
    assert not any(line.startswith("::error") for line in out)


def test_github_annotations_inside_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["lint", "--root", str(broken_tree(tmp_path))]) == 1
    annotations = [line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("::error")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=")
    assert ",line=18,col=7,title=E009::entitlements.egress[0]: github.io is a public suffix" in (
        annotations[0]
    )


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--root", str(broken_tree(tmp_path)), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["errors"] == 1 and payload["files"] == 2
    finding = payload["findings"][0]
    assert (finding["line"], finding["col"], finding["field"]) == (18, 7, "entitlements.egress[0]")


def test_reference_form_with_single_dash_denylist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factory.tree(tmp_path, [manifest(entitlements={"egress": ["api.evil.example.org"]})], [])
    factory.write(tmp_path, "deny.txt", "evil.example.org\n")
    code = main(["lint", str(tmp_path / "manifests"), "-denylist", str(tmp_path / "deny.txt")])
    assert code == 1
    assert "is on the exfiltration denylist (evil.example.org)" in capsys.readouterr().out


def test_lint_toolspecs_reference_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    factory.tree(tmp_path, [manifest()], [toolspec(baseUrl="https://elsewhere.example.org")])
    code = main(["lint-toolspecs", str(tmp_path / "toolspecs"), str(tmp_path / "manifests")])
    assert code == 1
    assert "host elsewhere.example.org is not allowed" in capsys.readouterr().out


def test_no_traceback_for_a_missing_root(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "registry.cli", "lint", "--root", str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False, cwd=REPO,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "no manifests directory" in proc.stdout


@needs_reference_catalog
def test_reference_catalog_lints_clean_with_its_reviewed_wildcards_and_vendor_groups(
    tmp_path: Path,
) -> None:
    """The 221-server reference passes once 3 wildcards and the vendor groups are listed.

    Without them: the public-suffix rule refuses 3 wildcards, and 27 sealed servers
    send their credential to more than one registrable domain (Google's
    x.googleapis.com hosts, Microsoft, Atlassian, Zoho, DocuSign, Snowflake, X,
    Bubble, Discord, Harvest, Moz, You.com), each one organisation's.
    """
    from registry.lint.runner import lint_paths
    from registry.load.tree import Layout

    exceptions = factory.write(
        tmp_path, "allowed-wildcards.txt", "*.myshopify.com\n*.bubbleapps.io\n*.salesforce.com\n"
    )
    layout = Layout.of_root(REFERENCE_CATALOG)
    strict = lint_paths(REFERENCE_CATALOG, layout=layout, policy=False)
    wildcards = [f for f in strict.errors if f.code != "C019"]
    assert sorted(f.message.split(":")[0] for f in wildcards) == [
        "bubbleapps.io is a public suffix",
        "myshopify.com is a public suffix",
        "public suffixes exist under salesforce.com",
    ]
    import dataclasses

    wildcards_only = dataclasses.replace(layout, wildcard_exceptions_file=exceptions)
    grouped = lint_paths(REFERENCE_CATALOG, layout=wildcards_only, policy=False).errors
    assert {f.code for f in grouped} == {"C019"}
    assert len({f.path for f in grouped}) == 27
    reviewed = dataclasses.replace(
        layout, wildcard_exceptions_file=exceptions,
        vendor_domains_file=PROJECT / "policy" / "vendor-domains.txt",
    )
    result = lint_paths(REFERENCE_CATALOG, layout=reviewed, policy=False)
    assert result.errors == []
    assert len(result.registry.manifests) == 221
    assert len(result.registry.toolspecs) == 215


def test_stale_catalog_fails_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from registry.lint.runner import lint_paths
    from registry.render.catalog import render_catalog

    factory.tree(tmp_path)
    factory.write(tmp_path, "CATALOG.md", "# an old catalog\n")
    assert main(["lint", "--root", str(tmp_path)]) == 1
    assert "CATALOG.md:1:1: error: out of date with the manifests; run `invoke catalog`" in (
        capsys.readouterr().out
    )
    factory.write(tmp_path, "CATALOG.md", render_catalog(lint_paths(tmp_path).registry))
    assert main(["lint", "--root", str(tmp_path)]) == 0


def test_no_installed_pydantic_plugin_sees_the_validation(tmp_path: Path) -> None:
    # A package that registers a pydantic plugin: it would see every manifest validated.
    plugins = tmp_path / "plugins"
    dist = plugins / "spy-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: spy\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n")
    seen = tmp_path / "seen"
    (plugins / "spy_plugin.py").write_text(
        "import pathlib\n"
        "class Spy:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        f"        pathlib.Path({str(seen)!r}).write_text('validated')\n"
        "        return None, None, None\n"
        "plugin = Spy()\n"
    )
    tree = factory.tree(tmp_path / "tree")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(plugins), "HOME": str(tmp_path)}
    control = subprocess.run(
        [sys.executable, "-c", "import registry.load.schema"], env=env, cwd=REPO, check=True
    )
    assert control.returncode == 0 and seen.exists()  # the spy works when it is allowed
    seen.unlink()
    command = [sys.executable, "-c", "import sys; from registry.cli import main; sys.exit(main())"]
    done = subprocess.run(
        [*command, "lint", "--root", str(tree)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not seen.exists()
