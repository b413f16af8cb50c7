"""Every lint rule by its code: failing inputs, each with the exact finding it must produce.

``CASES`` holds at least one case per code of :data:`registry.rules.RULES`
(``test_every_rule_has_a_case`` keeps the two in step). A case writes a small
registry tree, lints it, and expects one finding: its code, file, field path,
message, and location. Locations in YAML files are computed by ruamel.yaml's
round-trip parser, not by our loader, or written out by hand for files
written by hand; whole-file findings sit at 1:1. Unless a case says
otherwise, every error of its tree has the case's code, so no case passes by
accident of another rule.

Hostile inputs come in classes (IP spellings, internal names, tenant
platforms, invisible characters, path escapes, links and pipes, ...); each
class has several cases, and the property tests at the end generate hosts and
text around the edges of the host and text rules.

A case that shows a bug in a rule is marked ``xfail(strict=True)`` with the
reason, and expects what the rule should report.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from registry.errors import Finding, Severity, errors_only
from registry.lint.hosts import HostPolicy, egress_problems, hostname_problems, internal_names
from registry.lint.runner import LintResult, lint_paths
from registry.lint.text import INVISIBLE_FILLERS, invisible_char
from registry.load.schema import MAX_TEXT
from registry.load.tree import MAX_LIST_FILE_BYTES
from registry.load.yaml_loader import MAX_BYTES, MAX_DEPTH, MAX_EVENTS
from registry.render.catalog import catalog_findings
from registry.rules import RULES
from tests import factory
from tests.factory import PLACEHOLDER, go_static_manifest, manifest, toolspec

Doc = dict[str, Any]
Loc = tuple[str | int, ...]

MANIFEST = "manifests/acme/0.1.0.yaml"
GO_STATIC = "manifests/acme/1.0.0.yaml"
DENYLIST = "denylist/exfil-domains.txt"
WILDCARDS = "policy/allowed-wildcards.txt"
VENDORS = "policy/vendor-domains.txt"
API = "api.acme.example.com"  # the default manifest's egress host and toolspec's base URL


# --- where a finding is ---------------------------------------------------------------


@dataclass(frozen=True)
class At:
    """An explicit 1-based ``line:col`` (files written by hand, whole-file findings)."""

    line: int
    col: int


@dataclass(frozen=True)
class Value:
    """The start of the value at ``loc``, as ruamel.yaml's round-trip parser places it."""

    loc: Loc


@dataclass(frozen=True)
class Key:
    """The key of the mapping entry at ``loc``, as ruamel.yaml places it."""

    loc: Loc


Where = At | Value | Key
WHOLE_FILE = At(1, 1)

_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_loc(path: str) -> Loc:
    """``credentials[0].inject`` -> ``("credentials", 0, "inject")``."""
    return tuple(
        int(index) if index else name for name, index in _FIELD_PART.findall(path)
    )


_ROUND_TRIP = YAML(typ="rt")


def ruamel_position(text: str, where: Value | Key) -> tuple[int, int]:
    """1-based position of ``where`` in ``text``, from an independent parse."""
    node: Any = _ROUND_TRIP.load(text)
    if not where.loc:
        return node.lc.line + 1, node.lc.col + 1
    *parents, last = where.loc
    for part in parents:
        node = node[part]
    child = node[last]
    if isinstance(where, Key):
        line, col = node.lc.key(last)
    elif isinstance(child, CommentedMap | CommentedSeq):
        line, col = child.lc.line, child.lc.col
    elif isinstance(node, CommentedSeq):
        line, col = node.lc.item(last)
    else:
        line, col = node.lc.value(last)
    return int(line) + 1, int(col) + 1


