"""Rules for a toolspec, checked against the manifest it is paired with."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from registry.errors import Finding
from registry.lint.hosts import host_allowed, hostname_problems
from registry.lint.manifest import TOOL_NAME
from registry.lint.text import header_problem, unsafe_text_findings
from registry.load.schema import Manifest, ToolSpecTool
from registry.load.tree import ToolspecEntry
from registry.load.yaml_loader import Loc, YamlDocument

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_$@.\[\]:-]{1,128}$")
PATH_CHARS = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/{}-]*$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_TOOL_DESCRIPTION = 1000


def base_url_problem(url: str) -> tuple[str | None, str | None]:
    """``(host, problem)`` for a base URL that must be exactly ``https://<host>``."""
    if not url.startswith("https://"):
        return None, "must start with https://"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, "is not a valid URL"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None, "must not contain credentials"
    if port is not None or parts.netloc.endswith(":"):
        return None, "must not name a port"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None, "must be https://<host> only: put the path in each tool's path"
    host = parts.netloc
    problems = hostname_problems(host)
    if problems:
        return None, f"host {problems[0]}"
    return host, None


def _base_url_findings(
    doc: YamlDocument, loc: Loc, url: str, manifest: Manifest | None
) -> list[Finding]:
    host, problem = base_url_problem(url)
    if problem:
        return [doc.finding(loc, problem)]
    if host and manifest is not None and not host_allowed(host, manifest.entitlements.egress):
        return [doc.finding(loc, f"host {host} is not allowed by the manifest's egress")]
    return []


def _tool_findings(
    doc: YamlDocument, index: int, tool: ToolSpecTool, manifest: Manifest | None,
    auth_header: str | None,
) -> list[Finding]:
    loc: Loc = ("tools", index)
    findings = []
    if not tool.description.strip():
        findings.append(doc.finding((*loc, "description"), "must not be empty"))
    elif len(tool.description) > MAX_TOOL_DESCRIPTION:
        findings.append(
            doc.finding((*loc, "description"), f"longer than {MAX_TOOL_DESCRIPTION} characters")
        )
    if tool.baseUrl:
        findings.extend(_base_url_findings(doc, (*loc, "baseUrl"), tool.baseUrl, manifest))
    if tool.encoding and tool.method not in BODY_METHODS:
        findings.append(
            doc.finding((*loc, "encoding"), f"{tool.method} requests have no body to encode")
        )
    path = tool.path
    if not path.startswith("/"):
        findings.append(doc.finding((*loc, "path"), "must be absolute (start with /)"))
    elif not PATH_CHARS.fullmatch(path):
        findings.append(
            doc.finding((*loc, "path"), "may hold only URL path characters (no ?, #, spaces)")
        )
    elif ".." in path.split("/") or "//" in path:
        findings.append(doc.finding((*loc, "path"), "must not contain .. or empty segments"))
    placeholders = PLACEHOLDER.findall(path)
    if "{" in PLACEHOLDER.sub("", path) or "}" in PLACEHOLDER.sub("", path):
        findings.append(doc.finding((*loc, "path"), "has an unbalanced { or }"))
    seen: set[tuple[str, str]] = set()
    path_params: dict[str, int] = {}
    for pindex, param in enumerate(tool.params):
        ploc: Loc = (*loc, "params", pindex)
        key = (param.in_, param.name)
        if not PARAM_NAME.fullmatch(param.name):
            findings.append(doc.finding((*ploc, "name"), f"{param.name!r} is not a valid name"))
        if key in seen:
            findings.append(
                doc.finding((*ploc, "name"), f"duplicate {param.in_} parameter {param.name}")
            )
        seen.add(key)
        if param.in_ == "body" and tool.method not in BODY_METHODS:
            findings.append(
                doc.finding(
                    (*ploc, "in"), f"body parameters need POST, PUT or PATCH, not {tool.method}"
                )
            )
        if param.in_ == "path":
            path_params[param.name] = pindex
            if not param.required:
                findings.append(
                    doc.finding((*ploc, "required"), "path parameters must be required: true")
                )
        if param.in_ == "header":
            problem = header_problem(param.name)
            if problem:
                findings.append(doc.finding((*ploc, "name"), problem))
            elif _sets_credential_header(param.name, manifest, auth_header):
                findings.append(
                    doc.finding(
                        (*ploc, "name"),
                        f"{param.name} carries the injected credential; a tool may not set it",
                    )
                )
    for name in placeholders:
        if name not in path_params:
            findings.append(
                doc.finding((*loc, "path"), f"{{{name}}} has no required in: path parameter")
            )
    for name, pindex in path_params.items():
        if name not in placeholders:
            findings.append(
                doc.finding(
                    (*loc, "params", pindex, "name"), f"path parameter {name} is not in the path"
                )
            )
    if len(placeholders) != len(set(placeholders)):
        findings.append(doc.finding((*loc, "path"), "a placeholder appears twice"))
    return findings


