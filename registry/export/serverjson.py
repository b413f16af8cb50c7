"""One server version as the official MCP Registry's ``server.json`` (the 2025-12-11 schema).

What a client that reads only the standard fields may do with an entry is what
a gateway would allow:

- an **entrusted**, installable version has one ``packages[]`` entry: the OCI
  image pinned by digest, run over stdio, with one secret environment
  variable per credential;
- a **sealed** version has no ``packages[]`` (nor ``remotes[]``): its image
  only sees a placeholder token, and the gateway's egress proxy injects the
  real secret, so run anywhere else it cannot work, and asking a user for the
  secret would hand it to a server whose tier promises it never sees one;
- a **planned** version (placeholder digest, or a builder gateways cannot run
  yet) has no ``packages[]`` either: there is nothing to install.

``websiteUrl`` leads to the version's page on the site, which says all this
and how to install through a gateway. The full entitlements (tier, egress,
credentials with scopes and injection, tools with defaults and side effects,
status, digest) are under ``_meta["<namespace>/gigmcp-entitlements"]``: the
registry's own reverse-DNS key, never one of ``io.modelcontextprotocol``'s.

The names are ``<namespace>/<server>``; the namespace is the registry's
(``io.github.<owner>`` for a site on ``https://<owner>.github.io/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from registry.errors import RegistryError, printable
from registry.index.gojson import Field, Struct, marshal
from registry.layout import MAX_NAME, version_page
from registry.load.schema import Credential, CredentialType, Manifest, Toolspec, ToolSpecTool
from registry.load.tree import ManifestEntry, Registry
from registry.status import planned_reasons, status_of
from registry.tools import side_effect, tool_hints

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
"""The ``$schema`` of every entry: the December 2025 release of server.json."""
DESCRIPTION_MAX = 100
TITLE_MAX = 100
"""``description`` and ``title`` limits of the schema (characters)."""
NAME_MAX = 200
MAX_NAMESPACE = NAME_MAX - 1 - MAX_NAME
"""Room left for the namespace in a ``<namespace>/<server>`` name of at most 200 characters."""
ENTITLEMENTS_SCHEMA_VERSION = 1
ENTITLEMENTS_KEY = "gigmcp-entitlements"
"""``_meta`` key (after ``<namespace>/``) of the entitlements inside each server.json."""
REGISTRY_KEY = "gigmcp-registry"
"""``_meta`` key (after ``<namespace>/``) of the registry-managed facts of each response."""

# A label of a reverse-DNS _meta prefix (MCP's rule): a letter first, a letter or
# digit last, letters, digits and hyphens between.
_LABEL = r"[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
NAMESPACE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
# MCP reserves prefixes where "modelcontextprotocol" or "mcp" is followed by a label.
_RESERVED = re.compile(r"(?:^|\.)(?:modelcontextprotocol|mcp)\.", re.IGNORECASE)

_CREDENTIAL_LABELS: dict[CredentialType, str] = {
    "oauth2": "OAuth 2.0 access token",
    "api_key": "API key",
    "basic": "HTTP basic-auth credentials",
    "custom_env": "Secret",
}
_FORGES = {"github.com": "github", "gitlab.com": "gitlab"}
_ELLIPSIS = "…"


# --- the namespace ------------------------------------------------------------------


def check_namespace(text: str) -> str:
    """``text`` when it can prefix both names and ``_meta`` keys; else :class:`RegistryError`."""
    if len(text) > MAX_NAMESPACE or NAMESPACE.fullmatch(text) is None:
        raise RegistryError(
            f"namespace {printable(text[:80])!r} is not a reverse-DNS namespace such as "
            f"io.github.OWNER: dot-separated labels of letters, digits and inner hyphens, "
            f"each starting with a letter, at most {MAX_NAMESPACE} characters"
        )
    if _RESERVED.search(text) or text.lower().startswith("io.modelcontextprotocol"):
        raise RegistryError(f"namespace {text!r} is reserved for the Model Context Protocol")
    return text


def namespace_from_site_url(site_url: str) -> str:
    """The site's host in reverse-DNS order (``https://o.github.io/r/`` -> ``io.github.o``).

    Empty when there is no site URL or its host does not make a valid namespace
    (an IP address, a label starting with a digit).
    """
    try:
        host = urlsplit(site_url).hostname or ""
        return check_namespace(".".join(reversed(host.rstrip(".").split("."))))
    except (ValueError, RegistryError):
        return ""


def choose_namespace(configured: str, site_url: str) -> str:
    """The configured namespace (checked), else the one of the site URL; empty when neither."""
    if configured:
        return check_namespace(configured)
    return namespace_from_site_url(site_url)


def _is_web_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


@dataclass(frozen=True)
class Origin:
    """Who publishes the entries and where: the registry's namespace and its site's URL."""

    namespace: str
    site_url: str = ""
    """The site's public address; empty: entries carry no ``websiteUrl``."""

    def __post_init__(self) -> None:
        check_namespace(self.namespace)
        if self.site_url and not _is_web_url(self.site_url):
            raise RegistryError(
                f"site URL {printable(self.site_url[:80])!r} is not an absolute http(s) URL"
            )

    def name_of(self, server: str) -> str:
        """``<namespace>/<server>``: the server's name in the MCP Registry format."""
        return f"{self.namespace}/{server}"

    @property
    def entitlements_key(self) -> str:
        return f"{self.namespace}/{ENTITLEMENTS_KEY}"

    @property
    def registry_key(self) -> str:
        return f"{self.namespace}/{REGISTRY_KEY}"

    def page_of(self, server: str, version: str) -> str:
        """The version's page (``<site>/servers/<name>/<version>/``); empty without a site URL."""
        if not self.site_url:
            return ""
        return f"{self.site_url.rstrip('/')}/{version_page(server, version)}"


