"""Rules for a toolspec, checked against the manifest it is paired with."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from registry import rules
from registry.egress import host_allowed
from registry.errors import Finding
from registry.layout import TOOLSPECS
from registry.lint.hosts import Problem, hostname_problems
from registry.lint.text import (
    format_problem,
    header_problem,
    tool_name_findings,
    unsafe_text_findings,
)
from registry.load.schema import Manifest, ToolSpecTool
from registry.load.tree import ToolspecEntry
from registry.load.yaml_loader import Loc, YamlDocument
from registry.tools import has_body, side_effect

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_$@.\[\]:-]{1,128}$")
# RFC 3986 path characters without "%" (an escape decodes to a different path:
# %2e%2e is "..", %2f a "/") and ";" (matrix parameters some servers strip).
PATH_CHARS = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,=:@/{}-]*$")
MAX_TOOL_DESCRIPTION = 1000
TOOLSPEC_SCHEMA_VERSION = 1
# Headers and fields that make a server treat a request as another method: a
# tool whose side effect is read off its method must not be able to change it.
METHOD_OVERRIDES = frozenset(
    {"x-http-method-override", "x-http-method", "x-method-override", "_method"}
)


def base_url_problem(url: str) -> tuple[str | None, Problem | None]:
    """``(host, problem)`` for a base URL that must be exactly ``https://<host>``."""
    if not url.startswith("https://"):
        return None, (rules.BASE_URL, "must start with https://")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, (rules.BASE_URL, "is not a valid URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None, (rules.BASE_URL, "must not contain credentials")
    if port is not None or parts.netloc.endswith(":"):
        return None, (rules.BASE_URL, "must not name a port")
    if not parts.netloc:
        return None, (rules.BASE_URL, "must name a host: https://<host>")
    if parts.path not in ("", "/") or any(char in url for char in "?#\\"):
        return None, (
            rules.BASE_URL,
            "must be https://<host> only: put the path in each tool's path",
        )
    host = parts.netloc
    problems = hostname_problems(host)
    if problems:
        rule, message = problems[0]
        return None, (rule, f"host {message}")
    return host, None


def _base_url_findings(
    doc: YamlDocument, loc: Loc, url: str, manifest: Manifest | None
) -> list[Finding]:
    host, problem = base_url_problem(url)
    if problem:
        return [doc.finding(problem[0], loc, problem[1])]
    if host and manifest is not None and not host_allowed(host, manifest.entitlements.egress):
        return [
            doc.finding(
                rules.BASE_URL_EGRESS, loc, f"host {host} is not allowed by the manifest's egress"
            )
        ]
    return []


def _path_findings(doc: YamlDocument, loc: Loc, path: str) -> list[Finding]:
    ploc = (*loc, "path")
    if not path.startswith("/"):
        return [doc.finding(rules.PATH_NOT_ABSOLUTE, ploc, "must be absolute (start with /)")]
    if not PATH_CHARS.fullmatch(path):
        return [
            doc.finding(
                rules.PATH_CHARACTERS,
                ploc,
                "may hold only plain URL path characters (no ?, #, %-escapes, ;, \\ or spaces): "
                "the request must go to exactly the path shown",
            )
        ]
    if {".", ".."} & set(path.split("/")) or "//" in path:
        return [
            doc.finding(rules.PATH_SEGMENTS, ploc, "must not contain . or .. or empty segments")
        ]
    bare = PLACEHOLDER.sub("", path)
    if "{" in bare or "}" in bare:
        return [doc.finding(rules.PATH_BRACES, ploc, "has an unbalanced { or }")]
    return []


def _param_findings(
    doc: YamlDocument,
    loc: Loc,
    tool: ToolSpecTool,
    manifest: Manifest | None,
    auth_header: str | None,
) -> tuple[list[Finding], dict[str, int]]:
    findings = []
    seen: set[tuple[str, str]] = set()
    path_params: dict[str, int] = {}
    for pindex, param in enumerate(tool.params):
        ploc: Loc = (*loc, "params", pindex)
        key = (param.in_, param.name)
        if not PARAM_NAME.fullmatch(param.name):
            findings.append(
                doc.finding(
                    rules.PARAM_NAME, (*ploc, "name"), f"{param.name!r} is not a valid name"
                )
            )
        if key in seen:
            findings.append(
                doc.finding(
                    rules.DUPLICATE_PARAM,
                    (*ploc, "name"),
                    f"duplicate {param.in_} parameter {param.name}",
                )
            )
        seen.add(key)
        if param.name.lower() in METHOD_OVERRIDES:
            findings.append(
                doc.finding(
                    rules.METHOD_OVERRIDE,
                    (*ploc, "name"),
                    f"{param.name} makes servers treat the request as another method; a "
                    f"{tool.method} tool must stay a {tool.method}",
                )
            )
        if len(param.description) > MAX_TOOL_DESCRIPTION:
            findings.append(
                doc.finding(
                    rules.TOOL_DESCRIPTION_LENGTH,
                    (*ploc, "description"),
                    f"longer than {MAX_TOOL_DESCRIPTION} characters",
                )
            )
        if param.in_ == "body" and not has_body(tool.method):
            findings.append(
                doc.finding(
                    rules.BODY_PARAM_METHOD,
                    (*ploc, "in"),
                    f"body parameters need POST, PUT or PATCH, not {tool.method}",
                )
            )
        if param.in_ == "path":
            path_params[param.name] = pindex
            if not param.required:
                findings.append(
                    doc.finding(
                        rules.PATH_PARAM_OPTIONAL,
                        (*ploc, "required"),
                        "path parameters must be required: true",
                    )
                )
        if param.in_ == "header":
            problem = header_problem(param.name)
            if problem:
                findings.append(doc.finding(problem[0], (*ploc, "name"), problem[1]))
            elif _sets_credential_header(param.name, manifest, auth_header):
                findings.append(
                    doc.finding(
                        rules.CREDENTIAL_HEADER_PARAM,
                        (*ploc, "name"),
                        f"{param.name} carries the injected credential; a tool may not set it",
                    )
                )
    return findings, path_params


def _tool_findings(
    doc: YamlDocument,
    index: int,
    tool: ToolSpecTool,
    manifest: Manifest | None,
    auth_header: str | None,
) -> list[Finding]:
    loc: Loc = ("tools", index)
    findings = []
    if not tool.description.strip():
        findings.append(
            doc.finding(rules.TOOL_DESCRIPTION_EMPTY, (*loc, "description"), "must not be empty")
        )
    elif len(tool.description) > MAX_TOOL_DESCRIPTION:
        findings.append(
            doc.finding(
                rules.TOOL_DESCRIPTION_LENGTH,
                (*loc, "description"),
                f"longer than {MAX_TOOL_DESCRIPTION} characters",
            )
        )
    if tool.baseUrl:
        findings.extend(_base_url_findings(doc, (*loc, "baseUrl"), tool.baseUrl, manifest))
    if tool.encoding and not has_body(tool.method):
        findings.append(
            doc.finding(
                rules.ENCODING_WITHOUT_BODY,
                (*loc, "encoding"),
                f"{tool.method} requests have no body to encode",
            )
        )
    findings += _path_findings(doc, loc, tool.path)
    param_findings, path_params = _param_findings(doc, loc, tool, manifest, auth_header)
    findings += param_findings
    placeholders = PLACEHOLDER.findall(tool.path)
    for name in placeholders:
        if name not in path_params:
            findings.append(
                doc.finding(
                    rules.PLACEHOLDER_UNBOUND,
                    (*loc, "path"),
                    f"{{{name}}} has no required in: path parameter",
                )
            )
    for name, pindex in path_params.items():
        if name not in placeholders:
            findings.append(
                doc.finding(
                    rules.PATH_PARAM_UNUSED,
                    (*loc, "params", pindex, "name"),
                    f"path parameter {name} is not in the path",
                )
            )
    if len(placeholders) != len(set(placeholders)):
        findings.append(
            doc.finding(rules.PLACEHOLDER_TWICE, (*loc, "path"), "a placeholder appears twice")
        )
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


def _pairing_findings(entry: ToolspecEntry, manifest: Manifest | None) -> list[Finding]:
    doc, spec = entry.doc, entry.toolspec
    findings = []
    parts = PurePosixPath(entry.path).parts
    expected = f"{spec.name}/{spec.version}.yaml"
    if len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" != expected:
        findings.append(
            doc.finding(
                rules.TOOLSPEC_PATH,
                (),
                f"path must be {TOOLSPECS}/{expected} to match name and version "
                f"(is .../{parts[-2]}/{parts[-1]})",
            )
        )
    if spec.schemaVersion != TOOLSPEC_SCHEMA_VERSION:
        findings.append(
            doc.finding(
                rules.TOOLSPEC_SCHEMA_VERSION,
                ("schemaVersion",),
                f"unsupported schema version; must be {TOOLSPEC_SCHEMA_VERSION}",
            )
        )
    if manifest is None:
        findings.append(
            doc.finding(
                rules.TOOLSPEC_UNPAIRED,
                ("name",),
                f"no manifest {spec.name}@{spec.version}: a toolspec needs manifests/{expected}",
            )
        )
    elif manifest.image.effective_builder != "toolpack":
        findings.append(
            doc.finding(
                rules.TOOLSPEC_NOT_TOOLPACK,
                ("name",),
                f"manifest {manifest.ref} does not use the toolpack builder; "
                "only toolpack servers have toolspecs",
            )
        )
    return findings


def _auth_findings(entry: ToolspecEntry, manifest: Manifest | None) -> list[Finding]:
    doc, spec = entry.doc, entry.toolspec
    findings = []
    if spec.auth is None:
        if manifest is not None and manifest.tier == "entrusted" and manifest.credentials:
            findings.append(
                doc.finding(
                    rules.AUTH_MISSING,
                    (),
                    "entrusted tier with credentials: auth {header, format} is required",
                )
            )
        return findings
    if manifest is not None and manifest.tier == "sealed":
        findings.append(
            doc.finding(
                rules.AUTH_SEALED,
                ("auth",),
                "sealed tier: the gateway injects credentials; the toolspec must not",
            )
        )
    elif manifest is not None and not manifest.credentials:
        findings.append(
            doc.finding(
                rules.AUTH_NO_CREDENTIAL, ("auth",), "the manifest declares no credential to use"
            )
        )
    if problem := header_problem(spec.auth.header):
        findings.append(doc.finding(problem[0], ("auth", "header"), problem[1]))
    if problem := format_problem(spec.auth.format):
        findings.append(doc.finding(problem[0], ("auth", "format"), problem[1]))
    return findings


def toolspec_findings(entry: ToolspecEntry, manifest: Manifest | None) -> list[Finding]:
    """Every problem of one schema-valid toolspec; ``manifest`` is its pair, if any."""
    doc, spec = entry.doc, entry.toolspec
    findings = _pairing_findings(entry, manifest)
    findings += _base_url_findings(doc, ("baseUrl",), spec.baseUrl, manifest)
    findings += _auth_findings(entry, manifest)
    auth_header = spec.auth.header if spec.auth is not None else None
    findings += tool_name_findings(doc, [tool.name for tool in spec.tools])
    names: dict[str, int] = {}
    for index, tool in enumerate(spec.tools):
        names.setdefault(tool.name, index)
        findings.extend(_tool_findings(doc, index, tool, manifest, auth_header))
    if manifest is not None:
        declared = {t.name for t in manifest.tools}
        for name, index in names.items():
            if name not in declared:
                findings.append(
                    doc.finding(
                        rules.TOOL_UNDECLARED,
                        ("tools", index, "name"),
                        f"tool {name} is not declared in the manifest's tools",
                    )
                )
        for name in sorted(declared - names.keys()):
            findings.append(
                doc.finding(
                    rules.TOOL_UNMAPPED,
                    ("tools",),
                    f"manifest tool {name} has no mapping in this toolspec",
                )
            )
        exposed = set(manifest.default_tools)
        for index, tool in enumerate(spec.tools):
            if tool.name in exposed and side_effect(tool.method) == "destructive":
                findings.append(
                    doc.finding(
                        rules.DEFAULT_DELETE,
                        ("tools", index, "method"),
                        f"{tool.name} deletes ({tool.method} {tool.path}) and the manifest "
                        "exposes it by default: gateways offer it without asking; set "
                        "default: false",
                    )
                )
    findings.extend(unsafe_text_findings(doc))
    return findings
