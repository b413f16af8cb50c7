"""The manifest and toolspec models, field for field the Go reference schema.

Field declaration order is the Go struct order: :mod:`registry.index.build` emits
JSON in this order, so do not reorder fields. Every model forbids unknown
fields and uses strict types: ``tag: 1.10`` (a YAML float) is an error, not
the string ``"1.1"``.

Structure and types live here; cross-field and registry-wide rules live in
:mod:`registry.lint.runner`. pydantic stays inside this module and
:func:`validate_document`: its errors become located findings.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry import rules
from registry.errors import Finding
from registry.layout import PLACEHOLDER_DIGEST
from registry.load.yaml_loader import Loc, YamlDocument
from registry.rules import Rule

SCHEMA_VERSION = 1

Tier = Literal["sealed", "entrusted"]
CredentialType = Literal["oauth2", "api_key", "basic", "custom_env"]
Builder = Literal["go-static", "toolpack", "node", "python"]
Category = Literal[
    "ai",
    "analytics",
    "comms",
    "CRM",
    "data",
    "design",
    "dev-tools",
    "documents",
    "e-commerce",
    "finance",
    "HR/ATS",
    "marketing",
    "productivity",
    "search",
    "social",
    "storage",
    "support",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
BUILDERS: tuple[str, ...] = get_args(Builder)
DEFAULT_BUILDER = "go-static"
ENTRYPOINT = "/app/server"

# List caps: far above the largest real server (the 221-server reference catalog
# has at most 5 egress entries, 1 credential, 10 scopes, 18 tools and 25
# parameters a tool), low enough that every rule and page stays cheap.
MAX_EGRESS = 64
MAX_CREDENTIALS = 16
MAX_SCOPES = 64
MAX_TOOLS = 256
MAX_PARAMS = 128

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ParamLocation = Literal["path", "query", "body", "header"]
ParamType = Literal["string", "integer", "number", "boolean", "object", "array"]
Encoding = Literal["json", "form"]


MAX_TEXT = 2048
"""No string of a manifest or toolspec is longer (fields have tighter caps in lint)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_max_length=MAX_TEXT)


# --- manifest ---------------------------------------------------------------


class Source(_Model):
    """The tagged source the image is built from."""

    repo: str = Field(description="`host/owner/repo`, no scheme (cloned over https).")
    tag: str = Field(description="The release tag to build; never a branch.")
    package: str = Field(
        "", description="Subdirectory holding the server's main package; empty means `.`."
    )


class Image(_Model):
    """The OCI image, pinned by digest."""

    ref: str = Field(description="Image repository, e.g. `ghcr.io/gigmcp/linear-mcp`.")
    digest: str = Field(
        description="`sha256:` + 64 lowercase hex. All zeros is a placeholder: not installable."
    )
    entrypoint: str = Field(description="Always `/app/server`.")
    builder: Builder | Literal[""] = Field(
        "", description="Build recipe in `images/<builder>/`; empty means `go-static`."
    )

    @property
    def effective_builder(self) -> str:
        return self.builder or DEFAULT_BUILDER

    @property
    def is_placeholder(self) -> bool:
        return self.digest == PLACEHOLDER_DIGEST


class Entitlements(_Model):
    """What the server may reach."""

    egress: list[str] = Field(
        default_factory=list,
        max_length=MAX_EGRESS,
        description="Exact hostnames, or `*.suffix` with at least two labels.",
    )


class Inject(_Model):
    """Where the gateway puts the secret: a header (sealed) or an env var (entrusted)."""

    header: str = Field("", description="Sealed tier: HTTP header the egress proxy sets.")
    format: str = Field("", description="Sealed tier: header value; contains `{token}`.")
    env: str = Field("", description="Entrusted tier: environment variable name.")


