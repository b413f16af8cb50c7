"""build-args: values from one linted manifest, refused when unsafe for $GITHUB_OUTPUT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry.cli import main
from registry.errors import LintFailed, RegistryError
from registry.images.buildargs import (
    build_args,
    manifest_at,
    render_build_args,
    resolve_manifest_path,
)
from registry.load.schema import Manifest
from tests import factory


def data(version: str = "1.0.0", **source: str) -> dict[str, Any]:
    doc = factory.go_static_manifest(version=version)
    doc["source"].update(source)
    return doc


def test_build_args_in_order() -> None:
    manifest = Manifest.model_validate(data(package="cmd/server"))
    assert build_args(manifest) == [
        ("SOURCE_REPO", "github.com/acme/acme-mcp"),
        ("SOURCE_TAG", "v1.0.0"),
        ("PACKAGE", "cmd/server"),
        ("BUILDER", "go-static"),
        ("NAME", "acme"),
        ("VERSION", "1.0.0"),
    ]


def test_defaults_and_explicit_builder() -> None:
    doc = data()
    doc["image"]["builder"] = "toolpack"
    args = dict(build_args(Manifest.model_validate(doc)))
    assert (args["PACKAGE"], args["BUILDER"]) == (".", "toolpack")
    assert dict(build_args(Manifest.model_validate(data())))["BUILDER"] == "go-static"


def test_render_build_args() -> None:
    text = render_build_args(build_args(Manifest.model_validate(data())))
    assert text == (
        "SOURCE_REPO=github.com/acme/acme-mcp\n"
        "SOURCE_TAG=v1.0.0\n"
        "PACKAGE=.\n"
        "BUILDER=go-static\n"
        "NAME=acme\n"
        "VERSION=1.0.0\n"
    )


OUTSIDE = "holds characters outside A-Z a-z 0-9 . _ / + -"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"tag": "v1\nIMAGE=evil"}, f"SOURCE_TAG {OUTSIDE} ('\\n', '=')"),
        ({"tag": "$(id)"}, f"SOURCE_TAG {OUTSIDE} ('$', '(', ')')"),
        ({"repo": "github.com/a/b c"}, f"SOURCE_REPO {OUTSIDE} (' ')"),
        ({"tag": "-oProxyCommand"}, "SOURCE_TAG must not start with '-'"),
        ({"package": "../../etc"}, "PACKAGE must not contain a '..' path segment"),
        ({"package": "/etc"}, "PACKAGE must be relative to the repository root"),
        ({"tag": ""}, "SOURCE_TAG is empty"),
        ({"repo": "a" * 300}, "SOURCE_REPO is longer than 256 characters"),
    ],
)
def test_unsafe_values_are_refused(source: dict[str, str], message: str) -> None:
    manifest = Manifest.model_validate(data(**source))
    with pytest.raises(RegistryError) as error:
        build_args(manifest)
    assert str(error.value) == f"acme@1.0.0: unsafe build args: {message}"


@pytest.mark.parametrize(
    "pairs",
    [
        [("NAME", "acme\nOTHER=1")],
        [("NAME\nX", "acme")],
        [("lower", "acme")],
    ],
)
def test_render_checks_again(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(RegistryError, match="unsafe build args"):
        render_build_args(pairs)


# --- resolving the argument -------------------------------------------------------


def test_folder_resolves_to_the_highest_version(tmp_path: Path) -> None:
    for version in ("0.9.0", "0.10.0", "0.2.0"):
        factory.write_manifest(tmp_path, data(version))
    root, file = resolve_manifest_path(tmp_path / "manifests" / "acme")
    assert (root, file.name) == (tmp_path, "0.10.0.yaml")


def test_file_resolves_to_itself(tmp_path: Path) -> None:
    path = factory.write_manifest(tmp_path, data("0.9.0"))
    assert resolve_manifest_path(path) == (tmp_path, path)


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("manifests/nope/1.0.0.yaml", "no such manifest"),
        ("manifests/empty", "no <version>.yaml manifest in this folder"),
        ("elsewhere/acme/1.0.0.yaml", "expected manifests/<name> or manifests/<name>/"),
        ("manifests", "expected manifests/<name> or manifests/<name>/<version>.yaml"),
        ("manifests/ghost", "no such server folder"),
        ("manifests/acme/1.0.0.yml", "expected manifests/<name> or"),
    ],
)
def test_bad_arguments(tmp_path: Path, relative: str, message: str) -> None:
    factory.write_manifest(tmp_path, data())
    (tmp_path / "manifests" / "empty").mkdir()
    (tmp_path / "elsewhere" / "acme").mkdir(parents=True)
    (tmp_path / "elsewhere" / "acme" / "1.0.0.yaml").write_text("{}")
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_manifest_path(tmp_path / relative)


def test_manifest_at_lints_the_tree_first(tmp_path: Path) -> None:
    factory.write_manifest(tmp_path, data())
    broken = data()
    broken["name"] = "other"
    broken["entitlements"] = {"egress": 42}
    factory.write_manifest(tmp_path, broken)
    with pytest.raises(LintFailed) as error:
        manifest_at(tmp_path / "manifests" / "acme")
    assert any("manifests/other/1.0.0.yaml" in f.path for f in error.value.findings)


def test_manifest_at_loads_through_the_schema(tmp_path: Path) -> None:
    factory.write_manifest(tmp_path, data("1.0.0"))
    factory.write_manifest(tmp_path, data("1.1.0", tag="v1.1.0"))
    manifest = manifest_at(tmp_path / "manifests" / "acme")
    assert (manifest.version, manifest.source.tag) == ("1.1.0", "v1.1.0")


# --- command line -------------------------------------------------------------------


def test_cli_build_args(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = factory.write_manifest(tmp_path, data(package="cmd/acme"))
    assert main(["build-args", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2] == "PACKAGE=cmd/acme"
    assert len(out.splitlines()) == 6


def test_cli_build_args_reports_lint_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = data()
    doc["entitlements"] = {"egress": "api.acme.com"}
    path = factory.write_manifest(tmp_path, doc)
    assert main(["build-args", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "manifests/acme/1.0.0.yaml:" in captured.err
    assert "entitlements.egress" in captured.err
    assert "registryctl: error: lint failed" in captured.err


def test_cli_build_args_bad_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build-args", str(tmp_path / "manifests" / "ghost")]) == 1
    assert capsys.readouterr().err.endswith("ghost: no such server folder\n")