# --- text ---------------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """``text`` with its whitespace collapsed, cut to at most ``limit`` characters.

    A cut ends at a word boundary when one is in the second half, and with an
    ellipsis; a single long word is cut inside.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-–—") + _ELLIPSIS


def description_of(manifest: Manifest) -> str:
    """The manifest's description within the schema's limit; when it has none, what it reaches."""
    text = shorten(manifest.description, DESCRIPTION_MAX)
    if text:
        return text
    tools = len(manifest.tools)
    summary = f"{manifest.title} MCP server: {tools} tool{'s' if tools != 1 else ''}"
    egress = manifest.entitlements.egress
    if egress:
        summary += f" for {egress[0]}"
        if len(egress) > 1:
            more = len(egress) - 1
            summary += f" and {more} more host{'s' if more != 1 else ''}"
    return shorten(summary, DESCRIPTION_MAX)


# --- the entry ----------------------------------------------------------------------


def _repository(manifest: Manifest) -> Struct:
    host = manifest.source.repo.split("/", 1)[0].lower()
    subfolder = manifest.source.package.strip("/").removeprefix("./")
    return Struct((
        Field("url", f"https://{manifest.source.repo}"),
        Field("source", _FORGES.get(host, host)),
        Field("subfolder", "" if subfolder == "." else subfolder, omitempty=True),
    ))


def _environment_variable(credential: Credential) -> Struct:
    about = f"{_CREDENTIAL_LABELS[credential.type]} for {credential.provider}"
    if credential.scopes:
        about += f" (scopes: {', '.join(credential.scopes)})"
    return Struct((
        Field("name", credential.inject.env),
        Field("description", about),
        Field("isRequired", True),
        Field("isSecret", True),
        Field("format", "string"),
    ))


def _packages(manifest: Manifest) -> list[Struct]:
    """The one OCI package of an entrusted, installable version; none otherwise (see above)."""
    if manifest.tier != "entrusted" or status_of(manifest) != "installable":
        return []
    # No `version` and no `registryBaseUrl`: clients append `:<version>` to the
    # identifier, or prefix the base URL, which would break the digest pin.
    return [Struct((
        Field("registryType", "oci"),
        Field("identifier", f"{manifest.image.ref}@{manifest.image.digest}"),
        Field("transport", Struct((Field("type", "stdio"),))),
        Field(
            "environmentVariables",
            [_environment_variable(c) for c in manifest.credentials if c.inject.env],
            omitempty=True,
        ),
    ))]


