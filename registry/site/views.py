"""What a server page shows, derived from a manifest and its toolspec.

Pure functions from models to small frozen dataclasses the templates read.
Everything here is plain text; escaping is the templates' job (autoescape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from registry.load.schema import Credential, Manifest, Toolspec
from registry.load.tree import ManifestEntry, Registry
from registry.render.catalog import ServerSummary, summarize
from registry.review.diff import EntitlementDiff, credential_domains
from registry.status import status_of
from registry.tools import (
    SIDE_EFFECTS,
    SideEffect,
    ToolHints,
    body_encoding,
    side_effect,
    tool_hints,
)

TIER_EXPLANATIONS = {
    "sealed": "The server never holds your secret: it only ever sees a placeholder token, "
    "and the gateway's egress proxy adds the real credential to requests bound for the "
    "allowed hosts.",
    "entrusted": "The server receives the secret itself (in an environment variable) "
    "and could use it for anything it can reach: trust the code with the credential.",
}

CREDENTIAL_TYPES = {
    "oauth2": "OAuth 2.0",
    "api_key": "API key",
    "basic": "HTTP basic auth",
    "custom_env": "Custom secret",
}


@dataclass(frozen=True)
class ParamView:
    name: str
    location: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class ToolView:
    """A manifest tool, with what its toolspec says it does when there is one."""

    name: str
    default: bool
    described: bool
    description: str = ""
    method: str = ""
    path: str = ""
    base_url: str = ""
    encoding: str = ""
    params: tuple[ParamView, ...] = ()
    side_effect: SideEffect | None = None
    hints: ToolHints | None = None


@dataclass(frozen=True)
class EgressView:
    host: str
    wildcard: bool
    explanation: str


@dataclass(frozen=True)
class CredentialView:
    id: str
    type: str
    type_label: str
    provider: str
    vendor: str
    scopes: tuple[str, ...]
    delivery: str
    """Where the secret goes: a header set by the proxy, or an env variable."""


@dataclass(frozen=True)
class VersionView:
    version: str
    latest: bool
    status: str
    diff: EntitlementDiff


@dataclass(frozen=True)
class ServerView:
    """Everything a server or version page shows about one manifest."""

    manifest: Manifest
    summary: ServerSummary
    credential_domains: tuple[str, ...]
    """The registrable domains every sealed credential of the server is sent to."""
    default_effects: tuple[tuple[DefaultEffect, int], ...]
    """What the tools exposed by default can do: (read|write|destructive, how many)."""
    tier_explanation: str
    egress: tuple[EgressView, ...]
    credentials: tuple[CredentialView, ...]
    tools: tuple[ToolView, ...]
    toolspec_base_url: str
    toolspec_auth: str
    source_url: str
    diff: EntitlementDiff
    versions: tuple[VersionView, ...]

    @property
    def digest_ref(self) -> str:
        """``sha256:…`` install ref, or empty while the digest is a placeholder."""
        image = self.manifest.image
        return "" if image.is_placeholder else image.digest


def egress_view(host: str) -> EgressView:
    if host.startswith("*."):
        suffix = host[2:]
        return EgressView(
            host,
            True,
            f"wildcard: any host name ending in .{suffix} (such as api.{suffix}), "
            f"not {suffix} itself",
        )
    return EgressView(host, False, "exactly this host")


def credential_view(credential: Credential, tier: str) -> CredentialView:
    inject = credential.inject
    if inject.header:
        delivery = (
            f"the gateway's egress proxy sets the {inject.header} header to "
            f"“{inject.format}”, with the secret in place of {{token}}"
        )
    elif inject.env:
        delivery = f"the server receives the secret in the {inject.env} environment variable"
    else:
        delivery = f"not declared for the {tier} tier"
    return CredentialView(
        id=credential.id,
        type=credential.type,
        type_label=CREDENTIAL_TYPES.get(credential.type, credential.type),
        provider=credential.provider,
        vendor=credential.vendor,
        scopes=tuple(credential.scopes),
        delivery=delivery,
    )


def tool_views(manifest: Manifest, toolspec: Toolspec | None) -> tuple[ToolView, ...]:
    """The manifest's tools in manifest order, each joined with its toolspec entry."""
    described = {tool.name: tool for tool in toolspec.tools} if toolspec else {}
    views = []
    for tool in manifest.tools:
        spec = described.get(tool.name)
        if spec is None:
            views.append(ToolView(tool.name, tool.default, described=False))
            continue
        views.append(
            ToolView(
                name=tool.name,
                default=tool.default,
                described=True,
                description=spec.description,
                method=spec.method,
                path=spec.path,
                base_url=spec.baseUrl,
                encoding=body_encoding(spec),
                params=tuple(
                    ParamView(p.name, p.in_, p.type, p.required, p.description)
                    for p in spec.params
                ),
                side_effect=side_effect(spec.method),
                hints=tool_hints(spec.method),
            )
        )
    return tuple(views)