class Credential(_Model):
    """A secret the server needs, and how it is injected."""

    id: str = Field(description="Unique within the manifest, e.g. `github_token`.")
    type: CredentialType = Field(
        description="`oauth2`, `api_key`, `basic`, or `custom_env` (entrusted tier only)."
    )
    provider: str = Field(description="Who issues the credential, e.g. `github`.")
    scopes: list[str] = Field(
        default_factory=list, max_length=MAX_SCOPES, description="OAuth scopes requested."
    )
    inject: Inject
    vendor: str = Field("", description="OAuth2 only (required): the vendor's OAuth app.")


class Tool(_Model):
    """A tool the server offers; only `default: true` tools are exposed by default."""

    name: str = Field(description="The tool's MCP name: 1-128 of `A-Z a-z 0-9 _ . -`.")
    default: bool = Field(
        description="Exposed to clients by default. Mark read-only tools; writes stay off."
    )


class Manifest(_Model):
    """One server version's entitlements manifest."""

    schemaVersion: int = Field(description="Always 1.")
    name: str = Field(description="`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`; matches the path.")
    version: str = Field(description="MAJOR.MINOR.PATCH, no leading zeros; matches the path.")
    source: Source
    image: Image
    tier: Tier = Field(
        description="`sealed`: the server only sees a placeholder token and the gateway's "
        "egress proxy injects the secret; `entrusted`: the server receives the secret."
    )
    entitlements: Entitlements = Field(description="What the server may reach.")
    credentials: list[Credential] = Field(
        default_factory=list,
        max_length=MAX_CREDENTIALS,
        description="The secrets the server needs and how each is injected.",
    )
    tools: list[Tool] = Field(
        default_factory=list,
        max_length=MAX_TOOLS, description="Every tool the server offers; defaults are exposed."
    )
    displayName: str = Field("", description="Human name, e.g. `Google Drive` (at most 80).")
    description: str = Field(
        "", description="One sentence on what the server does (at most 600 characters)."
    )
    category: Category | Literal[""] = Field("", description="One of the catalog's categories.")
    icon: str = Field(
        "", description="An icon name (`a-z 0-9 -`); remote icon URLs are not allowed."
    )

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def title(self) -> str:
        return self.displayName or self.name

    @property
    def default_tools(self) -> list[str]:
        return [t.name for t in self.tools if t.default]


# --- toolspec ---------------------------------------------------------------


class Param(_Model):
    name: str = Field(description="Parameter name as the API expects it.")
    in_: ParamLocation = Field(
        alias="in", description="`path`, `query`, `body` (POST/PUT/PATCH only) or `header`."
    )
    type: ParamType = Field(description="JSON type of the value.")
    required: bool = Field(False, description="Path parameters are always required.")
    description: str = Field("", description="Shown to the model and on the site.")


class ToolAuth(_Model):
    """Entrusted tier only: the header the engine sets from its injected env secret."""

    header: str = Field(description="HTTP header the engine sets.")
    format: str = Field(description="Header value; contains `{token}`.")


class ToolSpecTool(_Model):
    name: str = Field(description="Matches a tool of the paired manifest.")
    description: str = Field(description="What the tool does, for the model and the site.")
    method: HttpMethod = Field(description="HTTP method; sets the side-effect class.")
    path: str = Field(description="Absolute; `{x}` placeholders bind required path params.")
    baseUrl: str = Field("", description="Overrides the toolspec's baseUrl for this tool.")
    encoding: Encoding | Literal[""] = Field("", description="Body encoding; default json.")
    params: list[Param] = Field(default_factory=list, max_length=MAX_PARAMS)


class Toolspec(_Model):
    """Declarative tool -> HTTP mapping for the toolpack engine."""

    schemaVersion: int = Field(description="Always 1.")
    name: str = Field(description="The paired manifest's name.")
    version: str = Field(description="The paired manifest's version.")
    baseUrl: str = Field(description="`https://<host>`; host allowed by the manifest's egress.")
    auth: ToolAuth | None = Field(
        None, description="Entrusted tier with credentials only; forbidden for sealed."
    )
    tools: list[ToolSpecTool] = Field(
        max_length=MAX_TOOLS, description="Exactly the manifest's tools."
    )