def _sets_credential_header(name: str, manifest: Manifest | None, auth: str | None) -> bool:
    lowered = name.lower()
    if auth is not None and lowered == auth.lower():
        return True
    if manifest is None:
        return lowered == "authorization"
    return lowered == "authorization" or any(
        c.inject.header.lower() == lowered for c in manifest.credentials if c.inject.header
    )


def toolspec_findings(entry: ToolspecEntry, manifest: Manifest | None) -> list[Finding]:
    """Every problem of one schema-valid toolspec; ``manifest`` is its pair, if any."""
    doc, spec = entry.doc, entry.toolspec
    findings: list[Finding] = []
    parts = PurePosixPath(entry.path).parts
    expected = f"{spec.name}/{spec.version}.yaml"
    if len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" != expected:
        findings.append(
            doc.finding((), f"path must be toolspecs/{expected} to match name and version")
        )
    if spec.schemaVersion != 1:
        findings.append(doc.finding(("schemaVersion",), "unsupported schema version; must be 1"))
    if manifest is None:
        findings.append(
            doc.finding(
                ("name",),
                f"no manifest {spec.name}@{spec.version}: a toolspec needs manifests/{expected}",
            )
        )
    elif manifest.image.effective_builder != "toolpack":
        findings.append(
            doc.finding(
                ("name",),
                f"manifest {manifest.ref} does not use the toolpack builder; "
                "only toolpack servers have toolspecs",
            )
        )
    findings.extend(_base_url_findings(doc, ("baseUrl",), spec.baseUrl, manifest))
    auth_header = None
    if spec.auth is not None:
        auth_header = spec.auth.header
        if manifest is not None and manifest.tier == "sealed":
            findings.append(
                doc.finding(
                    ("auth",),
                    "sealed tier: the gateway injects credentials; the toolspec must not",
                )
            )
        elif manifest is not None and not manifest.credentials:
            findings.append(doc.finding(("auth",), "the manifest declares no credential to use"))
        if problem := header_problem(spec.auth.header):
            findings.append(doc.finding(("auth", "header"), problem))
        if "{token}" not in spec.auth.format:
            findings.append(doc.finding(("auth", "format"), "must contain {token}"))
    elif manifest is not None and manifest.tier == "entrusted" and manifest.credentials:
        findings.append(
            doc.finding(
                (),
                "entrusted tier with credentials: auth {header, format} is required",
            )
        )
    names: dict[str, int] = {}
    for index, tool in enumerate(spec.tools):
        if not TOOL_NAME.fullmatch(tool.name):
            findings.append(doc.finding(("tools", index, "name"), f"{tool.name!r} is not valid"))
        if tool.name in names:
            findings.append(doc.finding(("tools", index, "name"), f"duplicate tool {tool.name}"))
        names.setdefault(tool.name, index)
        findings.extend(_tool_findings(doc, index, tool, manifest, auth_header))
    if manifest is not None:
        declared = {t.name for t in manifest.tools}
        for name, index in names.items():
            if name not in declared:
                findings.append(
                    doc.finding(
                        ("tools", index, "name"),
                        f"tool {name} is not declared in the manifest's tools",
                    )
                )
        for name in sorted(declared - names.keys()):
            findings.append(
                doc.finding(("tools",), f"manifest tool {name} has no mapping in this toolspec")
            )
    findings.extend(unsafe_text_findings(doc))
    return findings
