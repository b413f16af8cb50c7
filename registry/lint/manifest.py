"""Rules for one manifest on its own (the registry-wide ones are in lint.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from registry.errors import Finding, Severity
from registry.lint.hosts import PublicSuffixes, egress_problems
from registry.lint.text import (
    MAX_NAME,
    NAME,
    env_problem,
    format_problem,
    header_problem,
    unsafe_text_findings,
)
from registry.load.schema import ENTRYPOINT, SCHEMA_VERSION, Manifest
from registry.load.tree import ManifestEntry
from registry.load.yaml_loader import YamlDocument
from registry.semver import is_version

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# host/owner/repo, no scheme: the builder clones https://<repo>.
SOURCE_REPO = re.compile(
    r"^(?P<host>[a-z0-9.-]+)/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)$"
)
# Tags and packages become build arguments and git arguments: keep them plain.
GIT_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/+-]*$")
PACKAGE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9._/-]*$")
IMAGE_REF = re.compile(r"^[a-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$")
CREDENTIAL_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
SCOPE = re.compile(r"^[\x21-\x7e]+$")
ICON = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_DISPLAY_NAME = 80
MAX_DESCRIPTION = 600


def _path_findings(entry: ManifestEntry, manifest: Manifest) -> list[Finding]:
    doc = entry.doc
    parts = PurePosixPath(entry.path).parts
    findings = []
    if len(parts) >= 2:
        folder, filename = parts[-2], parts[-1]
        expected = f"{manifest.name}/{manifest.version}.yaml"
        if f"{folder}/{filename}" != expected:
            findings.append(
                doc.finding(
                    (),
                    f"path must be manifests/{expected} to match name and version "
                    f"(is .../{folder}/{filename})",
                )
            )
    return findings


def _identity_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    if manifest.schemaVersion != SCHEMA_VERSION:
        findings.append(
            doc.finding(("schemaVersion",), f"unsupported schema version; must be {SCHEMA_VERSION}")
        )
    if not NAME.fullmatch(manifest.name) or len(manifest.name) > MAX_NAME:
        findings.append(
            doc.finding(
                ("name",),
                f"{manifest.name!r} must be lowercase letters, digits and inner hyphens "
                f"(at most {MAX_NAME})",
            )
        )
    if not is_version(manifest.version):
        findings.append(
            doc.finding(
                ("version",),
                f"{manifest.version!r} must be MAJOR.MINOR.PATCH without leading zeros",
            )
        )
    return findings


def _source_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    source = manifest.source
    match = SOURCE_REPO.fullmatch(source.repo)
    if "://" in source.repo:
        findings.append(
            doc.finding(("source", "repo"), "must be host/owner/repo without a scheme")
        )
    elif (
        match is None
        or "." not in match["host"]
        or {".", ".."} & {match["owner"], match["repo"]}
    ):
        findings.append(
            doc.finding(("source", "repo"), f"{source.repo!r} must be host/owner/repo")
        )
    if not GIT_TAG.fullmatch(source.tag) or ".." in source.tag or len(source.tag) > 128:
        findings.append(
            doc.finding(
                ("source", "tag"),
                f"{source.tag!r} must be a plain git tag (letters, digits, . _ / + -)",
            )
        )
    package = source.package
    if package and (
        not PACKAGE.fullmatch(package)
        or ".." in PurePosixPath(package).parts
        or len(package) > 256
    ):
        findings.append(
            doc.finding(
                ("source", "package"),
                f"{package!r} must be a relative path inside the repository",
            )
        )
    return findings


def _image_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    image = manifest.image
    if not IMAGE_REF.fullmatch(image.ref):
        findings.append(
            doc.finding(
                ("image", "ref"),
                f"{image.ref!r} must be an image repository (registry/path), "
                "without tag or digest",
            )
        )
    if not DIGEST.fullmatch(image.digest):
        findings.append(
            doc.finding(("image", "digest"), "must be sha256: followed by 64 lowercase hex digits")
        )
    if image.entrypoint != ENTRYPOINT:
        findings.append(
            doc.finding(
                ("image", "entrypoint"),
                f"must be {ENTRYPOINT}: every builder places the server there",
            )
        )
    return findings


def _egress_findings(
    doc: YamlDocument,
    manifest: Manifest,
    denylist: Sequence[str],
    exceptions: Sequence[str],
    psl: PublicSuffixes,
) -> list[Finding]:
    findings = []
    seen: set[str] = set()
    for index, entry in enumerate(manifest.entitlements.egress):
        loc = ("entitlements", "egress", index)
        if entry in seen:
            findings.append(doc.finding(loc, f"duplicate egress entry {entry}"))
        seen.add(entry)
        for problem in egress_problems(
            entry, denylist=denylist, wildcard_exceptions=exceptions, psl=psl
        ):
            findings.append(doc.finding(loc, problem))
    return findings


def _credential_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    ids: set[str] = set()
    headers: set[str] = set()
    envs: set[str] = set()
    sealed = manifest.tier == "sealed"
    for index, cred in enumerate(manifest.credentials):
        loc = ("credentials", index)
        if not CREDENTIAL_ID.fullmatch(cred.id) or len(cred.id) > 64:
            findings.append(doc.finding((*loc, "id"), f"{cred.id!r} is not a valid id"))
        if cred.id in ids:
            findings.append(doc.finding((*loc, "id"), f"duplicate credential id {cred.id}"))
        ids.add(cred.id)
        if not PROVIDER.fullmatch(cred.provider):
            findings.append(
                doc.finding((*loc, "provider"), f"{cred.provider!r} is not a valid provider")
            )
        if cred.type == "oauth2" and not cred.vendor:
            findings.append(doc.finding((*loc, "vendor"), "required for oauth2 credentials"))
        if cred.type == "custom_env" and sealed:
            findings.append(
                doc.finding((*loc, "type"), "custom_env credentials need the entrusted tier")
            )
        scopes: set[str] = set()
        for scope_index, scope in enumerate(cred.scopes):
            if not SCOPE.fullmatch(scope):
                findings.append(
                    doc.finding((*loc, "scopes", scope_index), f"{scope!r} is not a valid scope")
                )
            if scope in scopes:
                findings.append(
                    doc.finding((*loc, "scopes", scope_index), f"duplicate scope {scope}")
                )
            scopes.add(scope)
        inject = cred.inject
        iloc = (*loc, "inject")
        if sealed:
            if inject.env:
                findings.append(
                    doc.finding(
                        (*iloc, "env"),
                        "sealed tier injects header + format; env is for the entrusted tier",
                    )
                )
            if not inject.header:
                findings.append(doc.finding((*iloc, "header"), "required for the sealed tier"))
            elif problem := header_problem(inject.header):
                findings.append(doc.finding((*iloc, "header"), problem))
            elif inject.header.lower() in headers:
                findings.append(
                    doc.finding(
                        (*iloc, "header"), f"another credential already sets {inject.header}"
                    )
                )
            headers.add(inject.header.lower())
            if not inject.format:
                findings.append(doc.finding((*iloc, "format"), "required for the sealed tier"))
            elif problem := format_problem(inject.format):
                findings.append(doc.finding((*iloc, "format"), problem))
        else:
            for field in ("header", "format"):
                if getattr(inject, field):
                    findings.append(
                        doc.finding(
                            (*iloc, field),
                            "entrusted tier injects env only; header/format are for sealed",
                        )
                    )
            if not inject.env:
                findings.append(doc.finding((*iloc, "env"), "required for the entrusted tier"))
            elif problem := env_problem(inject.env):
                findings.append(doc.finding((*iloc, "env"), problem))
            elif inject.env in envs:
                findings.append(
                    doc.finding((*iloc, "env"), f"another credential already uses {inject.env}")
                )
            envs.add(inject.env)
    if sealed and manifest.credentials and not manifest.entitlements.egress:
        findings.append(
            doc.finding(
                ("entitlements",),
                "sealed credentials are injected only on egress hosts; declare at least one",
            )
        )
    return findings


def _tool_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    names: set[str] = set()
    for index, tool in enumerate(manifest.tools):
        loc = ("tools", index, "name")
        if not TOOL_NAME.fullmatch(tool.name):
            findings.append(
                doc.finding(loc, f"{tool.name!r} must be 1-128 of A-Z a-z 0-9 _ . -")
            )
        if tool.name in names:
            findings.append(doc.finding(loc, f"duplicate tool {tool.name}"))
        names.add(tool.name)
    if not manifest.default_tools:
        findings.append(
            doc.finding(
                ("tools",),
                "no tool has default: true, so the server exposes nothing by default",
                severity=Severity.WARNING,
            )
        )
    return findings


def _presentation_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    if len(manifest.displayName) > MAX_DISPLAY_NAME:
        findings.append(
            doc.finding(("displayName",), f"longer than {MAX_DISPLAY_NAME} characters")
        )
    if len(manifest.description) > MAX_DESCRIPTION:
        findings.append(
            doc.finding(("description",), f"longer than {MAX_DESCRIPTION} characters")
        )
    if manifest.icon and not ICON.fullmatch(manifest.icon):
        findings.append(
            doc.finding(
                ("icon",),
                "must be an icon name (a-z, 0-9, -): a remote icon URL would tell a third "
                "party who reads the catalog",
            )
        )
    return findings


def manifest_findings(
    entry: ManifestEntry,
    *,
    denylist: Sequence[str],
    wildcard_exceptions: Sequence[str],
    psl: PublicSuffixes,
) -> list[Finding]:
    """Every problem of one schema-valid manifest."""
    doc, manifest = entry.doc, entry.manifest
    return [
        *_path_findings(entry, manifest),
        *_identity_findings(doc, manifest),
        *_source_findings(doc, manifest),
        *_image_findings(doc, manifest),
        *_egress_findings(doc, manifest, denylist, wildcard_exceptions, psl),
        *_credential_findings(doc, manifest),
        *_tool_findings(doc, manifest),
        *_presentation_findings(doc, manifest),
        *unsafe_text_findings(doc),
    ]
