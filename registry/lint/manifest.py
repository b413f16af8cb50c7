"""Rules for one manifest on its own (the registry-wide ones are in :mod:`registry.lint.tree`)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from registry import rules
from registry.egress import registrable_domains, same_organisation
from registry.errors import Finding
from registry.layout import (
    MANIFESTS,
    MAX_NAME,
    VENDOR_DOMAINS,
    is_digest,
    is_name,
    is_version,
)
from registry.lint.hosts import HostPolicy, egress_problems
from registry.lint.text import (
    env_problem,
    format_problem,
    header_problem,
    tool_name_findings,
    unsafe_text_findings,
)
from registry.load.schema import ENTRYPOINT, SCHEMA_VERSION, Credential, Manifest
from registry.load.tree import ManifestEntry
from registry.load.yaml_loader import Loc, YamlDocument

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
SCOPE = re.compile(r"^[\x21-\x7e]+$")
ICON = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_DISPLAY_NAME = 80
MAX_DESCRIPTION = 600


def _path_findings(entry: ManifestEntry, manifest: Manifest) -> list[Finding]:
    parts = PurePosixPath(entry.path).parts
    if len(parts) < 2:
        return []
    folder, filename = parts[-2], parts[-1]
    expected = f"{manifest.name}/{manifest.version}.yaml"
    if f"{folder}/{filename}" == expected:
        return []
    return [
        entry.doc.finding(
            rules.MANIFEST_PATH,
            (),
            f"path must be {MANIFESTS}/{expected} to match name and version "
            f"(is .../{folder}/{filename})",
        )
    ]


def _identity_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    if manifest.schemaVersion != SCHEMA_VERSION:
        findings.append(
            doc.finding(
                rules.SCHEMA_VERSION,
                ("schemaVersion",),
                f"unsupported schema version; must be {SCHEMA_VERSION}",
            )
        )
    if not is_name(manifest.name):
        findings.append(
            doc.finding(
                rules.SERVER_NAME,
                ("name",),
                f"{manifest.name!r} must be lowercase letters, digits and inner hyphens "
                f"(at most {MAX_NAME})",
            )
        )
    if not is_version(manifest.version):
        findings.append(
            doc.finding(
                rules.VERSION,
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
            doc.finding(
                rules.SOURCE_REPO, ("source", "repo"), "must be host/owner/repo without a scheme"
            )
        )
    elif match is None or "." not in match["host"] or {".", ".."} & {match["owner"], match["repo"]}:
        findings.append(
            doc.finding(
                rules.SOURCE_REPO, ("source", "repo"), f"{source.repo!r} must be host/owner/repo"
            )
        )
    if not GIT_TAG.fullmatch(source.tag) or ".." in source.tag or len(source.tag) > 128:
        findings.append(
            doc.finding(
                rules.SOURCE_TAG,
                ("source", "tag"),
                f"{source.tag!r} must be a plain git tag (letters, digits, . _ / + -)",
            )
        )
    package = source.package
    if package and (
        not PACKAGE.fullmatch(package) or ".." in PurePosixPath(package).parts or len(package) > 256
    ):
        findings.append(
            doc.finding(
                rules.SOURCE_PACKAGE,
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
                rules.IMAGE_REF,
                ("image", "ref"),
                f"{image.ref!r} must be an image repository (registry/path), without tag or digest",
            )
        )
    if not is_digest(image.digest):
        findings.append(
            doc.finding(
                rules.IMAGE_DIGEST,
                ("image", "digest"),
                "must be sha256: followed by 64 lowercase hex digits",
            )
        )
    if image.entrypoint != ENTRYPOINT:
        findings.append(
            doc.finding(
                rules.ENTRYPOINT,
                ("image", "entrypoint"),
                f"must be {ENTRYPOINT}: every builder places the server there",
            )
        )
    return findings


def _egress_findings(doc: YamlDocument, manifest: Manifest, policy: HostPolicy) -> list[Finding]:
    findings = []
    seen: set[str] = set()
    for index, entry in enumerate(manifest.entitlements.egress):
        loc = ("entitlements", "egress", index)
        if entry in seen:
            findings.append(
                doc.finding(rules.DUPLICATE_EGRESS, loc, f"duplicate egress entry {entry}")
            )
        seen.add(entry)
        for rule, message in egress_problems(entry, policy):
            findings.append(doc.finding(rule, loc, message))
    return findings


def _credential_fields(
    doc: YamlDocument, loc: Loc, cred: Credential, sealed: bool
) -> list[Finding]:
    findings = []
    if not CREDENTIAL_ID.fullmatch(cred.id) or len(cred.id) > 64:
        findings.append(
            doc.finding(rules.CREDENTIAL_ID, (*loc, "id"), f"{cred.id!r} is not a valid id")
        )
    if not PROVIDER.fullmatch(cred.provider):
        findings.append(
            doc.finding(
                rules.PROVIDER, (*loc, "provider"), f"{cred.provider!r} is not a valid provider"
            )
        )
    if cred.type == "oauth2" and not cred.vendor:
        findings.append(
            doc.finding(rules.OAUTH_VENDOR, (*loc, "vendor"), "required for oauth2 credentials")
        )
    if cred.type == "custom_env" and sealed:
        findings.append(
            doc.finding(
                rules.CUSTOM_ENV_SEALED,
                (*loc, "type"),
                "custom_env credentials need the entrusted tier",
            )
        )
    scopes: set[str] = set()
    for scope_index, scope in enumerate(cred.scopes):
        sloc = (*loc, "scopes", scope_index)
        if not SCOPE.fullmatch(scope):
            findings.append(doc.finding(rules.SCOPE, sloc, f"{scope!r} is not a valid scope"))
        if scope in scopes:
            findings.append(doc.finding(rules.DUPLICATE_SCOPE, sloc, f"duplicate scope {scope}"))
        scopes.add(scope)
    return findings


def _sealed_inject(
    doc: YamlDocument, loc: Loc, cred: Credential, headers: set[str]
) -> list[Finding]:
    findings = []
    inject = cred.inject
    if inject.env:
        findings.append(
            doc.finding(
                rules.SEALED_ENV,
                (*loc, "env"),
                "sealed tier injects header + format; env is for the entrusted tier",
            )
        )
    if not inject.header:
        findings.append(
            doc.finding(
                rules.SEALED_HEADER_MISSING, (*loc, "header"), "required for the sealed tier"
            )
        )
    elif problem := header_problem(inject.header):
        findings.append(doc.finding(problem[0], (*loc, "header"), problem[1]))
    elif inject.header.lower() in headers:
        findings.append(
            doc.finding(
                rules.DUPLICATE_HEADER,
                (*loc, "header"),
                f"another credential already sets {inject.header}",
            )
        )
    headers.add(inject.header.lower())
    if not inject.format:
        findings.append(
            doc.finding(
                rules.SEALED_FORMAT_MISSING, (*loc, "format"), "required for the sealed tier"
            )
        )
    elif problem := format_problem(inject.format):
        findings.append(doc.finding(problem[0], (*loc, "format"), problem[1]))
    return findings


def _entrusted_inject(
    doc: YamlDocument, loc: Loc, cred: Credential, envs: set[str]
) -> list[Finding]:
    findings = []
    inject = cred.inject
    for field in ("header", "format"):
        if getattr(inject, field):
            findings.append(
                doc.finding(
                    rules.ENTRUSTED_HEADER,
                    (*loc, field),
                    "entrusted tier injects env only; header/format are for sealed",
                )
            )
    if not inject.env:
        findings.append(
            doc.finding(
                rules.ENTRUSTED_ENV_MISSING, (*loc, "env"), "required for the entrusted tier"
            )
        )
    elif problem := env_problem(inject.env):
        findings.append(doc.finding(problem[0], (*loc, "env"), problem[1]))
    elif inject.env in envs:
        findings.append(
            doc.finding(
                rules.DUPLICATE_ENV, (*loc, "env"), f"another credential already uses {inject.env}"
            )
        )
    envs.add(inject.env)
    return findings


def _credential_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    ids: set[str] = set()
    headers: set[str] = set()
    envs: set[str] = set()
    sealed = manifest.tier == "sealed"
    for index, cred in enumerate(manifest.credentials):
        loc: Loc = ("credentials", index)
        findings += _credential_fields(doc, loc, cred, sealed)
        if cred.id in ids:
            findings.append(
                doc.finding(
                    rules.DUPLICATE_CREDENTIAL, (*loc, "id"), f"duplicate credential id {cred.id}"
                )
            )
        ids.add(cred.id)
        iloc = (*loc, "inject")
        if sealed:
            findings += _sealed_inject(doc, iloc, cred, headers)
        else:
            findings += _entrusted_inject(doc, iloc, cred, envs)
    if sealed and manifest.credentials and not manifest.entitlements.egress:
        findings.append(
            doc.finding(
                rules.SEALED_NO_EGRESS,
                ("entitlements",),
                "sealed credentials are injected only on egress hosts; declare at least one",
            )
        )
    return findings


def _organisation_findings(
    doc: YamlDocument, manifest: Manifest, policy: HostPolicy
) -> list[Finding]:
    """A sealed credential goes to every egress host: all of them one organisation's."""
    if manifest.tier != "sealed" or not manifest.credentials:
        return []
    psl = policy.suffixes
    units = registrable_domains(manifest.entitlements.egress, psl)
    if same_organisation(units, policy.vendor_groups, psl):
        return []
    first = units[0]
    entry_units = [registrable_domains([e], psl)[0] for e in manifest.entitlements.egress]
    index, unit = next(
        (i, u) for i, u in enumerate(entry_units)
        if not same_organisation([first, u], policy.vendor_groups, psl)
    )
    ids = ", ".join(credential.id for credential in manifest.credentials)
    return [
        doc.finding(
            rules.CREDENTIAL_ORGANISATIONS,
            ("entitlements", "egress", index),
            f"the gateway sends {ids} to every egress host, and {unit} is not the organisation "
            f"of {first}: list both in one vendor group of {VENDOR_DOMAINS} (reviewed), or "
            "make them separate servers",
        )
    ]