def _credential(credential: Credential) -> Struct:
    inject = credential.inject
    return Struct((
        Field("id", credential.id),
        Field("type", credential.type),
        Field("provider", credential.provider),
        Field("scopes", list(credential.scopes)),
        Field("inject", Struct((
            Field("header", inject.header, omitempty=True),
            Field("format", inject.format, omitempty=True),
            Field("env", inject.env, omitempty=True),
        ))),
        Field("vendor", credential.vendor, omitempty=True),
    ))


def _tool(name: str, default: bool, mapping: ToolSpecTool | None) -> Struct:
    fields = [Field("name", name), Field("default", default)]
    if mapping is not None:
        hints = tool_hints(mapping.method)
        fields += [
            Field("method", mapping.method),
            Field("sideEffect", side_effect(mapping.method)),
            # The names of MCP's tool annotations, as a gateway derives them.
            Field("annotations", Struct((
                Field("readOnlyHint", hints.read_only),
                Field("destructiveHint", hints.destructive),
                Field("idempotentHint", hints.idempotent),
                Field("openWorldHint", hints.open_world),
            ))),
        ]
    return Struct(tuple(fields))


def entitlements(manifest: Manifest, toolspec: Toolspec | None) -> Struct:
    """What the version may do and how a gateway installs it: the ``_meta`` entitlements block."""
    image = manifest.image
    mappings = {tool.name: tool for tool in toolspec.tools} if toolspec is not None else {}
    return Struct((
        Field("schemaVersion", ENTITLEMENTS_SCHEMA_VERSION),
        Field("ref", manifest.ref),
        Field("status", status_of(manifest)),
        Field("statusReasons", list(planned_reasons(manifest)), omitempty=True),
        Field("tier", manifest.tier),
        Field("requiresGateway", manifest.tier == "sealed"),
        Field("image", Struct((
            Field("ref", image.ref),
            Field("digest", None if image.is_placeholder else image.digest),
            Field("builder", image.effective_builder),
            Field("entrypoint", image.entrypoint),
        ))),
        Field("source", Struct((
            Field("repo", manifest.source.repo),
            Field("tag", manifest.source.tag),
            Field("package", manifest.source.package, omitempty=True),
        ))),
        Field("egress", list(manifest.entitlements.egress)),
        Field("credentials", [_credential(c) for c in manifest.credentials]),
        Field("tools", [_tool(t.name, t.default, mappings.get(t.name)) for t in manifest.tools]),
        Field("category", manifest.category, omitempty=True),
    ))


def server_json(registry: Registry, entry: ManifestEntry, origin: Origin) -> Struct:
    """``entry`` as a server.json (keys in the order of the schema's examples)."""
    manifest = entry.manifest
    spec = registry.toolspec_for(manifest)
    return Struct((
        Field("$schema", SCHEMA_URL),
        Field("name", origin.name_of(manifest.name)),
        Field("title", shorten(manifest.title, TITLE_MAX) or manifest.name),
        Field("description", description_of(manifest)),
        Field("version", manifest.version),
        Field("websiteUrl", origin.page_of(manifest.name, manifest.version), omitempty=True),
        Field("repository", _repository(manifest)),
        Field("packages", _packages(manifest), omitempty=True),
        Field("_meta", {
            origin.entitlements_key: entitlements(manifest, spec.toolspec if spec else None),
        }),
    ))


def server_json_bytes(registry: Registry, entry: ManifestEntry, origin: Origin) -> bytes:
    """The compact bytes of :func:`server_json`, with ``<``, ``>``, ``&`` escaped as Go does."""
    return marshal(server_json(registry, entry, origin))
