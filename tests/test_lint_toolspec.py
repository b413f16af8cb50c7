"""Toolspecs as a whole, checked against their paired manifest.

Each rule's own failing inputs are in tests/test_rules.py, keyed by the rule's code.
"""

from __future__ import annotations

from pathlib import Path

from tests import factory
from tests.factory import lint_errors, manifest, toolspec


def test_wildcard_egress_covers_base_url(tmp_path: Path) -> None:
    doc = manifest(entitlements={"egress": ["*.acme.example.com"]})
    spec = toolspec(baseUrl="https://eu.api.acme.example.com")
    factory.tree(tmp_path, [doc], [spec])
    assert lint_errors(tmp_path, policy=False) == []


SPEC = """\
schemaVersion: 1
name: acme
version: 0.1.0
baseUrl: https://api.acme.example.com
tools:
  - name: list_items
    description: List items
    method: GET
    path: /v1/items/{id}
    encoding: form
    params:
      - {name: q, in: body, type: string}
  - name: delete_item
    description: " "
    method: DELETE
    path: /v1/../items
"""


def test_every_problem_of_a_toolspec_is_reported_at_its_place(tmp_path: Path) -> None:
    factory.tree(tmp_path, [manifest()], [])
    factory.write(tmp_path, "toolspecs/acme/0.1.0.yaml", SPEC)
    path = f"{tmp_path.as_posix()}/toolspecs/acme/0.1.0.yaml"
    assert lint_errors(tmp_path, policy=False) == [
        f"{path}:9:11: error: tools[0].path: {{id}} has no required in: path parameter [T020]",
        f"{path}:10:15: error: tools[0].encoding: GET requests have no body to encode [T011]",
        f"{path}:12:23: error: tools[0].params[0].in: body parameters need POST, PUT or PATCH, "
        "not GET [T018]",
        f"{path}:14:18: error: tools[1].description: must not be empty [T009]",
        f"{path}:16:11: error: tools[1].path: must not contain . or .. or empty segments [T014]",
    ]