# --- validation -------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "empty (null)",
}


def _got(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _message(error: Any, doc: YamlDocument, loc: Loc) -> tuple[Rule, str]:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return rules.MISSING_FIELD, "required field is missing"
    if kind == "extra_forbidden":
        return rules.UNKNOWN_FIELD, "unknown field"
    if kind in ("string_type", "str_type"):
        raw = doc.plain_text.get(loc)
        if raw is not None and isinstance(value, bool | int | float):
            quoted = '"' + raw.replace('"', '\\"') + '"'
            return rules.WRONG_TYPE, f"must be a string, got {_got(value)}; quote it: {quoted}"
        return rules.WRONG_TYPE, f"must be a string, got {_got(value)}"
    if kind in ("int_type", "int_parsing"):
        return rules.WRONG_TYPE, f"must be an integer, got {_got(value)}"
    if kind == "bool_type":
        return rules.WRONG_TYPE, f"must be true or false, got {_got(value)}"
    if kind == "list_type":
        return rules.WRONG_TYPE, f"must be a list, got {_got(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return rules.WRONG_TYPE, f"must be a mapping of fields, got {_got(value)}"
    if kind == "string_unicode":
        # Only a lone surrogate (written as an escape, "\\ud800") makes a str unencodable.
        text = value if isinstance(value, str) else ""
        char = next((c for c in text if 0xD800 <= ord(c) <= 0xDFFF), "")
        shown = f" (U+{ord(char):04X})" if char else ""
        return (
            rules.INVISIBLE_TEXT,
            f"contains a lone surrogate{shown}, which is not a character; reviewers and "
            "readers cannot see it",
        )
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "too many"
        return rules.TEXT_TOO_LONG, f"is {length} characters long; at most {MAX_TEXT} are allowed"
    if kind == "too_long":
        limit = error.get("ctx", {}).get("max_length", "")
        count = len(value) if isinstance(value, list) else "too many"
        return rules.LIST_TOO_LONG, f"holds {count} entries; at most {limit} are allowed"
    if kind == "literal_error":
        shown = repr(value) if isinstance(value, str) else _got(value)
        return rules.NOT_ALLOWED_VALUE, f"{shown} is not one of: "
    return rules.WRONG_TYPE, str(error.get("msg", "invalid value"))


def _error_loc(raw_loc: tuple[Any, ...]) -> Loc:
    # pydantic reports a union's member in the path (e.g. "literal['']"); drop it.
    out: list[str | int] = []
    for part in raw_loc:
        if isinstance(part, str) and ("[" in part and "]" in part and not part.startswith("[")):
            continue
        out.append("in" if part == "in_" else part)
    return tuple(out)


def validate_document(doc: YamlDocument, model: type[M]) -> tuple[M | None, list[Finding]]:
    """Validate a parsed document against ``model``; errors become findings."""
    try:
        return model.model_validate(doc.data, by_alias=True, by_name=False), []
    except ValidationError as exc:
        messages: dict[Loc, tuple[Rule, str, bool]] = {}
        allowed: dict[Loc, list[str]] = {}
        for error in exc.errors():
            loc = _error_loc(error["loc"])
            if error["type"] == "literal_error":
                # A union of Literals reports once per member: merge them.
                expected = str(error.get("ctx", {}).get("expected", ""))
                for choice in expected.replace(" or ", ", ").split(", "):
                    choice = choice.strip("'")
                    if choice and choice not in allowed.setdefault(loc, []):
                        allowed[loc].append(choice)
            rule, message = _message(error, doc, loc)
            messages.setdefault(loc, (rule, message, error["type"] == "extra_forbidden"))
        findings = [
            doc.finding(rule, loc, message + ", ".join(allowed.get(loc, [])), key=is_key)
            for loc, (rule, message, is_key) in messages.items()
        ]
        return None, sorted(findings)
