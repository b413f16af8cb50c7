"""Manifest rules: each broken input yields the right message at the right place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry.errors import Severity
from registry.lint.runner import lint_paths
from tests import factory
from tests.factory import manifest, toolspec


def lint_lines(root: Path, **kwargs: Any) -> list[str]:
    result = lint_paths(root, **kwargs)
    return [f.format() for f in result.findings if f.severity is Severity.ERROR]


def lint_one(tmp_path: Path, doc: dict[str, Any], spec: dict[str, Any] | None = None) -> list[str]:
    factory.tree(tmp_path, [doc], [spec] if spec is not None else [toolspec()])
    return lint_lines(tmp_path, policy=False)


def test_valid_tree_is_clean(tmp_path: Path) -> None:
    assert lint_one(tmp_path, manifest()) == []


def cred(**inject: str) -> dict[str, Any]:
    return {"id": "t", "type": "api_key", "provider": "acme", "inject": inject}


SEALED = {"header": "Authorization", "format": "Bearer {token}"}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("schema version", {"schemaVersion": 2}, "schemaVersion: unsupported schema version; must be 1"),
    ("name syntax", {"name": "Acme_1"}, "name: 'Acme_1' must be lowercase letters, digits"),
    ("trailing hyphen", {"name": "acme-"}, "name: 'acme-' must be lowercase"),
    ("version leading zero", {"version": "01.0.0"}, "version: '01.0.0' must be MAJOR.MINOR.PATCH"),
    ("version prerelease", {"version": "1.0.0-rc1"}, "must be MAJOR.MINOR.PATCH without leading"),
    ("repo scheme", {"source": {"repo": "https://github.com/a/b", "tag": "v1"}},
     "source.repo: must be host/owner/repo without a scheme"),
    ("repo shape", {"source": {"repo": "github.com/a", "tag": "v1"}},
     "source.repo: 'github.com/a' must be host/owner/repo"),
    ("repo dotdot", {"source": {"repo": "github.com/../b", "tag": "v1"}},
     "must be host/owner/repo"),
    ("tag option injection", {"source": {"repo": "github.com/a/b", "tag": "--upload-pack=x"}},
     "source.tag: '--upload-pack=x' must be a plain git tag"),
    ("tag spaces", {"source": {"repo": "github.com/a/b", "tag": "v1; rm -rf /"}},
     "must be a plain git tag"),
    ("package escapes", {"source": {"repo": "github.com/a/b", "tag": "v1", "package": "../x"}},
     "source.package: '../x' must be a relative path inside the repository"),
    ("package absolute", {"source": {"repo": "github.com/a/b", "tag": "v1", "package": "/etc"}},
     "must be a relative path"),
    ("digest shape", {"image": {"ref": "ghcr.io/gigmcp/acme-mcp", "digest": "sha256:ABC",
                                "entrypoint": "/app/server", "builder": "toolpack"}},
     "image.digest: must be sha256: followed by 64 lowercase hex digits"),
    ("image ref tag", {"image": {"ref": "ghcr.io/gigmcp/acme-mcp:latest",
                                 "digest": factory.PLACEHOLDER, "entrypoint": "/app/server",
                                 "builder": "toolpack"}},
     "image.ref: 'ghcr.io/gigmcp/acme-mcp:latest' must be an image repository"),
    ("entrypoint", {"image": {"ref": "ghcr.io/gigmcp/acme-mcp", "digest": factory.PLACEHOLDER,
                              "entrypoint": "/bin/sh", "builder": "toolpack"}},
     "image.entrypoint: must be /app/server"),
    ("egress wildcard public suffix", {"entitlements": {"egress": ["*.github.io"]}},
     "github.io is a public suffix"),
    ("egress wildcard private PSL", {"entitlements": {"egress": ["*.s3.amazonaws.com"]}},
     "s3.amazonaws.com is a public suffix"),
    ("egress wildcard over suffixes", {"entitlements": {"egress": ["*.amazonaws.com"]}},
     "public suffixes exist under amazonaws.com"),
    ("egress ccTLD suffix", {"entitlements": {"egress": ["*.co.uk"]}}, "co.uk is a public suffix"),
    ("egress single label wildcard", {"entitlements": {"egress": ["*.com"]}},
     "must have at least two labels"),
    ("egress inner wildcard", {"entitlements": {"egress": ["api.*.example.com"]}},
     "a wildcard is allowed only as the whole first label"),
    ("egress uppercase", {"entitlements": {"egress": ["API.example.com"]}}, "must be lowercase"),
    ("egress idn", {"entitlements": {"egress": ["xn--bcher-kva.example"]}},
     "is punycode; IDN names are not allowed"),
    ("egress unicode", {"entitlements": {"egress": ["bücher.example.com"]}}, "must be ASCII"),
    ("egress ip", {"entitlements": {"egress": ["169.254.169.254"]}}, "IP addresses are not allowed"),
    ("egress ipv6", {"entitlements": {"egress": ["[::1]"]}}, "IP addresses are not allowed"),
    ("egress port", {"entitlements": {"egress": ["api.example.com:8443"]}}, "without a port"),
    ("egress path", {"entitlements": {"egress": ["api.example.com/v1"]}}, "without a path"),
    ("egress scheme", {"entitlements": {"egress": ["https://api.example.com"]}},
     "without a scheme"),
    ("egress trailing dot", {"entitlements": {"egress": ["api.example.com."]}},
     "must not end with a dot"),
    ("egress long label", {"entitlements": {"egress": ["a" * 64 + ".example.com"]}},
     "is longer than 63 characters"),
    ("egress long host", {"entitlements": {"egress": [".".join(["abcdefgh"] * 30) + ".com"]}},
     "longer than 253 characters"),
    ("egress denylisted", {"entitlements": {"egress": ["webhook.site"]}},
     "webhook.site is on the exfiltration denylist (webhook.site)"),
    ("egress denylisted subdomain", {"entitlements": {"egress": ["x.y.webhook.site"]}},
     "is on the exfiltration denylist (webhook.site)"),
    ("egress internal", {"entitlements": {"egress": ["metadata.internal"]}},
     "on the exfiltration denylist (internal)"),
    ("egress duplicate", {"entitlements": {"egress": ["api.acme.example.com"] * 2}},
     "duplicate egress entry api.acme.example.com"),
    ("sealed without egress", {"entitlements": {}},
     "sealed credentials are injected only on egress hosts"),
    ("sealed with env", {"credentials": [cred(header="X-Key", format="{token}", env="KEY")]},
     "sealed tier injects header + format; env is for the entrusted tier"),
    ("sealed without header", {"credentials": [cred(format="{token}")]},
     "credentials[0].inject.header: required for the sealed tier"),
    ("sealed without format", {"credentials": [cred(header="X-Key")]},
     "credentials[0].inject.format: required for the sealed tier"),
    ("format without token", {"credentials": [cred(header="X-Key", format="Bearer")]},
     "must contain {token}, where the secret goes"),
    ("format token twice", {"credentials": [cred(header="X-Key", format="{token}{token}")]},
     "must contain {token} exactly once"),
    ("format control chars", {"credentials": [cred(header="X-Key", format="{token}\r\nX: y")]},
     "must not contain control characters"),
    ("header not a token", {"credentials": [cred(header="X Key", format="{token}")]},
     "'X Key' is not a valid HTTP header name"),
    ("header host", {"credentials": [cred(header="Host", format="{token}")]},
     "Host is a connection-level header"),
    ("header transfer-encoding", {"credentials": [cred(header="Transfer-Encoding",
                                                        format="{token}")]},
     "connection-level header"),
    ("header proxy", {"credentials": [cred(header="Proxy-Authorization", format="{token}")]},
     "connection-level header"),
    ("duplicate header", {"credentials": [cred(header="X-Key", format="{token}"),
                                          {**cred(header="x-key", format="{token}"), "id": "u"}]},
     "another credential already sets x-key"),
    ("duplicate credential id", {"credentials": [cred(**SEALED), cred(header="X-B",
                                                                     format="{token}")]},
     "duplicate credential id t"),
    ("oauth2 vendor", {"credentials": [{**cred(**SEALED), "type": "oauth2"}]},
     "credentials[0].vendor: required for oauth2 credentials"),
    ("custom_env sealed", {"credentials": [{**cred(**SEALED), "type": "custom_env"}]},
     "custom_env credentials need the entrusted tier"),
    ("scope whitespace", {"credentials": [{**cred(**SEALED), "scopes": ["read write"]}]},
     "'read write' is not a valid scope"),
    ("duplicate scope", {"credentials": [{**cred(**SEALED), "scopes": ["read", "read"]}]},
     "duplicate scope read"),
    ("tool name", {"tools": [{"name": "list items", "default": True}]},
     "tools[0].name: 'list items' must be 1-128"),
    ("duplicate tool", {"tools": [{"name": "list_items", "default": True},
                                  {"name": "list_items", "default": False},
                                  {"name": "delete_item", "default": False}]},
     "duplicate tool list_items"),
    ("icon url", {"icon": "https://tracker.example.com/i.png"}, "must be an icon name"),
    ("display name length", {"displayName": "x" * 81}, "longer than 80 characters"),
    ("bidi override", {"displayName": "Acme\u202egnp.exe"},
     "displayName: contains an invisible or control character (U+202E)"),
    ("newline in name field", {"displayName": "Acme\nInc"}, "(U+000A)"),
]


@pytest.mark.parametrize(("label", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_manifest_rule(tmp_path: Path, label: str, changes: dict[str, Any], expected: str) -> None:
    lines = lint_one(tmp_path, manifest(**changes))
    assert any(expected in line for line in lines), lines


ENTRUSTED: dict[str, Any] = {
    "tier": "entrusted",
    "credentials": [{"id": "t", "type": "api_key", "provider": "acme", "inject": {"env": "ACME_TOKEN"}}],
}
ENTRUSTED_SPEC: dict[str, Any] = {"auth": {"header": "Authorization", "format": "Bearer {token}"}}


def test_entrusted_manifest_is_clean(tmp_path: Path) -> None:
    assert lint_one(tmp_path, manifest(**ENTRUSTED), toolspec(**ENTRUSTED_SPEC)) == []


@pytest.mark.parametrize(
    ("inject", "expected"),
    [
        ({}, "credentials[0].inject.env: required for the entrusted tier"),
        ({"env": "acme_token"}, "'acme_token' is not a valid environment variable name"),
        ({"env": "LD_PRELOAD"}, "LD_PRELOAD is reserved"),
        ({"env": "PATH"}, "PATH is reserved"),
        ({"env": "GIG_REGISTRY_PUBKEY"}, "GIG_REGISTRY_PUBKEY is reserved"),
        ({"env": "T", "header": "X-Key"}, "entrusted tier injects env only"),
    ],
)
def test_entrusted_credential_rules(
    tmp_path: Path, inject: dict[str, str], expected: str
) -> None:
    doc = manifest(**ENTRUSTED)
    doc["credentials"][0]["inject"] = inject
    lines = lint_one(tmp_path, doc, toolspec(**ENTRUSTED_SPEC))
    assert any(expected in line for line in lines), lines


def test_findings_are_located_at_the_offending_value(tmp_path: Path) -> None:
    text = factory.to_yaml(manifest()).replace('"/app/server"', '"/bin/sh"')
    factory.tree(tmp_path)
    factory.write(tmp_path, "manifests/acme/0.1.0.yaml", text)
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if "/bin/sh" in line)
    col = text.splitlines()[line_no - 1].index('"/bin/sh"') + 1
    assert lint_lines(tmp_path, policy=False) == [
        f"{tmp_path.as_posix()}/manifests/acme/0.1.0.yaml:{line_no}:{col}: error: "
        "image.entrypoint: must be /app/server: every builder places the server there"
    ]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    doc = manifest(
        name="Bad_Name",
        entitlements={"egress": ["*.github.io", "webhook.site"]},
        tools=[{"name": "a b", "default": True}],
    )
    factory.tree(tmp_path, [doc], [])
    factory.write(tmp_path, "manifests/other/0.1.0.yaml", "a: [\n")
    lines = lint_lines(tmp_path, policy=False)
    assert len(lines) >= 6, lines
    assert any("invalid YAML" in line for line in lines)


def test_schema_type_errors_say_how_to_fix(tmp_path: Path) -> None:
    text = (
        "schemaVersion: 1\nname: acme\nversion: 0.1.0\n"
        "source: {repo: github.com/a/b, tag: 1.10}\n"
        "image: {ref: ghcr.io/a/b, digest: sha256:0, entrypoint: /app/server, builder: rust}\n"
        "tier: seald\nentitlements: {}\ntools:\n  - name: t\n    default: yes\n"
        "category: Games\nsurprise: 1\n"
    )
    factory.tree(tmp_path, [], [])
    factory.write(tmp_path, "manifests/acme/0.1.0.yaml", text)
    lines = lint_lines(tmp_path, policy=False)
    path = f"{tmp_path.as_posix()}/manifests/acme/0.1.0.yaml"
    assert lines == [
        f'{path}:4:37: error: source.tag: must be a string, got a number; quote it: "1.10"',
        f"{path}:5:79: error: image.builder: 'rust' is not one of: go-static, toolpack, node, "
        "python",
        f"{path}:6:7: error: tier: 'seald' is not one of: sealed, entrusted",
        f"{path}:10:14: error: tools[0].default: must be true or false, got a string",
        f"{path}:11:11: error: category: 'Games' is not one of: ai, analytics, comms, CRM, data, "
        "design, dev-tools, documents, e-commerce, finance, HR/ATS, marketing, productivity, "
        "search, social, storage, support",
        f"{path}:12:1: error: surprise: unknown field",
    ]


def test_path_must_match_name_and_version(tmp_path: Path) -> None:
    factory.tree(tmp_path, [], [toolspec()])
    factory.write(tmp_path, "manifests/acme/0.2.0.yaml", factory.to_yaml(manifest()))
    lines = lint_lines(tmp_path, policy=False)
    assert any("path must be manifests/acme/0.1.0.yaml to match name and version" in line
               for line in lines), lines


def test_one_digest_one_manifest(tmp_path: Path) -> None:
    image = {"ref": "ghcr.io/gigmcp/x-mcp", "digest": factory.digest(7),
             "entrypoint": "/app/server"}
    first = manifest("first", image=image, tools=[{"name": "a", "default": True}])
    second = manifest("second", image=image, tools=[{"name": "a", "default": True}])
    factory.tree(tmp_path, [first, second], [])
    lines = lint_lines(tmp_path, policy=False)
    assert any("second/0.1.0.yaml" in line and "digest already pinned by first@0.1.0" in line
               for line in lines), lines


def test_placeholder_digests_may_repeat(tmp_path: Path) -> None:
    image = {"ref": "ghcr.io/gigmcp/x-mcp", "digest": factory.PLACEHOLDER,
             "entrypoint": "/app/server"}
    docs = [manifest(n, image=image, tools=[{"name": "a", "default": True}]) for n in "ab"]
    factory.tree(tmp_path, docs, [])
    assert lint_lines(tmp_path, policy=False) == []


def test_no_default_tool_is_a_warning_not_an_error(tmp_path: Path) -> None:
    factory.tree(tmp_path, [manifest(tools=[{"name": "list_items", "default": False},
                                            {"name": "delete_item", "default": False}])])
    result = lint_paths(tmp_path, policy=False)
    assert not result.failed
    assert [f.message for f in result.findings] == [
        "no tool has default: true, so the server exposes nothing by default"
    ]


def test_wildcard_exception_file_allows_a_reviewed_wildcard(tmp_path: Path) -> None:
    doc = manifest(entitlements={"egress": ["*.myshopify.com"]})
    spec = toolspec(baseUrl="https://shop.myshopify.com")
    factory.tree(tmp_path, [doc], [spec])
    assert any("myshopify.com is a public suffix" in line for line in lint_lines(tmp_path))
    factory.write(tmp_path, "policy/allowed-wildcards.txt", "*.myshopify.com  # reviewed\n")
    assert lint_lines(tmp_path) == []


def test_denylist_wildcard_cannot_reach_denied_subdomain(tmp_path: Path) -> None:
    factory.tree(tmp_path, [manifest(entitlements={"egress": ["*.example.net"]})],
                 denylist="evil.example.net\n")
    lines = lint_lines(tmp_path, policy=False)
    assert any("*.example.net covers denylisted evil.example.net" in line for line in lines)
