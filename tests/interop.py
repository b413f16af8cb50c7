"""The official MCP Registry's specification files beside the repository, as validators.

``INTEROP`` is ``../shared/interop``: the December 2025 ``server.schema.json``
(draft-07) and the registry's ``openapi.yaml`` (OpenAPI 3.1, JSON Schema
2020-12), kept unmodified outside the project. Tests that need them are
marked ``needs_interop`` and skip, saying why, where they are absent (a fresh
CI machine). Formats are checked (``uri``, ``date-time``): the ``format-nongpl``
extra of jsonschema provides the checkers, and :func:`validators` refuses to
run without them rather than pass vacuously.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML

INTEROP = Path(__file__).resolve().parent.parent.parent / "shared" / "interop"
SERVER_SCHEMA = INTEROP / "server.schema.json"
OPENAPI = INTEROP / "openapi.yaml"
needs_interop = pytest.mark.skipif(
    not (SERVER_SCHEMA.is_file() and OPENAPI.is_file()),
    reason="../shared/interop (the official server.schema.json and openapi.yaml) not present",
)


@dataclass(frozen=True)
class Validators:
    server_json: Validator
    """server.schema.json: one server.json."""
    server_detail: Validator
    server_list: Validator
    server_response: Validator
    """openapi.yaml's components of the same names."""
    schema_id: str


@functools.cache
def validators() -> Validators:
    schema = json.loads(SERVER_SCHEMA.read_text("utf-8"))
    openapi = YAML(typ="safe", pure=True).load(OPENAPI.read_text("utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        uri=openapi["$id"], resource=DRAFT202012.create_resource(openapi)
    )

    def component(name: str) -> Validator:
        return Draft202012Validator(
            {"$ref": f"{openapi['$id']}#/components/schemas/{name}"},
            registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    found = Validators(
        server_json=Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER),
        server_detail=component("ServerDetail"),
        server_list=component("ServerList"),
        server_response=component("ServerResponse"),
        schema_id=schema["$id"],
    )
    checked = {"uri", "date-time"} - set(Draft7Validator.FORMAT_CHECKER.checkers)
    assert not checked, f"no format checker for {checked}: install the dev extra"
    return found


def problems(validator: Validator, document: Any) -> list[str]:
    """Every violation as ``path: message``; empty when ``document`` is valid."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def server_json_problems(server: Any) -> list[str]:
    """``server`` against server.schema.json and openapi.yaml's ServerDetail."""
    found = validators()
    return problems(found.server_json, server) + problems(found.server_detail, server)


def api_problems(files: dict[str, bytes]) -> tuple[list[str], int]:
    """Every file of the static API against its openapi shape, each server.json against both.

    Returns the problems (``path: …``) and how many server.json documents were checked.
    """
    found = validators()
    out: list[str] = []
    entries = 0
    for path, body in files.items():
        document = json.loads(body)
        is_list = path.endswith((".html",))
        shape = found.server_list if is_list else found.server_response
        out += [f"{path}: {p}" for p in problems(shape, document)]
        responses = document.get("servers", []) if is_list else [document]
        if is_list and document.get("metadata", {}).get("count") != len(responses):
            out.append(f"{path}: metadata.count is not the number of servers")
        for response in responses:
            entries += 1
            out += [f"{path}: {p}" for p in server_json_problems(response.get("server"))]
    return out, entries