# --- cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One failing input and the finding it must produce.

    The tree is ``factory.tree(root, manifests, toolspecs, denylist)`` (each
    ``None`` keeps the factory's default), then ``files`` written over it,
    then ``setup(root)`` for links and pipes. The finding is in ``file`` at
    ``at`` (default: the value at ``field``).
    """

    code: str
    id: str
    message: str
    field: str = ""
    file: str = MANIFEST
    at: Where | None = None
    manifests: Sequence[Doc] | None = None
    toolspecs: Sequence[Doc] | None = None
    denylist: str | None = None
    files: Mapping[str, str | bytes] = default(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    catalog: bool = False
    only: bool = True
    """Every error of the tree has this case's code."""
    xfail: str = ""
    """Why the rule gets this case wrong (a bug to fix); empty when it passes."""

    def build(self, root: Path) -> Path:
        denylist = {} if self.denylist is None else {"denylist": self.denylist}
        factory.tree(
            root,
            None if self.manifests is None else list(self.manifests),
            None if self.toolspecs is None else list(self.toolspecs),
            **denylist,
        )
        for relative, content in self.files.items():
            factory.write(root, relative, content)
        if self.setup is not None:
            self.setup(root)
        return root

    def expected(self, root: Path) -> Finding:
        where = self.at or Value(field_loc(self.field))
        if isinstance(where, At):
            line, col = where.line, where.col
        else:
            line, col = ruamel_position((root / self.file).read_text(encoding="utf-8"), where)
        rule = RULES[self.code]
        return rule.at(f"{root.as_posix()}/{self.file}", line, col, self.field, self.message)

    def lint(self, root: Path) -> LintResult:
        return lint_paths(root, catalog_check=catalog_findings if self.catalog else None)


def file_of(doc: Doc, folder: str = "manifests") -> str:
    return f"{folder}/{doc['name']}/{doc['version']}.yaml"


def m_case(
    code: str, id: str, message: str, field: str, doc: Doc, *,
    spec: Doc | None = None, at: Where | None = None, xfail: str = "",
) -> Case:
    """A finding in manifest ``doc``, paired with ``spec`` (default: the factory's toolspec)."""
    return Case(code, id, message, field, file_of(doc), at, [doc],
                [spec if spec is not None else toolspec()], xfail=xfail)


def t_case(
    code: str, id: str, message: str, field: str, spec: Doc, *,
    doc: Doc | None = None, at: Where | None = None, xfail: str = "",
) -> Case:
    """A finding in toolspec ``spec``, paired with ``doc`` (default: the factory's manifest)."""
    return Case(code, id, message, field, file_of(spec, "toolspecs"), at,
                [doc if doc is not None else manifest()], [spec], xfail=xfail)


def egress_case(
    code: str, id: str, entry: str, message: str, *, denylist: str | None = None,
    xfail: str = "",
) -> Case:
    """``entry`` listed after the base URL's host, so the toolspec stays valid."""
    doc = manifest(entitlements={"egress": [API, entry]})
    return Case(code, id, message, "entitlements.egress[1]", MANIFEST, None, [doc],
                denylist=denylist, xfail=xfail)


def base_url_case(code: str, id: str, url: str, message: str, *, xfail: str = "") -> Case:
    return t_case(code, id, message, "baseUrl", toolspec(baseUrl=url), xfail=xfail)


def yaml_case(
    code: str, id: str, raw: bytes, at: At, message: str, *, file: str = MANIFEST,
    xfail: str = "",
) -> Case:
    """A file written by hand: the only manifest, or a toolspec beside the default tree."""
    entries: list[Doc] | None = [] if file.startswith("manifests/") else None
    return Case(code, id, message, "", file, at, entries, entries, files={file: raw}, xfail=xfail)


def tool(**changes: Any) -> Doc:
    """The toolspec's first tool (list_items, GET), changed."""
    base: Doc = {"name": "list_items", "description": "List items", "method": "GET",
                 "path": "/v1/items", "params": []}
    return {**base, **changes}


DELETE: Doc = toolspec()["tools"][1]


def spec_with(first: Doc, **changes: Any) -> Doc:
    return toolspec(tools=[first, DELETE], **changes)


def param(name: str, where: str = "query", **changes: Any) -> Doc:
    return {"name": name, "in": where, "type": "string", **changes}


def cred(id: str = "t", **inject: str) -> Doc:
    return {"id": id, "type": "api_key", "provider": "acme", "inject": inject}


def sealed(**changes: Any) -> Doc:
    """A sealed credential (header + format), changed."""
    return {**cred(header="Authorization", format="Bearer {token}"), **changes}


AUTH: Doc = {"header": "Authorization", "format": "Bearer {token}"}
ENTRUSTED_SPEC = toolspec(auth=AUTH)


def entrusted(*creds: Doc, **changes: Any) -> Doc:
    """An entrusted manifest whose credentials are ``creds`` (default: env ACME_TOKEN)."""
    credentials = list(creds) if creds else [cred(env="ACME_TOKEN")]
    return manifest(tier="entrusted", credentials=credentials, **changes)


def without(doc: Doc, *loc: str | int) -> Doc:
    """``doc`` with the entry at ``loc`` removed."""
    node: Any = doc
    for part in loc[:-1]:
        node = node[part]
    del node[loc[-1]]
    return doc


def raw_manifest(**replacements: str) -> str:
    """The default manifest as JSON text with literal source fragments replaced."""
    text = factory.to_yaml(manifest())
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


def symlink(link: str, target: str) -> Callable[[Path], None]:
    """Make ``link`` point at ``target`` (relative to the root unless absolute)."""

    def setup(root: Path) -> None:
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        os.symlink(target if target.startswith("/") else root / target, path)

    return setup


def fifo(relative: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        os.mkfifo(path)

    return setup


IP = (
    "IP addresses are not allowed, in any spelling (a host whose last label is a number is read "
    "as IPv4 by URL parsers); use a hostname"
)
IPV6 = "IP addresses are not allowed; use a hostname"
RECIPE = "FROM scratch\n"


def invisible(shown: str) -> str:
    return (f"contains an invisible or control character ({shown}); reviewers and readers "
            "cannot see it")


def internal(host: str, name: str, reason: str) -> str:
    return f"{host} only resolves inside a network ({name}: {reason})"


def suffix_message(host: str) -> str:
    return (f"{host} is a public suffix: *.{host} would reach every one of its registrants; "
            "list the exact hosts")


def platform_message(host: str, platform: str) -> str:
    return (f"*.{host} reaches {platform}, where any tenant runs its own HTTP server; "
            "list the exact hosts")


CORP = "ICANN withheld .corp indefinitely (2018) because private networks use it"
INTERNAL = (
    "reserved by ICANN in 2024 for private use, never delegated (SAC113); covers docker.internal, "
    "ec2.internal"
)
PATH_CHARACTERS = (
    "may hold only plain URL path characters (no ?, #, %-escapes, ;, \\ or spaces): "
    "the request must go to exactly the path shown"
)
DOCS_KIND = (
    "docs/ holds only pages and images (.gif, .jpeg, .jpg, .md, .png, .webp): the site's scripts "
    "and styles ship with the registry package"
)
CATEGORIES = (
    "ai, analytics, comms, CRM, data, design, dev-tools, documents, e-commerce, finance, HR/ATS, "
    "marketing, productivity, search, social, storage, support"
)
LINK = "is a symbolic link; only regular files are read"
PIPE = "is a named pipe; only regular files are read"
SOURCE = (
    "server source code does not belong in the registry (aggregator policy): it lives in the "
    "author's repository"
)
EXAMPLES = (
    "examples/ folders are not allowed: server code and samples live in the server's own "
    "repository"
)
IMAGE_FILE = "images/<builder>/ holds only a Dockerfile (and README.md)"
ACME_IMAGE: Doc = manifest()["image"]


def billion_laughs() -> bytes:
    lines = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        refs = ",".join(f"*{prev}" for _ in range(9))
        lines.append(f"{cur}: &{cur} [{refs}]".encode())
    return b"\n".join(lines) + b"\n"


# --- Y: reading and parsing files --------------------------------------------------------

Y_CASES = [
    yaml_case("Y001", "manifest over the cap", b"a: " + b"x" * MAX_BYTES + b"\n", WHOLE_FILE,
              f"is larger than {MAX_BYTES} bytes"),
    Case("Y001", "denylist over the cap", f"is larger than {MAX_LIST_FILE_BYTES} bytes",
         file=DENYLIST, at=WHOLE_FILE,
         denylist="".join(f"host{i}.example.com\n" for i in range(MAX_LIST_FILE_BYTES // 16))),
    yaml_case("Y002", "invalid byte", b"a: \xff\xfe\n", At(1, 4), "file is not valid UTF-8"),
    yaml_case("Y002", "truncated sequence on line 2", b"ok: 1\nname: caf\xc3\n", At(2, 10),
              "file is not valid UTF-8"),
    yaml_case("Y002", "overlong slash", b"a: \xc0\xaf\n", At(1, 4), "file is not valid UTF-8"),
    yaml_case("Y002", "UTF-16", "a: 1\n".encode("utf-16"), At(1, 1), "file is not valid UTF-8"),
    Case("Y002", "denylist", "file is not valid UTF-8", file=DENYLIST, at=WHOLE_FILE,
         files={DENYLIST: b"caf\xc3.example.com\n"}),
    yaml_case("Y003", "unclosed flow sequence", b"a: [1, 2\n", At(2, 1),
              "invalid YAML: while parsing a flow sequence; expected ',' or ']', but got "
              "'<stream end>'"),
    yaml_case("Y003", "tab indentation", b"a: 1\n\tb: 2\n", At(2, 1),
              "invalid YAML: while scanning for the next token; found character '\\t' that "
              "cannot start any token"),
    yaml_case("Y003", "mapping in a plain scalar", b"a: b: c\n", At(1, 5),
              "invalid YAML: mapping values are not allowed here"),
    yaml_case("Y003", "raw NUL", b"a: \x00\n", At(1, 4),
              "invalid YAML: U+0000 is not allowed in a YAML file"),
    yaml_case("Y003", "raw BEL on line 2", b"a: 1\nb: x\x07y\n", At(2, 5),
              "invalid YAML: U+0007 is not allowed in a YAML file"),
    yaml_case("Y004", "anchor", b"a: &x 1\nb: *x\n", At(1, 4),
              "YAML anchors (&name) are not allowed"),
    yaml_case("Y004", "alias", b"a: 1\nb: *x\n", At(2, 4), "YAML aliases (*name) are not allowed"),
    yaml_case("Y004", "billion laughs", billion_laughs(), At(1, 4),
              "YAML anchors (&name) are not allowed"),
    yaml_case("Y004", "anchor on a key", b"&k a: 1\n", At(1, 1),
              "YAML anchors (&name) are not allowed"),
    yaml_case("Y005", "core tag", b"a: !!str 1\n", At(1, 4),
              "YAML tags (tag:yaml.org,2002:str) are not allowed"),
    yaml_case("Y005", "local tag", b"a: !custom x\n", At(1, 4),
              "YAML tags (!custom) are not allowed"),
    yaml_case("Y005", "python object tag", b"a: !!python/object/apply:os.system [id]\n", At(1, 4),
              "YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed"),
    yaml_case("Y005", "tag on a key", b"!!str a: 1\n", At(1, 1),
              "YAML tags (tag:yaml.org,2002:str) are not allowed"),
    yaml_case("Y006", "%YAML", b"%YAML 1.2\n---\na: 1\n", At(1, 1),
              "YAML directives (%YAML, %TAG) are not allowed"),
    yaml_case("Y006", "%TAG after a comment", b"# c\n%TAG !e! tag:e.com:\n---\na: 1\n", At(2, 1),
              "YAML directives (%YAML, %TAG) are not allowed"),
    yaml_case("Y007", "top level", b"a: 1\nb: 2\na: 3\n", At(3, 1),
              "duplicate key 'a' (first defined at line 1)"),
    yaml_case("Y007", "nested", b"a:\n  b: 1\n  b: 2\n", At(3, 3),
              "duplicate key 'b' (first defined at line 2)"),
    yaml_case("Y007", "quoted and plain", b'a: 1\n"a": 2\n', At(2, 1),
              "duplicate key 'a' (first defined at line 1)"),
    yaml_case("Y007", "flow mapping", b"a: [\n]\nb: {x: 1, x: 2}\n", At(3, 11),
              "duplicate key 'x' (first defined at line 3)"),
    yaml_case("Y008", "second document", b"a: 1\n---\nb: 2\n", At(2, 1),
              "a file holds exactly one YAML document"),
    yaml_case("Y008", "after an end marker", b"a: 1\n...\n---\nb: 1\n", At(3, 1),
              "a file holds exactly one YAML document"),
    yaml_case("Y008", "in a toolspec", b"a: 1\n---\nb: 2\n", At(2, 1),
              "a file holds exactly one YAML document", file="toolspecs/ghost/0.1.0.yaml"),
    # The top mapping is depth 0, a's value depth 1: the 25th opening bracket is refused.
    yaml_case("Y009", "flow sequences", b"a: " + b"[" * 200 + b"]" * 200 + b"\n",
              At(1, 3 + MAX_DEPTH + 1), f"nesting deeper than {MAX_DEPTH} levels"),
    yaml_case("Y009", "flow mappings", b"a: " + b"{a: " * 30 + b"1" + b"}" * 30 + b"\n",
              At(1, 4 + 4 * MAX_DEPTH), f"nesting deeper than {MAX_DEPTH} levels"),
    yaml_case("Y010", "long flow sequence", b"a: [" + b",".join([b"1"] * MAX_EVENTS) + b"]\n",
              WHOLE_FILE, f"document too large (more than {MAX_EVENTS} YAML nodes)"),
    yaml_case("Y011", "no bytes", b"", WHOLE_FILE, "file is empty"),
    yaml_case("Y011", "only a comment", b"# only a comment\n", WHOLE_FILE, "file is empty"),
    yaml_case("Y011", "null document", b"~\n", WHOLE_FILE, "file is empty"),
    yaml_case("Y011", "document marker only", b"---\n", WHOLE_FILE, "file is empty"),
    yaml_case("Y012", "sequence", b"- a\n- b\n", WHOLE_FILE,
              "top level must be a mapping of fields"),
    yaml_case("Y012", "text", b"just text\n", WHOLE_FILE, "top level must be a mapping of fields"),
    yaml_case("Y012", "number", b"42\n", WHOLE_FILE, "top level must be a mapping of fields"),
    yaml_case("Y013", "sequence key", b"? [a, b]\n: 1\n", At(1, 3),
              "mapping keys must be plain strings"),
    yaml_case("Y013", "mapping key in flow", b"{[a]: 1}\n", At(1, 2),
              "mapping keys must be plain strings"),
    yaml_case("Y013", "number key", b"1: x\n", At(1, 1), "mapping key '1' must be a string"),
    yaml_case("Y013", "boolean key", b"true: x\n", At(1, 1), "mapping key 'true' must be a string"),
    yaml_case("Y013", "null key", b"null: x\n", At(1, 1), "mapping key 'null' must be a string"),
    yaml_case("Y014", "sign and underscore", b"a: -_\n", At(1, 4), "unreadable number '-_'"),
    yaml_case("Y014", "hex without digits", b"a: 0x_\n", At(1, 4), "unreadable number '0x_'"),
    yaml_case("Y014", "as a key", b"-_: 1\n", At(1, 1), "unreadable number '-_'"),
]

# --- S: schema ---------------------------------------------------------------------------


def s_case(code: str, id: str, message: str, field: str, doc: Doc, *,
           at: Where | None = None, text: str | None = None) -> Case:
    """A manifest the schema refuses; no toolspec (it would have no manifest to pair with)."""
    files = {file_of(doc): text} if text is not None else {}
    return Case(code, id, message, field, file_of(doc), at, [doc], [], files=files)


def s_spec_case(code: str, id: str, message: str, field: str, spec: Doc, *,
                at: Where | None = None) -> Case:
    """A toolspec the schema refuses, named ghost so the manifest does not miss it."""
    spec = {**spec, "name": "ghost"}
    return Case(code, id, message, field, file_of(spec, "toolspecs"), at, None, [toolspec(), spec])


S_CASES = [
    s_case("S001", "tier", "required field is missing", "tier", without(manifest(), "tier"),
           at=Value(())),
    s_case("S001", "source.tag", "required field is missing", "source.tag",
           without(manifest(), "source", "tag"), at=Key(("source",))),
    s_case("S001", "credential inject", "required field is missing", "credentials[0].inject",
           without(manifest(), "credentials", 0, "inject"), at=Value(("credentials", 0))),
    s_spec_case("S001", "toolspec baseUrl", "required field is missing", "baseUrl",
                without(toolspec(), "baseUrl"), at=Value(())),
    s_case("S002", "top level", "unknown field", "surprise", manifest(surprise=1),
           at=Key(("surprise",))),
    s_case("S002", "zero-width space in a key", "unknown field", "displayName\u200b",
           manifest(**{"displayName\u200b": "x"}), at=Key(("displayName\u200b",))),
    s_case("S002", "inject", "unknown field", "credentials[0].inject.token",
           manifest(credentials=[sealed(inject={**AUTH, "token": "s3cret"})]),
           at=Key(("credentials", 0, "inject", "token"))),
    s_spec_case("S002", "toolspec tool", "unknown field", "tools[0].timeout",
                spec_with(tool(timeout=5)), at=Key(("tools", 0, "timeout"))),
    s_case("S003", "unquoted float tag", 'must be a string, got a number; quote it: "1.10"',
           "source.tag", manifest(), text=raw_manifest(**{'"v0.1.0"': "1.10"})),
    s_case("S003", "number display name", 'must be a string, got a number; quote it: "123"',
           "displayName", manifest(displayName=123)),
    s_case("S003", "null display name", "must be a string, got empty (null)", "displayName",
           manifest(displayName=None)),
    s_case("S003", "string boolean", "must be true or false, got a string", "tools[0].default",
           manifest(tools=[{"name": "list_items", "default": "yes"},
                           {"name": "delete_item", "default": False}])),
    s_case("S003", "string schema version", "must be an integer, got a string", "schemaVersion",
           manifest(schemaVersion="1")),
    s_case("S003", "boolean schema version", "must be an integer, got a boolean", "schemaVersion",
           manifest(schemaVersion=True)),
    s_case("S003", "egress string", "must be a list, got a string", "entitlements.egress",
           manifest(entitlements={"egress": API})),
    s_case("S003", "source string", "must be a mapping of fields, got a string", "source",
           manifest(source="github.com/gigmcp/toolpack")),
    s_case("S004", "tier", "'seald' is not one of: sealed, entrusted", "tier",
           manifest(tier="seald")),
    s_case("S004", "number tier", "a number is not one of: sealed, entrusted", "tier",
           manifest(tier=1)),
    s_case("S004", "builder", "'rust' is not one of: go-static, toolpack, node, python",
           "image.builder", manifest(image={**ACME_IMAGE, "builder": "rust"})),
    s_case("S004", "category", f"'Games' is not one of: {CATEGORIES}", "category",
           manifest(category="Games")),
    s_case("S004", "credential type",
           "'password' is not one of: oauth2, api_key, basic, custom_env", "credentials[0].type",
           manifest(credentials=[sealed(type="password")])),
    s_spec_case("S004", "param location", "'cookie' is not one of: path, query, body, header",
                "tools[0].params[0].in", spec_with(tool(params=[param("c", "cookie")]))),
    s_spec_case("S004", "method", "'TRACE' is not one of: GET, POST, PUT, PATCH, DELETE",
                "tools[0].method", spec_with(tool(method="TRACE"))),
    s_case("S005", "65 egress entries", "holds 65 entries; at most 64 are allowed",
           "entitlements.egress",
           manifest(entitlements={"egress": [f"h{i}.acme.example.com" for i in range(65)]})),
    s_case("S005", "17 credentials", "holds 17 entries; at most 16 are allowed", "credentials",
           manifest(credentials=[sealed(id=f"t{i}") for i in range(17)])),
    s_case("S005", "65 scopes", "holds 65 entries; at most 64 are allowed",
           "credentials[0].scopes",
           manifest(credentials=[sealed(scopes=[f"s{i}" for i in range(65)])])),
    s_case("S005", "257 tools", "holds 257 entries; at most 256 are allowed", "tools",
           manifest(tools=[{"name": f"t{i}", "default": True} for i in range(257)])),
    s_spec_case("S005", "129 params", "holds 129 entries; at most 128 are allowed",
                "tools[0].params", spec_with(tool(params=[param(f"p{i}") for i in range(129)]))),
    s_case("S006", "description", f"is {MAX_TEXT + 1} characters long; at most {MAX_TEXT} are "
           "allowed", "description", manifest(description="x" * (MAX_TEXT + 1))),
    s_case("S006", "egress entry", "is 100000 characters long; at most 2048 are allowed",
           "entitlements.egress[0]", manifest(entitlements={"egress": ["a" * 100_000]})),
    s_spec_case("S006", "param description", f"is {MAX_TEXT + 1} characters long; at most "
                f"{MAX_TEXT} are allowed", "tools[0].params[0].description",
                spec_with(tool(params=[param("q", description="x" * (MAX_TEXT + 1))]))),
]

# --- F: files and layout -----------------------------------------------------------------

STRAY = "only <name>/<version>.yaml files belong here"


def stray(id: str, relative: str) -> Case:
    return Case("F001", id, STRAY, file=relative, at=WHOLE_FILE, files={relative: "x: 1\n"})


F_CASES = [
    stray("README in manifests/", "manifests/README.md"),
    stray("notes beside versions", "manifests/acme/notes.txt"),
    stray(".yml suffix", "manifests/acme/0.2.0.yml"),
    stray("too deep in toolspecs/", "toolspecs/acme/deep/0.1.0.yaml"),
    stray("node_modules in manifests/", "manifests/node_modules/left-pad/index.js"),
    stray("build in manifests/", "manifests/build/acme/0.1.0.yaml"),
    Case("F002", "version", "path must be manifests/acme/0.1.0.yaml to match name and version "
         "(is .../acme/0.2.0.yaml)", file="manifests/acme/0.2.0.yaml", at=Value(()),
         manifests=[], files={"manifests/acme/0.2.0.yaml": factory.to_yaml(manifest())}),
    Case("F002", "name", "path must be manifests/acme/0.1.0.yaml to match name and version "
         "(is .../other/0.1.0.yaml)", file="manifests/other/0.1.0.yaml", at=Value(()),
         manifests=[], files={"manifests/other/0.1.0.yaml": factory.to_yaml(manifest())}),
    Case("F003", "version", "path must be toolspecs/acme/0.1.0.yaml to match name and version "
         "(is .../acme/0.2.0.yaml)",
         file="toolspecs/acme/0.2.0.yaml", at=Value(()), toolspecs=[],
         files={"toolspecs/acme/0.2.0.yaml": factory.to_yaml(toolspec())}),
    Case("F004", "no manifests folder", "no manifests directory", file="manifests",
         at=WHOLE_FILE, manifests=[], toolspecs=[]),
    Case("F005", "symlinked manifest", LINK, file=MANIFEST, at=WHOLE_FILE, manifests=[],
         toolspecs=[], files={"elsewhere/acme.yaml": factory.to_yaml(manifest())},
         setup=symlink(MANIFEST, "elsewhere/acme.yaml")),
    Case("F005", "symlinked server folder", LINK, file="manifests/acme", at=WHOLE_FILE,
         manifests=[], toolspecs=[], files={"elsewhere/0.1.0.yaml": factory.to_yaml(manifest())},
         setup=symlink("manifests/acme", "elsewhere")),
    Case("F005", "symlinked toolspecs folder", LINK, file="toolspecs",
         at=WHOLE_FILE, manifests=[go_static_manifest()], toolspecs=[],
         files={"elsewhere/acme/0.1.0.yaml": factory.to_yaml(toolspec())},
         setup=symlink("toolspecs", "elsewhere")),
    Case("F005", "docs link out of the tree", LINK, file="docs/leak.md", at=WHOLE_FILE,
         setup=symlink("docs/leak.md", "/etc/passwd")),
    Case("F005", "symlinked denylist", LINK, file=DENYLIST, at=WHOLE_FILE,
         files={"elsewhere/deny.txt": "webhook.site\n"},
         setup=symlink(DENYLIST, "elsewhere/deny.txt")),
    Case("F006", "FIFO as a manifest", PIPE, file=MANIFEST, at=WHOLE_FILE, manifests=[],
         toolspecs=[], setup=fifo(MANIFEST)),
    Case("F006", "FIFO in docs/", PIPE, file="docs/page.md", at=WHOLE_FILE,
         setup=fifo("docs/page.md")),
    Case("F006", "FIFO as the denylist", PIPE, file=DENYLIST,
         at=WHOLE_FILE, setup=fifo(DENYLIST)),
    *(Case("F007", f"docs/{name}", DOCS_KIND, file=f"docs/{name}", at=WHOLE_FILE,
           files={f"docs/{name}": "x\n"})
      for name in ("evil.js", "x.svg", "page.html", "theme.css", "guide/page.HTM")),
    m_case("F008", "toolpack", "toolpack is reserved: it names the builder recipe images/toolpack/",
           "name", manifest("toolpack"), spec=toolspec("toolpack")),
    m_case("F008", "node", "node is reserved: it names the builder recipe images/node/", "name",
           manifest("node"), spec=toolspec("node")),
    Case("F008", "a recipe in images/", "custom is reserved: it names the builder recipe "
         "images/custom/", "name", "manifests/custom/0.1.0.yaml", manifests=[manifest("custom")],
         toolspecs=[toolspec("custom")],
         files={"images/toolpack/Dockerfile": RECIPE, "images/custom/Dockerfile": RECIPE}),
]

# --- M: manifest fields ------------------------------------------------------------------


def named(name: str, message: str) -> Case:
    doc = manifest(name, image=ACME_IMAGE)
    return m_case("M002", repr(name), message, "name", doc, spec=toolspec(name))


def versioned(version: str) -> Case:
    return m_case("M003", version, f"{version!r} must be MAJOR.MINOR.PATCH without leading zeros",
                  "version", manifest(version=version), spec=toolspec(version=version))


def source(field: str, value: str, message: str) -> Case:
    src = {"repo": "github.com/gigmcp/toolpack", "tag": "v0.1.0", field: value}
    return m_case({"repo": "M004", "tag": "M005", "package": "M006"}[field], value, message,
                  f"source.{field}", manifest(source=src))


def image(field: str, value: str, message: str) -> Case:
    code = {"ref": "M007", "digest": "M008", "entrypoint": "M009"}[field]
    return m_case(code, value[:40], message, f"image.{field}",
                  manifest(image={**ACME_IMAGE, field: value}))


TOOL_CHARS = "must be 1-128 of A-Z a-z 0-9 _ . -"
TOOLS: list[Doc] = manifest()["tools"]

M_CASES = [
    m_case("M001", "2", "unsupported schema version; must be 1", "schemaVersion",
           manifest(schemaVersion=2)),
    named("Acme_1", "'Acme_1' must be lowercase letters, digits and inner hyphens (at most 63)"),
    named("acme-", "'acme-' must be lowercase letters, digits and inner hyphens (at most 63)"),
    named("a" * 64, f"'{'a' * 64}' must be lowercase letters, digits and inner hyphens "
          "(at most 63)"),
    versioned("01.0.0"),
    versioned("1.0.0-rc1"),
    versioned("1.0"),
    source("repo", "https://github.com/a/b", "must be host/owner/repo without a scheme"),
    source("repo", "github.com/a", "'github.com/a' must be host/owner/repo"),
    source("repo", "github.com/../b", "'github.com/../b' must be host/owner/repo"),
    source("repo", "localhost/a/b", "'localhost/a/b' must be host/owner/repo"),
    source("repo", "github.com/a/b/c", "'github.com/a/b/c' must be host/owner/repo"),
    source("tag", "--upload-pack=x", "'--upload-pack=x' must be a plain git tag "
           "(letters, digits, . _ / + -)"),
    source("tag", "v1; rm -rf /", "'v1; rm -rf /' must be a plain git tag "
           "(letters, digits, . _ / + -)"),
    source("tag", "v1..v2", "'v1..v2' must be a plain git tag (letters, digits, . _ / + -)"),
    source("package", "../x", "'../x' must be a relative path inside the repository"),
    source("package", "/etc", "'/etc' must be a relative path inside the repository"),
    source("package", "-rf", "'-rf' must be a relative path inside the repository"),
    image("ref", "ghcr.io/gigmcp/acme-mcp:latest", "'ghcr.io/gigmcp/acme-mcp:latest' must be "
          "an image repository (registry/path), without tag or digest"),
    image("ref", f"ghcr.io/gigmcp/acme-mcp@{PLACEHOLDER}", f"'ghcr.io/gigmcp/acme-mcp@"
          f"{PLACEHOLDER}' must be an image repository (registry/path), without tag or digest"),
    image("ref", "ghcr.io", "'ghcr.io' must be an image repository (registry/path), without "
          "tag or digest"),
    image("digest", "sha256:ABC", "must be sha256: followed by 64 lowercase hex digits"),
    image("digest", "sha256:" + "A" * 64, "must be sha256: followed by 64 lowercase hex digits"),
    image("digest", "sha512:" + "0" * 64, "must be sha256: followed by 64 lowercase hex digits"),
    image("entrypoint", "/bin/sh", "must be /app/server: every builder places the server there"),
    m_case("M010", "space in the manifest", f"'list items' {TOOL_CHARS}", "tools[0].name",
           manifest(tools=[{"name": "list items", "default": True}, TOOLS[1]]),
           spec=spec_with(tool(name="list items"))),
    m_case("M010", "129 characters", f"'{'t' * 129}' {TOOL_CHARS}", "tools[0].name",
           manifest(tools=[{"name": "t" * 129, "default": True}, TOOLS[1]]),
           spec=spec_with(tool(name="t" * 129))),
    t_case("M010", "space in the toolspec", "'list items' must be 1-128 of A-Z a-z 0-9 _ . -",
           "tools[0].name",
           spec_with(tool(name="list items")),
           doc=manifest(tools=[{"name": "list items", "default": True}, TOOLS[1]])),
    m_case("M011", "in the manifest", "duplicate tool list_items", "tools[1].name",
           manifest(tools=[TOOLS[0], {"name": "list_items", "default": False}, TOOLS[1]])),
    t_case("M011", "in the toolspec", "duplicate tool list_items", "tools[2].name",
           toolspec(tools=[tool(), DELETE, tool()])),
    m_case("M012", "no default tool",
           "no tool has default: true, so the server exposes nothing by default", "tools",
           manifest(tools=[{**TOOLS[0], "default": False}, TOOLS[1]])),
    m_case("M013", "81 characters", "longer than 80 characters", "displayName",
           manifest(displayName="x" * 81)),
    m_case("M014", "601 characters", "longer than 600 characters", "description",
           manifest(description="x" * 601)),
    *(m_case("M015", icon[:30], "must be an icon name (a-z, 0-9, -): a remote icon URL would "
             "tell a third party who reads the catalog", "icon", manifest(icon=icon))
      for icon in ("https://tracker.example.com/i.png", "//tracker.example.com/i", "Icon")),
]

# --- E: egress hosts and URLs ------------------------------------------------------------


E_CASES = [
    m_case("E001", "twice", f"duplicate egress entry {API}", "entitlements.egress[1]",
           manifest(entitlements={"egress": [API, API]})),
    egress_case("E002", "uppercase", "API.example.com", "must be lowercase"),
    egress_case("E002", "port", "api.example.com:8443", "must be a bare hostname, without a port"),
    egress_case("E002", "path", "api.example.com/v1", "must be a bare hostname, without a path"),
    egress_case("E002", "backslash", "api.example.com\\x",
                "must be a bare hostname, without a path"),
    egress_case("E002", "scheme", "https://api.example.com",
                "must be a bare hostname, without a scheme"),
    egress_case("E002", "userinfo", "user@api.example.com",
                "must be a bare hostname, without credentials"),
    egress_case("E002", "trailing dot", "api.example.com.", "must not end with a dot"),
    egress_case("E002", "empty label", "a..b.example.com", "has an empty label"),
    egress_case("E002", "underscore", "a_b.example.com",
                "label 'a_b' may hold only a-z, 0-9 and inner hyphens"),
    egress_case("E002", "leading hyphen", "-api.example.com",
                "label '-api' may hold only a-z, 0-9 and inner hyphens"),
    egress_case("E002", "64-character label", "a" * 64 + ".example.com",
                f"label {'a' * 20!r}… is longer than 63 characters"),
    egress_case("E002", "254-character host", ".".join(["abcdefgh"] * 30) + ".com",
                "longer than 253 characters"),
    egress_case("E002", "empty", "", "host is empty"),
    egress_case("E002", "empty wildcard suffix", "*.", "host is empty"),
    base_url_case("E002", "base URL uppercase", "https://API.acme.example.com",
                  "host must be lowercase"),

    *(egress_case("E003", host, host, IP) for host in (
        "169.254.169.254", "0x7f.0x1", "127.0.0.0x1", "169.254.169.0xfe", "0x7f000001",
        "169.254.0xa9fe", "2130706433", "017700000001", "example.123", "0x", "*.10.0.0.1")),
    egress_case("E003", "[::1]", "[::1]", IPV6),
    egress_case("E003", "bare IPv6", "fd00::1", IPV6),
    base_url_case("E003", "base URL hex IP", "https://0x7f.0x1", f"host {IP}"),
    base_url_case("E003", "base URL IPv6", "https://[::1]", f"host {IPV6}"),
    egress_case("E004", "punycode", "xn--bcher-kva.example.com",
                "label 'xn--bcher-kva' is punycode; IDN names are not allowed"),
    egress_case("E004", "unicode", "bücher.example.com",
                "must be ASCII; internationalized (IDN) names are not allowed"),
    egress_case("E004", "fullwidth letters", "ａｐｉ.example.com",
                "must be ASCII; internationalized (IDN) names are not allowed"),
    egress_case("E005", "api.corp", "api.corp", internal("api.corp", ".corp", CORP)),
    egress_case("E005", "svc.cluster.local", "svc.cluster.local", internal(
        "svc.cluster.local", ".local",
        "Multicast DNS link-local names (RFC 6762), e.g. printer.local, svc.cluster.local")),
    egress_case("E005", "x.home.arpa", "x.home.arpa", internal(
        "x.home.arpa", ".home.arpa", "home-network names (RFC 8375)")),
    egress_case("E005", "foo.lan", "foo.lan", internal(
        "foo.lan", ".lan",
        "home-router default domain (OpenWrt and others); listed in RFC 6762 appendix G")),
    egress_case("E005", "metadata.google.internal", "metadata.google.internal", internal(
        "metadata.google.internal", ".internal", INTERNAL)),
    egress_case("E005", "metadata.internal", "metadata.internal", internal(
        "metadata.internal", ".internal", INTERNAL)),
    egress_case("E005", "db.svc", "db.svc", internal(
        "db.svc", ".svc", "Kubernetes in-cluster service names, <service>.<namespace>.svc")),
    egress_case("E005", "kubernetes.default", "kubernetes.default",
                "kubernetes.default only resolves inside a network (Kubernetes API server "
                "through the cluster search domain (kubernetes.default.svc is matched by `svc`))"),
    egress_case("E005", "localhost", "localhost", internal(
        "localhost", ".localhost",
        "loopback name (RFC 6761 section 6.3); foo.localhost is loopback too")),
    egress_case("E005", "x.example", "x.example", internal(
        "x.example", ".example",
        "reserved for documentation, never delegated (RFC 2606, RFC 6761)")),
    egress_case("E005", "*.corp", "*.corp", internal("corp", ".corp", CORP)),
    egress_case("E005", "x.notatld", "x.notatld",
                "x.notatld only resolves inside a network: .notatld is not a delegated top-level "
                "domain"),
    egress_case("E005", "single label", "printer", "printer: single-label names only resolve "
                "inside a network (search domains); use the fully qualified name"),
    base_url_case("E005", "base URL api.corp", "https://api.corp",
                  "host " + internal("api.corp", ".corp", CORP)),
    egress_case("E005", "*.internal", "*.internal", internal("internal", ".internal", INTERNAL)),
    egress_case("E005", "*.tencentyun.com", "*.tencentyun.com",
                "*.tencentyun.com reaches metadata.tencentyun.com, which only resolves inside a "
                "network (Tencent Cloud instance metadata server, resolves only inside Tencent "
                "Cloud)"),
    *(egress_case("E006", entry, entry,
                  "a wildcard is allowed only as the whole first label: *.example.com")
      for entry in ("api.*.example.com", "*example.com", "*.*.example.com", "*")),
    egress_case("E007", "exact", "webhook.site",
                "webhook.site is on the exfiltration denylist (webhook.site)"),
    egress_case("E007", "subdomain", "x.y.webhook.site",
                "x.y.webhook.site is on the exfiltration denylist (webhook.site)"),
    egress_case("E007", "wildcard", "*.webhook.site",
                "webhook.site is on the exfiltration denylist (webhook.site)"),
    egress_case("E007", "denylist entry in capitals", "evil.example.net",
                "evil.example.net is on the exfiltration denylist (example.net)",
                denylist="Example.NET\n"),
    egress_case("E008", "parent of a denied host", "*.example.net",
                "*.example.net covers denylisted evil.example.net", denylist="evil.example.net\n"),
    *(egress_case("E009", entry, f"*.{entry}", suffix_message(entry)) for entry in (
        "github.io", "s3.amazonaws.com", "co.uk", "herokuapp.com", "myshopify.com")),
    egress_case("E009", "*.com", "*.com", suffix_message("com")),
    egress_case("E009", "*.io", "*.io", suffix_message("io")),
    egress_case("E010", "*.amazonaws.com", "*.amazonaws.com",
                "public suffixes exist under amazonaws.com: *.amazonaws.com would reach other "
                "registrants' hosts; list the exact hosts"),
    *(egress_case("E011", entry, f"*.{entry}", platform_message(entry, platform))
      for entry, platform in (
          ("app.github.dev", "app.github.dev"), ("ws-eu.gitpod.io", "gitpod.io"),
          ("github.dev", "app.github.dev"), ("glitch.me", "glitch.me"),
          ("x.firebaseio.com", "firebaseio.com"))),
]

# --- C: credentials ----------------------------------------------------------------------


def c_case(code: str, id: str, message: str, field: str, *creds: Doc,
           at: Where | None = None) -> Case:
    return m_case(code, id, message, field, manifest(credentials=list(creds)), at=at)


def e_case(code: str, id: str, message: str, field: str, *creds: Doc,
           at: Where | None = None) -> Case:
    return m_case(code, id, message, field, entrusted(*creds), spec=ENTRUSTED_SPEC, at=at)


def organisation_message(unit: str, first: str) -> str:
    return (f"the gateway sends acme_token to every egress host, and {unit} is not the "
            f"organisation of {first}: list both in one vendor group of "
            "policy/vendor-domains.txt (reviewed), or make them separate servers")


C_CASES = [
    c_case("C001", "space", "'Acme Token' is not a valid id", "credentials[0].id",
           sealed(id="Acme Token")),
    c_case("C001", "65 characters", f"'{'t' * 65}' is not a valid id", "credentials[0].id",
           sealed(id="t" * 65)),
    c_case("C002", "twice", "duplicate credential id t", "credentials[1].id",
           sealed(), sealed(inject={"header": "X-B", "format": "{token}"})),
    c_case("C003", "punctuation", "'Acme!' is not a valid provider", "credentials[0].provider",
           sealed(provider="Acme!")),
    c_case("C004", "oauth2", "required for oauth2 credentials", "credentials[0].vendor",
           sealed(type="oauth2"), at=Value(("credentials", 0))),
    c_case("C005", "sealed", "custom_env credentials need the entrusted tier",
           "credentials[0].type", sealed(type="custom_env")),
    c_case("C006", "space", "'read write' is not a valid scope", "credentials[0].scopes[0]",
           sealed(scopes=["read write"])),
    c_case("C006", "non-ASCII", "'lecture·écriture' is not a valid scope",
           "credentials[0].scopes[0]", sealed(scopes=["lecture·écriture"])),
    c_case("C007", "twice", "duplicate scope read", "credentials[0].scopes[1]",
           sealed(scopes=["read", "read"])),
    c_case("C008", "env on sealed", "sealed tier injects header + format; env is for the "
           "entrusted tier", "credentials[0].inject.env",
           cred(header="X-Key", format="{token}", env="KEY")),
    c_case("C009", "no header", "required for the sealed tier", "credentials[0].inject.header",
           cred(format="{token}"), at=Key(("credentials", 0, "inject"))),
    c_case("C010", "other case", "another credential already sets x-key",
           "credentials[1].inject.header", cred(header="X-Key", format="{token}"),
           cred("u", header="x-key", format="{token}")),
    c_case("C011", "no format", "required for the sealed tier", "credentials[0].inject.format",
           cred(header="X-Key"), at=Key(("credentials", 0, "inject"))),
    c_case("C012", "no token", "must contain {token}, where the secret goes",
           "credentials[0].inject.format", cred(header="X-Key", format="Bearer")),
    c_case("C012", "token twice", "must contain {token} exactly once",
           "credentials[0].inject.format", cred(header="X-Key", format="{token}{token}")),
    t_case("C012", "toolspec auth", "must contain {token}, where the secret goes", "auth.format",
           toolspec(auth={**AUTH, "format": "Bearer"}), doc=entrusted()),
    e_case("C013", "header", "entrusted tier injects env only; header/format are for sealed",
           "credentials[0].inject.header", cred(env="ACME_TOKEN", header="X-Key")),
    e_case("C013", "format", "entrusted tier injects env only; header/format are for sealed",
           "credentials[0].inject.format", cred(env="ACME_TOKEN", format="{token}")),
    e_case("C014", "no env", "required for the entrusted tier", "credentials[0].inject.env",
           cred(), at=Key(("credentials", 0, "inject"))),
    e_case("C015", "lowercase", "'acme_token' is not a valid environment variable name "
           "(^[A-Z_][A-Z0-9_]*$)", "credentials[0].inject.env", cred(env="acme_token")),
    e_case("C015", "leading digit", "'1TOKEN' is not a valid environment variable name "
           "(^[A-Z_][A-Z0-9_]*$)", "credentials[0].inject.env", cred(env="1TOKEN")),
    *(e_case("C016", env, f"{env} is reserved: it changes how the server's process runs",
             "credentials[0].inject.env", cred(env=env))
      for env in ("LD_PRELOAD", "PATH", "NODE_OPTIONS", "GIG_REGISTRY_PUBKEY",
                  "DYLD_INSERT_LIBRARIES")),
    e_case("C017", "twice", "another credential already uses ACME_TOKEN",
           "credentials[1].inject.env", cred(env="ACME_TOKEN"), cred("u", env="ACME_TOKEN")),
    Case("C018", "no egress", "sealed credentials are injected only on egress hosts; declare at "
         "least one", "entitlements", GO_STATIC,
         manifests=[go_static_manifest(entitlements={}, credentials=[sealed()])], toolspecs=[]),
    *(Case("C019", id, organisation_message(unit, first), f"entitlements.egress[{index}]",
           manifests=[manifest(entitlements={"egress": egress})], files=files)
      for id, egress, index, unit, first, files in (
          ("a second organisation", [API, "collector.example.net"], 1, "example.net",
           "example.com", {}),
          ("a lookalike of the first", [API, "api.acme-example.com"], 1, "acme-example.com",
           "example.com", {}),
          ("outside a listed group", [API, "www.googleapis.com", "example.org"], 1,
           "www.googleapis.com", "example.com", {VENDORS: "google: googleapis.com\n"}),
          ("beside a group's domains", ["www.googleapis.com", "gmail.googleapis.com",
                                        "api.acme.example.com"], 2, "example.com",
           "www.googleapis.com", {VENDORS: "google: googleapis.com\n"}),
      )),
]

# --- H: HTTP headers -----------------------------------------------------------------------

H_CASES = [
    c_case("H001", "space in a credential header",
           "'X Key' is not a valid HTTP header name (RFC 9110 token)",
           "credentials[0].inject.header", cred(header="X Key", format="{token}")),
    t_case("H001", "colon in a header param",
           "'X:Key' is not a valid HTTP header name (RFC 9110 token)", "tools[0].params[0].name",
           spec_with(tool(params=[param("X:Key", "header")]))),
    t_case("H001", "toolspec auth header",
           "'X Key' is not a valid HTTP header name (RFC 9110 token)", "auth.header",
           toolspec(auth={**AUTH, "header": "X Key"}), doc=entrusted()),
    *(c_case("H002", header, f"{header} is a connection-level header and cannot be set",
             "credentials[0].inject.header", cred(header=header, format="{token}"))
      for header in ("Host", "Transfer-Encoding", "Proxy-Authorization", "connection")),
    *(t_case("H002", f"{header} param", f"{header} is a connection-level header and cannot be set",
             "tools[0].params[0].name", spec_with(tool(params=[param(header, "header")])))
      for header in ("Host", "Content-Length")),
    t_case("H003", "Authorization", "Authorization carries the injected credential; a tool may "
           "not set it", "tools[0].params[0].name",
           spec_with(tool(params=[param("Authorization", "header")]))),
    t_case("H003", "a credential's header in other case", "x-api-key carries the injected "
           "credential; a tool may not set it", "tools[0].params[0].name",
           spec_with(tool(params=[param("x-api-key", "header")])),
           doc=manifest(credentials=[cred(header="X-Api-Key", format="{token}")])),
    t_case("H003", "the auth header", "x-token carries the injected credential; a tool may not "
           "set it", "tools[0].params[0].name",
           spec_with(tool(params=[param("x-token", "header")]),
                     auth={"header": "X-Token", "format": "{token}"}), doc=entrusted()),
    t_case("H004", "X-HTTP-Method-Override header", "X-HTTP-Method-Override makes servers treat "
           "the request as another method; a GET tool must stay a GET", "tools[0].params[0].name",
           spec_with(tool(params=[param("X-HTTP-Method-Override", "header")]))),
    t_case("H004", "_method query", "_method makes servers treat the request as another method; "
           "a DELETE tool must stay a DELETE", "tools[1].params[1].name",
           toolspec(tools=[tool(), {**DELETE, "params": [*DELETE["params"], param("_method")]}])),
    t_case("H004", "_method body", "_METHOD makes servers treat the request as another method; "
           "a POST tool must stay a POST", "tools[1].params[1].name",
           toolspec(tools=[tool(), {**DELETE, "method": "POST",
                                    "params": [*DELETE["params"], param("_METHOD", "body")]}])),
]

# --- T: toolspecs --------------------------------------------------------------------------

HTTPS_ONLY = "must be https://<host> only: put the path in each tool's path"


def path_case(code: str, path: str, message: str) -> Case:
    return t_case(code, path, message, "tools[0].path", spec_with(tool(path=path)))


T_CASES = [
    t_case("T001", "2", "unsupported schema version; must be 1", "schemaVersion",
           toolspec(schemaVersion=2)),
    Case("T002", "no such server", "no manifest ghost@0.1.0: a toolspec needs "
         "manifests/ghost/0.1.0.yaml", "name", "toolspecs/ghost/0.1.0.yaml",
         toolspecs=[toolspec(), toolspec("ghost")]),
    Case("T002", "no such version", "no manifest acme@0.2.0: a toolspec needs "
         "manifests/acme/0.2.0.yaml", "name", "toolspecs/acme/0.2.0.yaml",
         toolspecs=[toolspec(), toolspec(version="0.2.0")]),
    t_case("T003", "go-static", "manifest acme@0.1.0 does not use the toolpack builder; only "
           "toolpack servers have toolspecs", "name", toolspec(),
           doc=manifest(image=without(manifest()["image"], "builder"))),
    base_url_case("T004", "http", "http://api.acme.example.com", "must start with https://"),
    base_url_case("T004", "HTTPS in capitals", "HTTPS://api.acme.example.com",
                  "must start with https://"),
    base_url_case("T004", "path", "https://api.acme.example.com/v1", HTTPS_ONLY),
    base_url_case("T004", "query", "https://api.acme.example.com?x=1", HTTPS_ONLY),
    base_url_case("T004", "fragment", "https://api.acme.example.com#x", HTTPS_ONLY),
    base_url_case("T004", "backslash", "https://api.acme.example.com\\v1", HTTPS_ONLY),
    base_url_case("T004", "port", "https://api.acme.example.com:8443", "must not name a port"),
    base_url_case("T004", "empty port", "https://api.acme.example.com:", "must not name a port"),
    base_url_case("T004", "userinfo", "https://u:p@api.acme.example.com",
                  "must not contain credentials"),
    base_url_case("T004", "unclosed IPv6", "https://[::1", "is not a valid URL"),
    base_url_case("T004", "without a host", "https://", "must name a host: https://<host>"),
    base_url_case("T004", "empty query", "https://api.acme.example.com?", HTTPS_ONLY),
    base_url_case("T004", "empty fragment", "https://api.acme.example.com#", HTTPS_ONLY),
    t_case("T004", "tool base URL", "must start with https://", "tools[0].baseUrl",
           spec_with(tool(baseUrl="http://api.acme.example.com"))),
    base_url_case("T005", "other host", "https://evil.example.org",
                  "host evil.example.org is not allowed by the manifest's egress"),
    t_case("T005", "tool base URL", "host other.example.org is not allowed by the manifest's "
           "egress", "tools[0].baseUrl", spec_with(tool(baseUrl="https://other.example.org"))),
    t_case("T005", "wildcard's own suffix", "host acme.example.com is not allowed by the "
           "manifest's egress", "baseUrl", toolspec(baseUrl="https://acme.example.com"),
           doc=manifest(entitlements={"egress": ["*.acme.example.com"]})),
    t_case("T006", "auth on sealed", "sealed tier: the gateway injects credentials; the toolspec "
           "must not", "auth", toolspec(auth=AUTH)),
    t_case("T007", "no credential", "the manifest declares no credential to use", "auth",
           toolspec(auth=AUTH), doc=manifest(tier="entrusted", credentials=[])),
    t_case("T008", "no auth", "entrusted tier with credentials: auth {header, format} is "
           "required", "", toolspec(), doc=entrusted(), at=WHOLE_FILE),
    *(t_case("T009", repr(text), "must not be empty", "tools[0].description",
             spec_with(tool(description=text))) for text in ("", "  ")),
    t_case("T010", "tool description", "longer than 1000 characters", "tools[0].description",
           spec_with(tool(description="x" * 1001))),
    t_case("T010", "param description", "longer than 1000 characters",
           "tools[0].params[0].description",
           spec_with(tool(params=[param("q", description="x" * 1001)]))),
    t_case("T011", "GET", "GET requests have no body to encode", "tools[0].encoding",
           spec_with(tool(encoding="form"))),
    t_case("T011", "DELETE", "DELETE requests have no body to encode", "tools[1].encoding",
           toolspec(tools=[tool(), {**DELETE, "encoding": "json"}])),
    *(path_case("T012", path, "must be absolute (start with /)") for path in ("v1/items", "")),
    *(path_case("T013", path, PATH_CHARACTERS) for path in (
        "/v1/items?all=1", "/v1/items#top", "/v1/%2e%2e/admin", "/v1%2Fadmin", "/v1;x=1/items",
        "/v1/it ems", "/v1\\admin")),
    *(path_case("T014", path, "must not contain . or .. or empty segments")
      for path in ("/v1/../admin", "/./x", "/a//b", "/v1/items/..")),
    *(path_case("T015", path, "has an unbalanced { or }") for path in ("/v1/items/{id", "/v1/id}")),
    *(t_case("T016", repr(name), f"{name!r} is not a valid name", "tools[0].params[0].name",
             spec_with(tool(params=[param(name)]))) for name in ("a b", "", "p" * 129)),
    t_case("T017", "query twice", "duplicate query parameter q", "tools[0].params[1].name",
           spec_with(tool(params=[param("q"), param("q")]))),
    t_case("T018", "GET", "body parameters need POST, PUT or PATCH, not GET",
           "tools[0].params[0].in", spec_with(tool(params=[param("q", "body")]))),
    t_case("T018", "DELETE", "body parameters need POST, PUT or PATCH, not DELETE",
           "tools[1].params[1].in",
           toolspec(tools=[tool(), {**DELETE, "params": [*DELETE["params"], param("q", "body")]}])),
    t_case("T019", "required omitted", "path parameters must be required: true",
           "tools[0].params[0].required",
           spec_with(tool(path="/v1/items/{id}", params=[param("id", "path")])),
           at=Value(("tools", 0, "params", 0))),
    t_case("T019", "required: false", "path parameters must be required: true",
           "tools[0].params[0].required",
           spec_with(tool(path="/v1/items/{id}", params=[param("id", "path", required=False)]))),
    path_case("T020", "/v1/items/{id}", "{id} has no required in: path parameter"),
    t_case("T020", "query param of the same name", "{id} has no required in: path parameter",
           "tools[0].path", spec_with(tool(path="/v1/items/{id}", params=[param("id")]))),
    t_case("T021", "unused", "path parameter id is not in the path", "tools[0].params[0].name",
           spec_with(tool(params=[param("id", "path", required=True)]))),
    t_case("T022", "twice", "a placeholder appears twice", "tools[0].path",
           spec_with(tool(path="/v1/{id}/x/{id}", params=[param("id", "path", required=True)]))),
    t_case("T023", "extra tool", "tool sneaky is not declared in the manifest's tools",
           "tools[2].name", toolspec(tools=[tool(), DELETE, tool(name="sneaky")])),
    t_case("T024", "missing tool", "manifest tool delete_item has no mapping in this toolspec",
           "tools", toolspec(tools=[tool()])),
    t_case("T025", "default delete", "delete_item deletes (DELETE /v1/items/{id}) and the "
           "manifest exposes it by default: gateways offer it without asking; set default: false",
           "tools[1].method", toolspec(),
           doc=manifest(tools=[{"name": "list_items", "default": True},
                               {"name": "delete_item", "default": True}])),
]

# --- X: text -----------------------------------------------------------------------------


def x_manifest(id: str, shown: str, field: str, doc: Doc) -> Case:
    return m_case("X001", id, invisible(shown), field, doc)


def x_toolspec(id: str, shown: str, field: str, spec: Doc) -> Case:
    return t_case("X001", id, invisible(shown), field, spec)


X_CASES = [
    x_toolspec("zero-width space in a tool description", "U+200B ZERO WIDTH SPACE",
               "tools[0].description", spec_with(tool(description="List\u200bitems"))),
    x_toolspec("tag character in a param description", "U+E0041 TAG LATIN CAPITAL LETTER A",
               "tools[0].params[0].description",
               spec_with(tool(params=[param("q", description="Query\U000e0041")]))),
    Case("X001", "lone surrogate as a YAML escape",
         "contains a lone surrogate (U+D800), which is not a character; reviewers and readers "
         "cannot see it", "displayName",
         files={MANIFEST: json.dumps(manifest(displayName="Acme\ud800"), indent=2) + "\n"},
         # The manifest is refused by the schema, so its toolspec is left unpaired (T002).
         only=False),
    x_manifest("private use in displayName", "U+E000", "displayName",
               manifest(displayName="Acme\ue000")),
    x_manifest("unassigned code point", "U+0378", "displayName",
               manifest(displayName="Acme\u0378")),
    x_manifest("Hangul filler", "U+3164 HANGUL FILLER", "displayName",
               manifest(displayName="Acme\u3164")),
    x_manifest("variation selector after a letter", "U+FE0F VARIATION SELECTOR-16",
               "displayName", manifest(displayName="Acme\ufe0f")),
    x_manifest("bidi override", "U+202E RIGHT-TO-LEFT OVERRIDE", "displayName",
               manifest(displayName="Acme\u202egnp.exe")),
    x_manifest("CR in a header format", "U+000D", "credentials[0].inject.format",
               manifest(credentials=[cred(header="X-Key", format="{token}\r\nX-Evil: 1")])),
    x_manifest("newline in displayName", "U+000A", "displayName",
               manifest(displayName="Acme\nInc")),
    x_manifest("tab in displayName", "U+0009", "displayName", manifest(displayName="Acme\tInc")),
    x_manifest("CR in a description", "U+000D", "description",
               manifest(description="Line one.\r\nLine two.")),
    x_manifest("line separator in a description", "U+2028 LINE SEPARATOR", "description",
               manifest(description="Line one.\u2028Line two.")),
    x_manifest("NUL as a YAML escape in a description", "U+0000", "description",
               manifest(description="Reads\x00items.")),
    x_manifest("word joiner in an OAuth vendor", "U+2060 WORD JOINER", "credentials[0].vendor",
               manifest(credentials=[sealed(type="oauth2", vendor="acme\u2060")])),
]

# --- R: registry-wide --------------------------------------------------------------------

PINNED: Doc = {**go_static_manifest()["image"], "digest": factory.digest(7)}

R_CASES = [
    Case("R001", "same digest", "digest already pinned by first@1.0.0; one image, one manifest",
         "image.digest", "manifests/second/1.0.0.yaml",
         manifests=[go_static_manifest(name=n, image=PINNED) for n in ("first", "second")],
         toolspecs=[]),
    Case("R002", "toolpack without toolspec", "toolpack servers need toolspecs/acme/0.1.0.yaml",
         "image.builder", toolspecs=[]),
    Case("R003", "toolpack", "no build recipe images/toolpack/Dockerfile", "image.builder",
         files={"images/go-static/Dockerfile": RECIPE}),
    Case("R003", "default builder", "no build recipe images/go-static/Dockerfile",
         "image.builder", GO_STATIC, at=Key(("image",)), manifests=[go_static_manifest()],
         toolspecs=[], files={"images/toolpack/Dockerfile": RECIPE}),
    Case("R003", "recipe is a folder named Dockerfile", "no build recipe "
         "images/toolpack/Dockerfile", "image.builder",
         files={"images/toolpack/Dockerfile/x.md": "x\n"}, only=False),
    Case("R004", "missing", "missing; run `invoke catalog`",
         file="CATALOG.md", at=WHOLE_FILE, catalog=True),
    Case("R004", "stale", "out of date with the manifests; run `invoke catalog`",
         file="CATALOG.md", at=WHOLE_FILE, catalog=True, files={"CATALOG.md": "# Catalog\n"}),
    Case("R005", "101 versions", "acme has 101 versions; at most 100 are allowed: remove old "
         "ones", "version", "manifests/acme/1.0.100.yaml",
         manifests=[go_static_manifest(version=f"1.0.{i}") for i in range(101)], toolspecs=[]),
]

# --- L: the denylist and policy files ------------------------------------------------------


def l_case(id: str, lines: str, line: int, message: str) -> Case:
    return Case("L001", id, message, file=DENYLIST, at=At(line, 1), denylist=lines)


L_CASES = [
    l_case("empty label", "ok.example.com\nbad..example.com  # typo\n", 2,
           "bad..example.com: has an empty label"),
    l_case("scheme", "https://evil.example.com\n", 1,
           "https://evil.example.com: must be a bare hostname, without a scheme"),
    l_case("IP", "# metadata\n10.0.0.1\n", 2, f"10.0.0.1: {IP}"),
    l_case("wildcard", "*.evil.com\n", 1,
           "*.evil.com: label '*' may hold only a-z, 0-9 and inner hyphens"),
    l_case("single label", "under_score\n", 1, "under_score: is not a domain"),
    Case("L002", "no wildcard", "myshopify.com: must be a wildcard *.example.com", file=WILDCARDS,
         at=At(2, 1), files={WILDCARDS: "# reviewed\nmyshopify.com\n"}),
    Case("L002", "bad suffix", "*.bad..com: must be a wildcard *.example.com", file=WILDCARDS,
         at=At(1, 1), files={WILDCARDS: "*.bad..com\n"}),
    *(Case("L003", id, message, file=VENDORS, at=At(line, 1), files={VENDORS: text})
      for id, text, line, message in (
          ("no colon", "# groups\ngoogle googleapis.com\n", 2,
           "google googleapis.com: must be `vendor: domain domain …`"),
          ("no domain", "google:\n", 1, "google:: must be `vendor: domain domain …`"),
          ("bad vendor", "Big Co: bigco.com\n", 1, "big co: bigco.com: must be `vendor: domain domain …`"),
          ("not a domain", "acme: acme\n", 1, "acme: acme is not a domain"),
          ("a domain twice", "a: example.com\nb: example.com x.com\n", 2,
           "b: example.com is already a's"),
      )),
]

# --- A: aggregator policy ----------------------------------------------------------------

A_CASES = [
    Case("A001", "at the root", EXAMPLES, file="examples", at=WHOLE_FILE,
         files={"examples/demo/main.go": "package main\n"}),
    Case("A001", "in docs/", EXAMPLES, file="docs/examples", at=WHOLE_FILE,
         files={"docs/examples/a.md": "x\n"}),
    Case("A001", "in a recipe", EXAMPLES, file="images/toolpack/examples", at=WHOLE_FILE,
         files={"images/toolpack/Dockerfile": RECIPE, "images/toolpack/examples/x.txt": "x\n"}),
    *(Case("A002", relative, IMAGE_FILE, file=relative, at=WHOLE_FILE,
           files={"images/toolpack/Dockerfile": RECIPE, relative: "x\n"})
      for relative in ("images/toolpack/server.go", "images/README.md",
                       "images/toolpack/sub/Dockerfile", "images/toolpack/.dockerignore")),
    *(Case("A003", relative, SOURCE, file=relative, at=WHOLE_FILE, files={relative: "x\n"})
      for relative in ("cmd/server/main.go", "server.py", "policy/hook.py", "lib/server.wasm",
                       ".hidden/run.SH")),
    Case("A003", "beside tasks.py", SOURCE, file="tasks.py-server/main.go", at=WHOLE_FILE,
         files={"tasks.py-server/main.go": "package main\n"}),
]

CASES: list[Case] = [
    *Y_CASES, *S_CASES, *F_CASES, *M_CASES, *E_CASES, *C_CASES, *H_CASES, *T_CASES, *X_CASES,
    *R_CASES, *L_CASES, *A_CASES,
]


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=f"{case.code}-{case.id}", marks=marks)


def _explain(result: LintResult, root: Path) -> str:
    return "\n".join(f.format().replace(root.as_posix(), "<root>") for f in result.findings)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_rule(tmp_path: Path, case: Case) -> None:
    root = case.build(tmp_path)
    result = case.lint(root)
    expected = case.expected(root)
    assert expected in result.findings, (
        f"expected {expected.format().replace(root.as_posix(), '<root>')}\n"
        f"got:\n{_explain(result, root)}"
    )
    if case.only:
        others = [f for f in errors_only(result.findings) if f.code != case.code]
        assert others == [], f"other rules fired:\n{_explain(result, root)}"


def test_every_rule_has_a_case() -> None:
    covered = {case.code for case in CASES}
    passing = {case.code for case in CASES if not case.xfail}
    unknown = sorted(covered - set(RULES))
    assert not unknown, f"cases name codes that are not in RULES: {unknown}"
    missing = sorted(set(RULES) - covered)
    assert not missing, f"rules without a failing case: {missing}"
    only_xfail = sorted(set(RULES) - passing)
    assert not only_xfail, f"rules whose only cases are xfail: {only_xfail}"


def test_case_ids_are_unique() -> None:
    ids = [f"{case.code}-{case.id}" for case in CASES]
    assert sorted(ids) == sorted(set(ids)), [i for i in ids if ids.count(i) > 1]


# The first passing case of each code (test_every_rule_has_a_case reports codes without one).
FIRST_CASE = {case.code: case for case in reversed(CASES) if not case.xfail}


@pytest.mark.parametrize("code", sorted(FIRST_CASE))
def test_severity_is_the_rules(tmp_path: Path, code: str) -> None:
    """A finding carries its rule's severity, and only errors fail lint."""
    case = FIRST_CASE[code]
    result = case.lint(case.build(tmp_path))
    found = [f for f in result.findings if f.code == code]
    assert found
    assert {f.severity for f in found} == {RULES[code].severity}
    if case.only:
        assert result.failed is (RULES[code].severity is Severity.ERROR)


@pytest.mark.parametrize("setup", [symlink(DENYLIST, "elsewhere.txt"), fifo(DENYLIST)],
                         ids=["link", "pipe"])
def test_a_refused_list_file_is_reported_once(
    tmp_path: Path, setup: Callable[[Path], None]
) -> None:
    factory.tree(tmp_path)
    factory.write(tmp_path, "elsewhere.txt", "webhook.site\n")
    setup(tmp_path)
    result = lint_paths(tmp_path)
    assert len([f for f in result.findings if f.path.endswith(DENYLIST)]) == 1


# --- properties: hosts around the edges of the host rules ---------------------------------

_U32 = st.integers(min_value=0, max_value=2**32 - 1)
number_labels = st.one_of(
    _U32.map(str),                                  # decimal: 2130706433
    _U32.map(lambda n: f"0{n:o}"),                   # octal: 017700000001
    _U32.map(lambda n: f"0x{n:x}"),                  # hex: 0x7f000001
    st.just("0x"),                                  # hex without digits reads as 0
    st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}"),  # leading zeros
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = _LETTERS + "0123456789"
# a-z first, a-z 0-9 last, hyphens only inside: [a-z]([a-z0-9-]*[a-z0-9])?
ldh_labels = st.one_of(
    st.sampled_from(_LETTERS),
    st.builds(lambda first, inner, last: first + inner + last, st.sampled_from(_LETTERS),
              st.text(_ALNUM + "-", max_size=12), st.sampled_from(_ALNUM)),
).filter(lambda label: not label.startswith("xn--"))
NO_POLICY = HostPolicy()


def codes(problems: Sequence[tuple[Any, str]]) -> list[str]:
    return [rule.code for rule, _ in problems]


@settings(max_examples=200, deadline=None)
@given(st.lists(number_labels | ldh_labels, max_size=3), number_labels)
def test_a_host_ending_in_a_number_is_an_ip(labels: list[str], last: str) -> None:
    host = ".".join([*labels, last])
    assert codes(hostname_problems(host)) == ["E003"], host
    assert codes(egress_problems(host, NO_POLICY)) == ["E003"], host
    assert codes(egress_problems(f"*.{host}", NO_POLICY)) == ["E003"], host


INTERNAL_SUFFIXES = sorted(name.name for name in internal_names() if name.suffix)


@settings(max_examples=200, deadline=None)
@given(st.lists(ldh_labels, min_size=1, max_size=3), st.sampled_from(INTERNAL_SUFFIXES))
def test_a_host_under_an_internal_suffix_is_internal(labels: list[str], suffix: str) -> None:
    host = ".".join([*labels, suffix])
    assert codes(hostname_problems(host)) == ["E005"], host
    assert codes(egress_problems(host, NO_POLICY)) == ["E005"], host
    assert codes(egress_problems(f"*.{host}", NO_POLICY)) == ["E005"], host


@pytest.mark.parametrize("name", [n.name for n in internal_names() if not n.suffix])
def test_an_internal_name_is_internal(name: str) -> None:
    assert codes(egress_problems(name, NO_POLICY)) == ["E005"]


@settings(max_examples=200, deadline=None)
@given(st.lists(ldh_labels, min_size=1, max_size=4))
def test_lowercase_ldh_names_under_com_pass(labels: list[str]) -> None:
    host = ".".join([*labels, "com"])
    if any(host == name.name for name in internal_names()):
        return  # metadata.tencentyun.com is a .com name, and internal
    assert hostname_problems(host) == [], host
    assert egress_problems(host, NO_POLICY) == [], host


# --- properties: text around the edges of the text rule -----------------------------------

FILLERS = sorted(chr(code) for code in INVISIBLE_FILLERS)
invisible_chars = st.one_of(
    st.characters(categories=["Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"]),
    st.sampled_from(FILLERS),
)
visible_text = st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"], exclude_characters=FILLERS),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(visible_text, invisible_chars, visible_text)
def test_an_invisible_character_in_a_display_name_is_refused(
    before: str, char: str, after: str
) -> None:
    assert invisible_char(before + char + after) == char


@settings(max_examples=200, deadline=None)
@given(visible_text, invisible_chars.filter(lambda c: c not in "\n\t"), visible_text)
def test_an_invisible_character_in_a_description_is_refused(
    before: str, char: str, after: str
) -> None:
    assert invisible_char(before + char + after, prose=True) == char


@settings(max_examples=200, deadline=None)
@given(visible_text, visible_text)
def test_printable_text_passes(before: str, after: str) -> None:
    assert invisible_char(before + after) is None
    assert invisible_char(f"{before}\n\t{after}", prose=True) is None