def _tool_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = tool_name_findings(doc, [tool.name for tool in manifest.tools])
    if not manifest.default_tools:
        findings.append(
            doc.finding(
                rules.NO_DEFAULT_TOOL,
                ("tools",),
                "no tool has default: true, so the server exposes nothing by default",
            )
        )
    return findings


def _presentation_findings(doc: YamlDocument, manifest: Manifest) -> list[Finding]:
    findings = []
    if len(manifest.displayName) > MAX_DISPLAY_NAME:
        findings.append(
            doc.finding(
                rules.DISPLAY_NAME_LENGTH,
                ("displayName",),
                f"longer than {MAX_DISPLAY_NAME} characters",
            )
        )
    if len(manifest.description) > MAX_DESCRIPTION:
        findings.append(
            doc.finding(
                rules.DESCRIPTION_LENGTH,
                ("description",),
                f"longer than {MAX_DESCRIPTION} characters",
            )
        )
    if manifest.icon and not ICON.fullmatch(manifest.icon):
        findings.append(
            doc.finding(
                rules.ICON,
                ("icon",),
                "must be an icon name (a-z, 0-9, -): a remote icon URL would tell a third "
                "party who reads the catalog",
            )
        )
    return findings


def manifest_findings(entry: ManifestEntry, policy: HostPolicy) -> list[Finding]:
    """Every problem of one schema-valid manifest."""
    doc, manifest = entry.doc, entry.manifest
    egress = _egress_findings(doc, manifest, policy)
    return [
        *_path_findings(entry, manifest),
        *_identity_findings(doc, manifest),
        *_source_findings(doc, manifest),
        *_image_findings(doc, manifest),
        *egress,
        *_credential_findings(doc, manifest),
        # Who owns the hosts is asked of valid hosts only.
        *([] if egress else _organisation_findings(doc, manifest, policy)),
        *_tool_findings(doc, manifest),
        *_presentation_findings(doc, manifest),
        *unsafe_text_findings(doc),
    ]
