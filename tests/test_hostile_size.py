"""Hostile size: lists past their caps are refused, and nothing downstream sees them.

Timings are for ``invoke bench``; these tests check the verdicts.
"""

from __future__ import annotations

from pathlib import Path

from registry.lint.runner import lint_paths
from registry.load.schema import MAX_EGRESS, MAX_PARAMS, MAX_TOOLS
from tests import factory


def test_three_versions_of_four_thousand_egress_hosts_are_refused(tmp_path: Path) -> None:
    hosts = [f"h{i}.acme.example.com" for i in range(4000)]
    versions = ["0.1.0", "0.2.0", "0.3.0"]
    factory.tree(
        tmp_path,
        [factory.manifest(version=v, entitlements={"egress": hosts}) for v in versions],
        [factory.toolspec(version=v) for v in versions],
    )
    result = lint_paths(tmp_path, policy=False)
    refused = [f for f in result.errors if "/manifests/" in f.path]
    assert {(f.path.rsplit("/", 1)[-1], f.code, f.field) for f in refused} == {
        (f"{v}.yaml", "S005", "entitlements.egress") for v in versions
    }
    assert all(f"at most {MAX_EGRESS} are allowed" in f.message for f in refused)
    assert result.registry.manifests == []  # refused before any rule or page sees them


def test_a_toolspec_past_its_tool_and_parameter_caps_is_refused(tmp_path: Path) -> None:
    spec = factory.toolspec()
    spec["tools"][0]["params"] = [
        {"name": f"p{i}", "in": "query", "type": "string"} for i in range(MAX_PARAMS + 1)
    ]
    wide = factory.toolspec("wide")
    wide["tools"] += [dict(wide["tools"][1], name=f"t{i}") for i in range(MAX_TOOLS)]
    factory.tree(tmp_path, [factory.manifest(), factory.manifest("wide")], [spec, wide])
    codes = {(f.path.rsplit("/", 2)[-2], f.code, f.field)
             for f in lint_paths(tmp_path, policy=False).errors}
    assert ("wide", "S005", "tools") in codes
    assert ("acme", "S005", "tools[0].params") in codes
