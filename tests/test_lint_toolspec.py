"""Toolspec rules, each checked against its paired manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import factory
from tests.factory import manifest, toolspec
from tests.test_lint_manifest import lint_lines


def spec_lines(tmp_path: Path, spec: dict[str, Any], doc: dict[str, Any] | None = None) -> list[str]:
    factory.tree(tmp_path, [doc or manifest()], [spec])
    return lint_lines(tmp_path, policy=False)


def tool(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "list_items",
        "description": "List items",
        "method": "GET",
        "path": "/v1/items",
        "params": [],
    }
    base.update(changes)
    return base


DELETE = toolspec()["tools"][1]


def spec_with(first: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return toolspec(tools=[first, DELETE], **changes)


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("base url http", toolspec(baseUrl="http://api.acme.example.com"), "baseUrl: must start with https://"),
    ("base url path", toolspec(baseUrl="https://api.acme.example.com/v1"),
     "must be https://<host> only"),
    ("base url port", toolspec(baseUrl="https://api.acme.example.com:8443"), "must not name a port"),
    ("base url userinfo", toolspec(baseUrl="https://u:p@api.acme.example.com"),
     "must not contain credentials"),
    ("base url ip", toolspec(baseUrl="https://169.254.169.254"), "host IP addresses are not allowed"),
    ("base url outside egress", toolspec(baseUrl="https://evil.example.org"),
     "baseUrl: host evil.example.org is not allowed by the manifest's egress"),
    ("tool base url outside egress", spec_with(tool(baseUrl="https://other.example.org")),
     "tools[0].baseUrl: host other.example.org is not allowed"),
    ("relative path", spec_with(tool(path="v1/items")), "tools[0].path: must be absolute"),
    ("query in path", spec_with(tool(path="/v1/items?all=1")), "may hold only URL path characters"),
    ("dotdot path", spec_with(tool(path="/v1/../admin")), "must not contain .. or empty segments"),
    ("unbound placeholder", spec_with(tool(path="/v1/items/{id}")),
     "{id} has no required in: path parameter"),
    ("unused path param", spec_with(tool(params=[{"name": "id", "in": "path", "type": "string",
                                                   "required": True}])),
     "path parameter id is not in the path"),
    ("optional path param", spec_with(tool(path="/v1/items/{id}", params=[
        {"name": "id", "in": "path", "type": "string"}])),
     "path parameters must be required: true"),
    ("unbalanced brace", spec_with(tool(path="/v1/items/{id")), "has an unbalanced { or }"),
    ("body on GET", spec_with(tool(params=[{"name": "q", "in": "body", "type": "string"}])),
     "body parameters need POST, PUT or PATCH, not GET"),
    ("encoding on GET", spec_with(tool(encoding="form")), "GET requests have no body to encode"),
    ("duplicate param", spec_with(tool(params=[{"name": "q", "in": "query", "type": "string"},
                                               {"name": "q", "in": "query", "type": "string"}])),
     "duplicate query parameter q"),
    ("credential header param", spec_with(tool(params=[
        {"name": "Authorization", "in": "header", "type": "string"}])),
     "Authorization carries the injected credential; a tool may not set it"),
    ("connection header param", spec_with(tool(params=[
        {"name": "Host", "in": "header", "type": "string"}])), "Host is a connection-level header"),
    ("empty description", spec_with(tool(description="  ")), "tools[0].description: must not be empty"),
    ("extra tool", toolspec(tools=[tool(), DELETE, tool(name="sneaky")]),
     "tool sneaky is not declared in the manifest's tools"),
    ("duplicate tool", toolspec(tools=[tool(), DELETE, tool()]), "duplicate tool list_items"),
    ("missing tool", toolspec(tools=[tool()]), "manifest tool delete_item has no mapping"),
    ("auth on sealed", toolspec(auth={"header": "Authorization", "format": "Bearer {token}"}),
     "sealed tier: the gateway injects credentials; the toolspec must not"),
    ("version mismatch", toolspec(version="0.2.0"), "no manifest acme@0.2.0"),
    ("unknown param location", spec_with(tool(params=[{"name": "c", "in": "cookie",
                                                       "type": "string"}])),
     "tools[0].params[0].in: 'cookie' is not one of: path, query, body, header"),
    ("bad method", spec_with(tool(method="TRACE")),
     "'TRACE' is not one of: GET, POST, PUT, PATCH, DELETE"),
]


@pytest.mark.parametrize(("label", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_toolspec_rule(tmp_path: Path, label: str, spec: dict[str, Any], expected: str) -> None:
    lines = spec_lines(tmp_path, spec)
    assert any(expected in line for line in lines), lines


def test_wildcard_egress_covers_base_url(tmp_path: Path) -> None:
    doc = manifest(entitlements={"egress": ["*.acme.example.com"]})
    spec = toolspec(baseUrl="https://eu.api.acme.example.com")
    assert spec_lines(tmp_path, spec, doc) == []


def test_entrusted_tier_needs_auth(tmp_path: Path) -> None:
    doc = manifest(tier="entrusted", credentials=[
        {"id": "t", "type": "api_key", "provider": "acme", "inject": {"env": "ACME_TOKEN"}}])
    lines = spec_lines(tmp_path, toolspec(), doc)
    assert any("entrusted tier with credentials: auth {header, format} is required" in line
               for line in lines), lines


def test_toolspec_for_non_toolpack_manifest(tmp_path: Path) -> None:
    doc = manifest(image={"ref": "ghcr.io/gigmcp/acme-mcp", "digest": factory.PLACEHOLDER,
                          "entrypoint": "/app/server"})
    lines = spec_lines(tmp_path, toolspec(), doc)
    assert any("does not use the toolpack builder" in line for line in lines), lines


def test_toolpack_manifest_needs_its_toolspec(tmp_path: Path) -> None:
    factory.tree(tmp_path, [manifest()], [])
    lines = lint_lines(tmp_path, policy=False)
    assert any("toolpack servers need toolspecs/acme/0.1.0.yaml" in line for line in lines), lines


def test_toolspec_without_manifest(tmp_path: Path) -> None:
    factory.tree(tmp_path, [manifest()], [toolspec(), toolspec("ghost")])
    lines = lint_lines(tmp_path, policy=False)
    assert any("toolspecs/ghost/0.1.0.yaml" in line and "no manifest ghost@0.1.0" in line
               for line in lines), lines
