"""pin: only image.digest changes, the tree is linted, failures restore the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.cli import main
from registry.errors import PinRejected, RegistryError
from registry.images.pin import pin_digest, replace_digest

PLACEHOLDER = "sha256:" + "0" * 64
DIGEST = "sha256:" + "0123456789abcdef" * 4
OTHER = "sha256:" + "fedcba9876543210" * 4

# Hand-written on purpose: comments, odd indentation, flow lists, both quote
# styles and blank lines are what a round trip through a YAML dumper would lose.
MANIFEST = """\
# Acme: things from Acme.   (reviewed by @someone)
schemaVersion: 1
name: {name}
version: '1.0.0'

source:   {{repo: github.com/acme/acme-mcp, tag: "v1.0.0"}}
image:
    ref: ghcr.io/gigmcp/{name}-mcp   # built by build-images
    digest: {digest}
    entrypoint: "/app/server"
tier: sealed
entitlements:
    egress:
        -   api.acme.com
        - "*.eu.acme.com"   # regional
credentials: []
tools:
  - {{ name: list_things, default: true }}
  - name: delete_thing
    default: false    # destructive
description: >-
  Reads things from Acme
  and lists them.
"""


def write(root: Path, digest_text: str, *, name: str = "acme", newline: str = "\n",
          prefix: str = "") -> Path:
    path = root / "manifests" / name / "1.0.0.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = prefix + MANIFEST.format(name=name, digest=digest_text)
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@pytest.mark.parametrize(
    ("written", "pinned"),
    [
        (PLACEHOLDER, DIGEST),
        (f'"{PLACEHOLDER}"', f'"{DIGEST}"'),
        (f"'{PLACEHOLDER}'", f"'{DIGEST}'"),
        (f'"{PLACEHOLDER}"    # placeholder until built', f'"{DIGEST}"    # placeholder until built'),
        (f"{PLACEHOLDER} # not yet", f"{DIGEST} # not yet"),
    ],
)
def test_only_the_digest_changes(tmp_path: Path, written: str, pinned: str) -> None:
    path = write(tmp_path, written)
    before = path.read_text().splitlines()
    result = pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    after = path.read_text().splitlines()
    line = next(i for i, text in enumerate(before) if "digest:" in text)
    assert after[line] == f"    digest: {pinned}"
    assert after[:line] + after[line + 1:] == before[:line] + before[line + 1:]
    assert (result.old_digest, result.new_digest, result.changed) == (PLACEHOLDER, DIGEST, True)
    assert result.path == tmp_path / "manifests" / "acme" / "1.0.0.yaml"


@pytest.mark.parametrize(("newline", "prefix"), [("\r\n", ""), ("\n", "\ufeff")])
def test_line_endings_and_bom_are_kept(tmp_path: Path, newline: str, prefix: str) -> None:
    path = write(tmp_path, f'"{PLACEHOLDER}"', newline=newline, prefix=prefix)
    original = path.read_bytes()
    pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    assert path.read_bytes() == original.replace(PLACEHOLDER.encode(), DIGEST.encode())


def test_pinning_the_same_digest_again_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, DIGEST)
    original = path.read_bytes()
    result = pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    assert not result.changed
    assert path.read_bytes() == original


def test_repinning_a_real_digest(tmp_path: Path) -> None:
    write(tmp_path, DIGEST)
    result = pin_digest(tmp_path, "acme", "1.0.0", OTHER)
    assert (result.old_digest, result.new_digest) == (DIGEST, OTHER)


@pytest.mark.parametrize(
    ("digest", "message"),
    [
        ("sha256:" + "AB" * 32, "is not a digest: expected sha256: followed by 64 lowercase hex"),
        ("sha256:" + "ab" * 31, "is not a digest"),
        ("sha512:" + "ab" * 32, "is not a digest"),
        ("ab" * 32, "is not a digest"),
        (DIGEST + "\n", "is not a digest"),
        ("", "is not a digest"),
        (PLACEHOLDER, "refusing to pin the all-zero placeholder digest"),
    ],
)
def test_bad_digests_are_refused(tmp_path: Path, digest: str, message: str) -> None:
    path = write(tmp_path, PLACEHOLDER)
    original = path.read_bytes()
    with pytest.raises(RegistryError, match=message):
        pin_digest(tmp_path, "acme", "1.0.0", digest)
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("name", "version", "message"),
    [
        ("ghost", "1.0.0", "no such manifest"),
        ("acme", "2.0.0", "no such manifest"),
        ("../acme", "1.0.0", "is not a server name"),
        ("acme", "1.0", "is not a MAJOR.MINOR.PATCH version"),
        ("acme", "../../1.0.0", "is not a MAJOR.MINOR.PATCH version"),
    ],
)
def test_missing_or_bad_targets_are_refused(
    tmp_path: Path, name: str, version: str, message: str
) -> None:
    write(tmp_path, PLACEHOLDER)
    with pytest.raises(RegistryError, match=message):
        pin_digest(tmp_path, name, version, DIGEST)


def test_lint_failure_restores_the_original_bytes(tmp_path: Path) -> None:
    # One digest, one manifest: pinning acme to beta's digest must fail lint.
    write(tmp_path, f'"{OTHER}"', name="beta")
    path = write(tmp_path, f'"{PLACEHOLDER}"  # keep me')
    original = path.read_bytes()
    with pytest.raises(PinRejected) as error:
        pin_digest(tmp_path, "acme", "1.0.0", OTHER)
    assert path.read_bytes() == original
    assert any(f.field == "image.digest" for f in error.value.findings)
    message = str(error.value)
    assert message.startswith(f"{tmp_path.as_posix()}/manifests/acme/1.0.0.yaml: pin reverted")
    assert "image.digest" in message
    assert sorted(p.name for p in path.parent.iterdir()) == ["1.0.0.yaml"]


def test_an_unrelated_lint_error_also_restores(tmp_path: Path) -> None:
    path = write(tmp_path, PLACEHOLDER)
    original = path.read_bytes()
    broken = tmp_path / "manifests" / "broken" / "1.0.0.yaml"
    broken.parent.mkdir()
    broken.write_text("name: [unclosed\n")
    with pytest.raises(PinRejected, match=r"manifests/broken/1\.0\.0\.yaml"):
        pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    assert path.read_bytes() == original


def test_multi_line_digest_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f">-\n      {PLACEHOLDER}")
    original = path.read_bytes()
    with pytest.raises(RegistryError, match="must be written on one line"):
        pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    assert path.read_bytes() == original


def test_invalid_manifest_is_refused_with_its_findings(tmp_path: Path) -> None:
    path = write(tmp_path, "[not, a, string]")
    with pytest.raises(RegistryError, match=r"image\.digest: must be a string"):
        replace_digest(path.read_bytes(), "x.yaml", DIGEST)


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, PLACEHOLDER)
    path.chmod(0o640)
    pin_digest(tmp_path, "acme", "1.0.0", DIGEST)
    assert path.stat().st_mode & 0o777 == 0o640


# --- command line -------------------------------------------------------------------


def test_cli_pin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, PLACEHOLDER)
    assert main(["pin", "acme@1.0.0", DIGEST, "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        f"pinned acme@1.0.0: image.digest {DIGEST} (was {PLACEHOLDER})\n"
    )
    assert main(["pin", "acme@1.0.0", DIGEST, "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"acme@1.0.0 already pins {DIGEST}\n"


@pytest.mark.parametrize("ref", ["acme", "acme@", "@1.0.0", "acme@v1"])
def test_cli_pin_bad_ref(tmp_path: Path, ref: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pin", ref, DIGEST, "--root", str(tmp_path)]) == 1
    assert "expected NAME@VERSION" in capsys.readouterr().err


def test_cli_pin_lint_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, f'"{OTHER}"', name="beta")
    write(tmp_path, PLACEHOLDER)
    assert main(["pin", "acme@1.0.0", OTHER, "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("registryctl: error: ")
    assert "pin reverted" in err and "image.digest" in err