def source_url(manifest: Manifest) -> str:
    """A browsable https link to the tagged source (always https, path-quoted)."""
    source = manifest.source
    repo = quote(source.repo.strip("/"), safe="/")
    host = repo.split("/", 1)[0]
    if host in ("github.com", "gitlab.com", "codeberg.org"):
        tree = "tree" if host != "gitlab.com" else "-/tree"
        url = f"https://{repo}/{tree}/{quote(source.tag, safe='')}"
        package = source.package.strip("/")
        if package and package != ".":
            url += "/" + quote(package, safe="/")
        return url
    return f"https://{repo}"


def version_views(
    versions: list[tuple[ManifestEntry, EntitlementDiff]],
) -> tuple[VersionView, ...]:
    """A server's versions, newest first, each with its diff against the one before."""
    last = versions[-1][0] if versions else None
    return tuple(
        VersionView(
            version=entry.manifest.version,
            latest=entry is last,
            status=status_of(entry.manifest),
            diff=diff,
        )
        for entry, diff in reversed(versions)
    )


DefaultEffect = SideEffect | Literal["undeclared"]

DEFAULT_EFFECTS: tuple[DefaultEffect, ...] = (*SIDE_EFFECTS, "undeclared")
"""Every value of :data:`DefaultEffect`, in the order pages show them."""


def default_effects(tools: tuple[ToolView, ...]) -> tuple[tuple[DefaultEffect, int], ...]:
    """How many default tools read, write, delete, or do what only their code says."""
    counts: dict[DefaultEffect, int] = dict.fromkeys(DEFAULT_EFFECTS, 0)
    for tool in tools:
        if tool.default:
            counts[tool.side_effect or "undeclared"] += 1
    return tuple((effect, count) for effect, count in counts.items() if count)


def default_capabilities(registry: Registry, manifest: Manifest) -> tuple[DefaultEffect, ...]:
    """What ``manifest``'s default tools can do (the catalog's "default tools can" filter)."""
    entry = registry.toolspec_for(manifest)
    tools = tool_views(manifest, entry.toolspec if entry else None)
    return tuple(effect for effect, _ in default_effects(tools))


def server_view(
    registry: Registry, entry: ManifestEntry, versions: tuple[VersionView, ...]
) -> ServerView:
    """The view of one version of a server; ``versions`` is the server's history."""
    manifest = entry.manifest
    toolspec_entry = registry.toolspec_for(manifest)
    toolspec = toolspec_entry.toolspec if toolspec_entry else None
    this = next(v for v in versions if v.version == manifest.version)
    auth = toolspec.auth if toolspec else None
    tools = tool_views(manifest, toolspec)
    return ServerView(
        manifest=manifest,
        summary=summarize(manifest, len(versions)),
        credential_domains=credential_domains(manifest),
        default_effects=default_effects(tools),
        tier_explanation=TIER_EXPLANATIONS.get(manifest.tier, ""),
        egress=tuple(egress_view(host) for host in manifest.entitlements.egress),
        credentials=tuple(credential_view(c, manifest.tier) for c in manifest.credentials),
        tools=tools,
        toolspec_base_url=toolspec.baseUrl if toolspec else "",
        toolspec_auth=f"{auth.header}: {auth.format}" if auth else "",
        source_url=source_url(manifest),
        diff=this.diff,
        versions=versions,
    )
