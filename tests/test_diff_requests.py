"""The toolspec half of the entitlement diff: what each tool sends, and where.

A toolspec-only change can turn a read into a delete; the diff must show it,
name the method, and escalate when the tool is exposed by default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from registry.cli import main
from registry.load.schema import Manifest, Toolspec
from registry.review.against import diff_refs, review_against
from registry.review.diff import EntitlementDiff, entitlement_diff
from tests import factory

OLD = factory.toolspec()


def spec(**changes: Any) -> Toolspec:
    return Toolspec.model_validate(factory.toolspec(**changes), by_alias=True)


def tools(first: dict[str, Any] | None = None, second: dict[str, Any] | None = None) -> Any:
    listed = copy.deepcopy(OLD["tools"])
    listed[0].update(first or {})
    listed[1].update(second or {})
    return listed


def diff(new: Toolspec, old: Toolspec | None = None, **manifest: Any) -> EntitlementDiff:
    before = Manifest.model_validate(factory.manifest())
    after = Manifest.model_validate(factory.manifest(**manifest))
    return entitlement_diff(before, after, old_toolspec=old or spec(), new_toolspec=new)


def rows(d: EntitlementDiff) -> list[tuple[str, str, str, bool]]:
    return [(c.area, c.kind, c.subject, c.escalation) for c in d.changes]


def test_a_default_read_that_becomes_a_delete_escalates_and_names_the_method() -> None:
    d = diff(spec(tools=tools({"method": "DELETE"})))
    assert rows(d) == [("request", "changed", "list_items.method", True)]
    assert d.changes[0].summary == (
        "Tool list_items method changed from GET to DELETE (read -> destructive), "
        "exposed by default"
    )


@pytest.mark.parametrize(
    ("method", "escalates"), [("POST", True), ("PUT", True), ("PATCH", True), ("GET", False)]
)
def test_side_effect_widening_on_a_default_tool(method: str, escalates: bool) -> None:
    d = diff(spec(tools=tools({"method": method, "params": []})))
    assert any(c.escalation for c in d.changes) is escalates


def test_widening_an_off_by_default_tool_is_shown_but_does_not_escalate() -> None:
    # delete_item is off by default; PATCH -> DELETE on it is for whoever enables it.
    old = spec(tools=tools(second={"method": "PATCH"}))
    d = diff(spec(), old)
    assert rows(d) == [
        ("request", "changed", "delete_item.method", False),
        ("request", "changed", "delete_item.encoding", False),  # a DELETE sends no body
    ]


def test_narrowing_does_not_escalate() -> None:
    old = spec(tools=tools({"method": "DELETE"}))
    assert not diff(spec(), old).escalates


def test_a_new_base_url_host_escalates_an_already_allowed_one_too() -> None:
    egress = {"egress": ["api.acme.example.com", "admin.acme.example.com"]}
    new = spec(tools=tools({"baseUrl": "https://admin.acme.example.com"}))
    d = diff(new, entitlements=egress)
    (request,) = [c for c in d.changes if c.area == "request"]
    assert (request.subject, request.escalation) == ("list_items.baseUrl", True)
    assert request.after == "https://admin.acme.example.com"


def test_path_params_encoding_and_auth_changes_are_all_listed() -> None:
    old = spec(tools=tools(
        second={"method": "POST", "encoding": "json",
                "params": [{"name": "id", "in": "path", "type": "string", "required": True},
                           {"name": "note", "in": "query", "type": "string"}]},
    ))
    new = spec(tools=tools(
        {"path": "/v2/items", "params": [{"name": "limit", "in": "query", "type": "string"}]},
        {"method": "POST", "encoding": "form",
         "params": [{"name": "id", "in": "path", "type": "string", "required": True},
                    {"name": "note", "in": "body", "type": "string"},
                    {"name": "force", "in": "query", "type": "boolean"}]},
    ))
    summaries = [c.summary for c in diff(new, old).changes]
    assert summaries == [
        "Tool delete_item body encoding changed from json to form",
        "Tool delete_item takes a new parameter force (query boolean)",
        "Tool delete_item parameter note moved from query to body (body string)",
        "Tool list_items path changed from /v1/items to /v2/items",
        "Tool list_items parameter limit changed (query string)",
    ]


def test_the_toolspec_auth_header_change_is_listed() -> None:
    old = spec(auth={"header": "Authorization", "format": "Bearer {token}"})
    new = spec(auth={"header": "X-Api-Key", "format": "{token}"})
    assert [c.summary for c in diff(new, old).changes] == [
        "The toolpack engine sends the credential as X-Api-Key: {token}"
    ]


# --- through the commands ---------------------------------------------------------------


def test_diff_refs_reads_the_toolspecs(tmp_path: Path) -> None:
    factory.tree(
        tmp_path,
        [factory.manifest(version="0.1.0"), factory.manifest(version="0.2.0")],
        [factory.toolspec(version="0.1.0"),
         factory.toolspec(version="0.2.0", tools=tools({"method": "DELETE"}))],
    )
    d = diff_refs(tmp_path, "acme@0.1.0", "acme@0.2.0")
    assert rows(d) == [("request", "changed", "list_items.method", True)]


def test_a_toolspec_only_bump_escalates_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = factory.tree(tmp_path)
    factory.git(root, "init", "-q", "-b", "main")
    factory.git(root, "add", "-A")
    factory.git(root, "commit", "-q", "-m", "base")
    factory.write(root, "toolspecs/acme/0.1.0.yaml",
                  factory.to_yaml(factory.toolspec(tools=tools({"method": "DELETE"}))))
    review = review_against(root, "main")
    assert [(d.old_ref, d.new_ref) for d in review.diffs] == [("acme@0.1.0", "acme@0.1.0")]
    assert main(["diff", "--root", str(root), "--against", "main"]) == 3
    out = capsys.readouterr().out
    assert "list_items method changed from GET to DELETE" in out
    assert main(["diff", "--root", str(root), "--against", "main", "--format", "markdown"]) == 3
    assert "GET to DELETE" in capsys.readouterr().out
