"""Every rule lint applies, with its stable code and a one-line summary.

A rule's code never changes meaning once released: contributors look codes up
on the site's "Lint rules" page (generated from :data:`RULES`), CI systems
filter on them, and each code has a test case keyed by it
(``tests/test_rules.py`` fails when a code has no case, or a case names an
unknown code). New rules take the next free number of their group.

Groups: ``Y`` reading and parsing files, ``S`` the schema, ``F`` files and the
tree's layout, ``M`` manifest fields, ``E`` egress hosts and URLs, ``C``
credentials, ``H`` HTTP headers, ``T`` toolspecs, ``X`` text, ``R`` rules over
the whole registry, ``L`` the denylist and policy files, ``A`` the aggregator
policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import Finding, Severity

GROUPS = {
    "Y": "Reading and parsing files",
    "S": "Schema",
    "F": "Files and layout",
    "M": "Manifest fields",
    "E": "Egress hosts and URLs",
    "C": "Credentials",
    "H": "HTTP headers",
    "T": "Toolspecs",
    "X": "Text",
    "R": "Registry-wide",
    "L": "Denylist and policy files",
    "A": "Aggregator policy",
}


@dataclass(frozen=True)
class Rule:
    """One lint rule: ``code`` (``E003``), what it refuses, and how severe that is."""

    code: str
    summary: str
    severity: Severity = Severity.ERROR

    @property
    def group(self) -> str:
        return GROUPS[self.code[0]]

    def at(self, path: str, line: int, col: int, field: str, message: str) -> Finding:
        """A finding of this rule at an explicit location."""
        return Finding(path, line, col, field, message, self.severity, self.code)


RULES: dict[str, Rule] = {}


def _rule(code: str, summary: str, severity: Severity = Severity.ERROR) -> Rule:
    if code in RULES or code[0] not in GROUPS:
        raise ValueError(f"rule code {code} is taken or has no group")
    RULES[code] = Rule(code, summary, severity)
    return RULES[code]


# --- Y: reading and parsing files -----------------------------------------------------
FILE_TOO_LARGE = _rule("Y001", "file is larger than the size cap")
NOT_UTF8 = _rule("Y002", "file is not valid UTF-8")
YAML_SYNTAX = _rule("Y003", "file is not valid YAML")
YAML_ANCHOR = _rule("Y004", "YAML anchors and aliases are not allowed")
YAML_TAG = _rule("Y005", "YAML tags are not allowed")
YAML_DIRECTIVE = _rule("Y006", "YAML directives (%YAML, %TAG) are not allowed")
YAML_DUPLICATE_KEY = _rule("Y007", "a mapping repeats a key")
YAML_DOCUMENTS = _rule("Y008", "a file holds more than one YAML document")
YAML_TOO_DEEP = _rule("Y009", "nesting is deeper than the cap")
YAML_TOO_MANY_NODES = _rule("Y010", "a file holds more YAML nodes than the cap")
YAML_EMPTY = _rule("Y011", "file is empty")
YAML_NOT_MAPPING = _rule("Y012", "the top level is not a mapping of fields")
YAML_KEY_NOT_STRING = _rule("Y013", "a mapping key is not a string")
YAML_BAD_NUMBER = _rule("Y014", "a number cannot be read")

# --- S: schema --------------------------------------------------------------------------
MISSING_FIELD = _rule("S001", "a required field is missing")
UNKNOWN_FIELD = _rule("S002", "a field is not part of the schema")
WRONG_TYPE = _rule("S003", "a value has the wrong type")
NOT_ALLOWED_VALUE = _rule("S004", "a value is not one of the allowed values")
LIST_TOO_LONG = _rule("S005", "a list holds more entries than its cap")
TEXT_TOO_LONG = _rule("S006", "a string is longer than any field allows (2048 characters)")

# --- F: files and layout --------------------------------------------------------------
STRAY_FILE = _rule("F001", "a file is not a <name>/<version>.yaml entry")
MANIFEST_PATH = _rule("F002", "a manifest's path does not match its name and version")
TOOLSPEC_PATH = _rule("F003", "a toolspec's path does not match its name and version")
NO_MANIFESTS = _rule("F004", "the tree has no manifests/ folder")
SYMLINK = _rule("F005", "a symbolic link in the registry's content")
SPECIAL_FILE = _rule("F006", "a device, pipe, socket or unreadable file in the registry's content")
DOCS_FILE_KIND = _rule("F007", "a file in docs/ is not a kind the site serves")
RESERVED_NAME = _rule("F008", "a server name is reserved (it names a builder recipe)")

# --- M: manifest fields ---------------------------------------------------------------
SCHEMA_VERSION = _rule("M001", "unsupported schemaVersion")
SERVER_NAME = _rule("M002", "a server name is not lowercase letters, digits and inner hyphens")
VERSION = _rule("M003", "a version is not MAJOR.MINOR.PATCH without leading zeros")
SOURCE_REPO = _rule("M004", "source.repo is not host/owner/repo")
SOURCE_TAG = _rule("M005", "source.tag is not a plain git tag")
SOURCE_PACKAGE = _rule("M006", "source.package is not a relative path inside the repository")
IMAGE_REF = _rule("M007", "image.ref is not an image repository without tag or digest")
IMAGE_DIGEST = _rule("M008", "image.digest is not sha256: and 64 lowercase hex digits")
ENTRYPOINT = _rule("M009", "image.entrypoint is not /app/server")
TOOL_NAME = _rule("M010", "a tool name is not 1-128 of A-Z a-z 0-9 _ . -")
DUPLICATE_TOOL = _rule("M011", "a tool is declared twice")
NO_DEFAULT_TOOL = _rule(
    "M012", "no tool is exposed by default", Severity.WARNING
)
DISPLAY_NAME_LENGTH = _rule("M013", "displayName is longer than 80 characters")
DESCRIPTION_LENGTH = _rule("M014", "description is longer than 600 characters")
ICON = _rule("M015", "icon is not an icon name (remote icons would leak who reads the catalog)")

# --- E: egress hosts and URLs ---------------------------------------------------------
DUPLICATE_EGRESS = _rule("E001", "an egress entry is listed twice")
HOST_SYNTAX = _rule("E002", "a host is not a bare, lowercase DNS name")
HOST_IP = _rule("E003", "a host is an IP address, or would be read as one")
HOST_IDN = _rule("E004", "a host is an internationalized (IDN) name")
HOST_INTERNAL = _rule("E005", "a host only resolves inside a network")
WILDCARD_SHAPE = _rule("E006", "a wildcard is not the whole first label (*.example.com)")
DENYLISTED = _rule("E007", "a host is on the exfiltration denylist")
WILDCARD_OVER_DENYLISTED = _rule("E008", "a wildcard reaches a denylisted domain")
WILDCARD_PUBLIC_SUFFIX = _rule("E009", "a wildcard sits on a public suffix")
WILDCARD_SUFFIX_BELOW = _rule("E010", "a wildcard has public suffixes below it")
WILDCARD_TENANT_PLATFORM = _rule(
    "E011", "a wildcard reaches a platform where any tenant runs its own HTTP server"
)

# --- C: credentials ---------------------------------------------------------------------
CREDENTIAL_ID = _rule("C001", "a credential id is not valid")
DUPLICATE_CREDENTIAL = _rule("C002", "two credentials share an id")
PROVIDER = _rule("C003", "a credential provider is not valid")
OAUTH_VENDOR = _rule("C004", "an oauth2 credential names no vendor")
CUSTOM_ENV_SEALED = _rule("C005", "a custom_env credential in the sealed tier")
SCOPE = _rule("C006", "an OAuth scope is not printable ASCII without spaces")
DUPLICATE_SCOPE = _rule("C007", "a scope is requested twice")
SEALED_ENV = _rule("C008", "a sealed credential is injected through the environment")
SEALED_HEADER_MISSING = _rule("C009", "a sealed credential names no header")
DUPLICATE_HEADER = _rule("C010", "two credentials set the same header")
SEALED_FORMAT_MISSING = _rule("C011", "a sealed credential names no header format")
TOKEN_FORMAT = _rule("C012", "a header format does not hold {token} exactly once")
ENTRUSTED_HEADER = _rule("C013", "an entrusted credential is injected through a header")
ENTRUSTED_ENV_MISSING = _rule("C014", "an entrusted credential names no environment variable")
ENV_NAME = _rule("C015", "an environment variable name is not valid")
ENV_RESERVED = _rule("C016", "an environment variable is reserved")
DUPLICATE_ENV = _rule("C017", "two credentials use the same environment variable")
SEALED_NO_EGRESS = _rule("C018", "a sealed server has credentials but no egress")
CREDENTIAL_ORGANISATIONS = _rule(
    "C019", "a sealed credential is sent to hosts of more than one organisation"
)

# --- H: HTTP headers ------------------------------------------------------------------
HEADER_NAME = _rule("H001", "a header name is not an RFC 9110 token")
CONNECTION_HEADER = _rule("H002", "a header is connection-level and cannot be set")
CREDENTIAL_HEADER_PARAM = _rule(
    "H003", "a tool parameter sets the header that carries the credential"
)
METHOD_OVERRIDE = _rule(
    "H004", "a tool parameter overrides the HTTP method (X-HTTP-Method-Override, _method)"
)

# --- T: toolspecs ------------------------------------------------------------------------
TOOLSPEC_SCHEMA_VERSION = _rule("T001", "unsupported toolspec schemaVersion")
TOOLSPEC_UNPAIRED = _rule("T002", "a toolspec has no manifest of the same name and version")
TOOLSPEC_NOT_TOOLPACK = _rule("T003", "a toolspec's manifest does not use the toolpack builder")
BASE_URL = _rule("T004", "a base URL is not https://<host>")
BASE_URL_EGRESS = _rule("T005", "a base URL's host is not allowed by the manifest's egress")
AUTH_SEALED = _rule("T006", "a sealed server's toolspec sets auth")
AUTH_NO_CREDENTIAL = _rule("T007", "toolspec auth without a credential in the manifest")
AUTH_MISSING = _rule("T008", "an entrusted server with credentials has no toolspec auth")
TOOL_DESCRIPTION_EMPTY = _rule("T009", "a tool description is empty")
TOOL_DESCRIPTION_LENGTH = _rule(
    "T010", "a tool or parameter description is longer than 1000 characters"
)
ENCODING_WITHOUT_BODY = _rule("T011", "a body encoding on a method without a body")
PATH_NOT_ABSOLUTE = _rule("T012", "a tool path does not start with /")
PATH_CHARACTERS = _rule(
    "T013", "a tool path holds characters outside plain URL paths (?, #, %, ;, spaces)"
)
PATH_SEGMENTS = _rule("T014", "a tool path has . or .. or empty segments")
PATH_BRACES = _rule("T015", "a tool path has an unbalanced { or }")
PARAM_NAME = _rule("T016", "a parameter name is not valid")
DUPLICATE_PARAM = _rule("T017", "a parameter is declared twice")
BODY_PARAM_METHOD = _rule("T018", "a body parameter on GET or DELETE")
PATH_PARAM_OPTIONAL = _rule("T019", "a path parameter is not required")
PLACEHOLDER_UNBOUND = _rule("T020", "a path placeholder has no path parameter")
PATH_PARAM_UNUSED = _rule("T021", "a path parameter is not in the path")
PLACEHOLDER_TWICE = _rule("T022", "a path placeholder appears twice")
TOOL_UNDECLARED = _rule("T023", "a toolspec tool is not declared in the manifest")
TOOL_UNMAPPED = _rule("T024", "a manifest tool has no mapping in the toolspec")
DEFAULT_DELETE = _rule("T025", "a tool that deletes is exposed by default", Severity.WARNING)

# --- X: text -------------------------------------------------------------------------------
INVISIBLE_TEXT = _rule("X001", "text holds an invisible, control or unassigned character")

# --- R: registry-wide --------------------------------------------------------------------
DIGEST_REUSED = _rule("R001", "two manifests pin the same image digest")
TOOLSPEC_MISSING = _rule("R002", "a toolpack server has no toolspec")
NO_BUILD_RECIPE = _rule("R003", "no build recipe images/<builder>/Dockerfile")
CATALOG_STALE = _rule("R004", "CATALOG.md is out of date with the manifests")
TOO_MANY_VERSIONS = _rule("R005", "a server has more versions than the cap")

# --- L: the denylist and policy files ------------------------------------------------------
DENYLIST_ENTRY = _rule("L001", "a denylist entry is not a domain")
WILDCARD_EXCEPTION_ENTRY = _rule("L002", "an allowed-wildcard entry is not *.example.com")
VENDOR_GROUP_ENTRY = _rule(
    "L003", "a vendor-domains line is not `vendor: domain …`, or repeats a domain"
)

# --- A: aggregator policy --------------------------------------------------------------------
EXAMPLES_FOLDER = _rule("A001", "an examples/ folder")
IMAGE_FOLDER_FILE = _rule("A002", "a file in images/<builder>/ other than Dockerfile or README.md")
SERVER_SOURCE = _rule("A003", "server source code in the registry")
