"""Pinning a built image's digest into its manifest, touching nothing else.

After build-images prints a digest, a maintainer (or the contributor) runs
``registryctl pin NAME@VERSION sha256:…``. The file is a reviewed document
with comments and the author's formatting, so only the characters of the
``image.digest`` value change: ruamel.yaml's round-trip composer locates the
scalar (with its exact span and quoting style) and the new digest is written
in the same style in its place. The edited file is checked to parse to the
same data apart from that one value, written atomically, and the whole tree
is linted again; if lint fails the original bytes are put back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from registry.errors import FileRefused, Finding, PinRejected, RegistryError, errors_only
from registry.fileio import read_bounded, write_atomic
from registry.layout import PLACEHOLDER_DIGEST, display_path, is_digest, manifest_path
from registry.lint.runner import lint_paths
from registry.load.schema import Manifest, validate_document
from registry.load.yaml_loader import MAX_BYTES, parse_yaml

_BOM = "\ufeff"


@dataclass(frozen=True)
class PinResult:
    """What :func:`pin_digest` did to which file."""

    path: Path
    ref: str
    old_digest: str
    new_digest: str

    @property
    def changed(self) -> bool:
        return self.old_digest != self.new_digest


def check_digest(digest: str) -> None:
    """Refuse anything but ``sha256:`` + 64 lowercase hex, and the placeholder."""
    if not is_digest(digest):
        raise RegistryError(
            f"{digest[:80]!r} is not a digest: expected sha256: followed by 64 lowercase hex digits"
        )
    if digest == PLACEHOLDER_DIGEST:
        raise RegistryError("refusing to pin the all-zero placeholder digest")


def _child(node: Node, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node  # type: ignore[no-any-return]
    return None


def _findings_error(path: str, findings: list[Finding]) -> RegistryError:
    lines = [f"{path}: cannot pin, fix these first:"]
    lines += [f"  {finding.format()}" for finding in sorted(findings)]
    return RegistryError("\n".join(lines))


def replace_digest(raw: bytes, path: str, digest: str) -> tuple[bytes, str]:
    """Return ``raw`` with ``image.digest`` set to ``digest``, and the old digest.

    Every other byte is kept: comments, key order, quoting, line endings.
    """
    doc, findings = parse_yaml(raw, path)
    if doc is None:
        raise _findings_error(path, findings)
    manifest, findings = validate_document(doc, Manifest)
    if manifest is None:
        raise _findings_error(path, findings)
    text = raw.decode("utf-8")
    bom = _BOM if text.startswith(_BOM) else ""
    body = text[len(bom):]
    try:
        root = YAML(typ="rt").compose(body)
    except YAMLError as exc:  # parse_yaml accepted it, so this is unexpected
        raise RegistryError(f"{path}: cannot locate image.digest: {exc}") from exc
    image = _child(root, "image")
    node = _child(image, "digest") if image is not None else None
    if not isinstance(node, ScalarNode):
        raise RegistryError(f"{path}: cannot locate image.digest")
    start, end = node.start_mark.index, node.end_mark.index
    written = body[start:end]
    quote = {'"': '"', "'": "'"}.get(node.style or "", "")
    # Only one-line digests are edited in place; anything else would need reformatting.
    if node.style not in (None, "", '"', "'") or written != f"{quote}{node.value}{quote}":
        raise RegistryError(
            f"{path}: image.digest must be written on one line, plain or quoted, to be pinned"
        )
    new_text = bom + body[:start] + f"{quote}{digest}{quote}" + body[end:]
    new_raw = new_text.encode("utf-8")
    _check_only_digest_changed(doc.data, new_raw, path, digest)
    return new_raw, manifest.image.digest


def _check_only_digest_changed(before: object, new_raw: bytes, path: str, digest: str) -> None:
    doc, _ = parse_yaml(new_raw, path)
    expected = before
    if isinstance(before, dict) and isinstance(before.get("image"), dict):
        expected = {**before, "image": {**before["image"], "digest": digest}}
    if doc is None or doc.data != expected:
        raise RegistryError(f"{path}: editing image.digest would change more than the digest")


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise RegistryError(f"{display_path(path)}: cannot write: {exc.strerror}") from exc


def pin_digest(root: Path, name: str, version: str, digest: str) -> PinResult:
    """Set ``image.digest`` of ``manifests/<name>/<version>.yaml`` under ``root``.

    The tree is linted after the edit; on any lint error the original bytes
    are restored and :class:`PinRejected` lists the findings. Pinning the
    digest already there changes nothing.
    """
    check_digest(digest)
    path = manifest_path(root, name, version)
    shown = display_path(path)
    if not path.exists() and not path.is_symlink():
        raise RegistryError(f"{shown}: no such manifest (add it before pinning its digest)")
    try:
        raw = read_bounded(path, MAX_BYTES)
    except FileRefused as refusal:
        raise RegistryError(str(refusal)) from None
    new_raw, old_digest = replace_digest(raw, shown, digest)
    result = PinResult(path, f"{name}@{version}", old_digest, digest)
    if not result.changed:
        return result
    _write(path, new_raw)
    try:
        findings = lint_paths(root).findings
    except BaseException:
        _write(path, raw)
        raise
    if errors_only(findings):
        _write(path, raw)
        raise PinRejected(path, findings)
    return result
