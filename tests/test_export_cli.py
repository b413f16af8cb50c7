"""`registryctl export-server-json`: one entry on stdout, every refusal a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.cli import main
from registry.export.serverjson import Origin, server_json_bytes
from registry.load.tree import Layout, load_registry
from tests import factory


@pytest.fixture(autouse=True)
def _no_site_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIG_SITE_URL", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def _tree(root: Path) -> Path:
    return factory.tree(root, [factory.manifest(), factory.manifest(version="0.2.0")],
                        [factory.toolspec(), factory.toolspec(version="0.2.0")])


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export-server-json", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_prints_the_latest_version_as_the_site_serves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    code, out, err = _export(capsys, "acme", "--root", str(root),
                             "--site-url", "https://gigmcp.github.io/registry/")
    assert (code, err) == (0, "")
    registry, _ = load_registry(Layout.of_root(root))
    served = server_json_bytes(registry, registry.latest("acme"),
                               Origin("io.github.gigmcp", "https://gigmcp.github.io/registry/"))
    assert json.loads(out) == json.loads(served)
    assert out.startswith('{\n  "$schema": ') and out.endswith("}\n")
    assert json.loads(out)["version"] == "0.2.0"


def test_a_version_and_a_namespace_can_be_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIG_SITE_URL", "https://gigmcp.github.io/registry/")
    code, out, _ = _export(capsys, "acme@0.1.0", "--root", str(_tree(tmp_path)),
                           "--namespace", "org.example")
    server = json.loads(out)
    assert code == 0
    assert (server["name"], server["version"]) == ("org.example/acme", "0.1.0")
    assert server["websiteUrl"] == "https://gigmcp.github.io/registry/servers/acme/0.1.0/"


def test_the_namespace_comes_from_the_site_url_in_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIG_SITE_URL", "https://example-org.github.io/mcp/")
    code, out, _ = _export(capsys, "acme", "--root", str(_tree(tmp_path)))
    assert code == 0
    assert json.loads(out)["name"] == "io.github.example-org/acme"


@pytest.mark.parametrize(("args", "message"), [
    (["acme"], "registryctl: error: no namespace: pass --namespace io.github.OWNER, or a site "
               "URL (--site-url, $GIG_SITE_URL) to take it from\n"),
    (["acme", "--site-url", "http://127.0.0.1:8000/"], "registryctl: error: no namespace: "),
    (["acme", "--namespace", "io.github.1x"],
     "registryctl: error: namespace 'io.github.1x' is not a reverse-DNS namespace"),
    (["acme", "--namespace", "org.example", "--site-url", "example.org"],
     "registryctl: error: site URL 'example.org' is not an absolute http(s) URL\n"),
    (["Acme", "--namespace", "org.example"],
     "registryctl: error: 'Acme': expected NAME or NAME@VERSION, e.g. linear@0.1.0\n"),
    (["acme@1", "--namespace", "org.example"],
     "registryctl: error: 'acme@1': expected NAME@VERSION, e.g. linear@0.1.0\n"),
    (["ghost", "--namespace", "org.example"], "registryctl: error: no server 'ghost' in "),
    (["acme@0.3.0", "--namespace", "org.example"],
     "registryctl: error: acme has no version 0.3.0 (it has 0.1.0, 0.2.0)\n"),
])
def test_refusals_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = _export(capsys, *args, "--root", str(_tree(tmp_path)))
    assert (code, out) == (1, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_tree_that_does_not_lint_prints_its_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path, [factory.manifest(entitlements={"egress": ["webhook.site"]})])
    code, out, err = _export(capsys, "acme", "--root", str(root), "--namespace", "org.example")
    assert (code, out) == (1, "")
    assert "manifests/acme/0.1.0.yaml:" in err and "webhook.site" in err
    assert err.rstrip().endswith("2 errors in 2 files checked")
