"""Entitlement diffs: detection, escalation rules, renderers and their escaping."""

from __future__ import annotations

import copy
import json
from typing import Any

import markdown  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.egress import egress_covers
from registry.load.schema import Manifest
from registry.render.markdown import escape_markdown
from registry.review.diff import (
    AREAS,
    Change,
    EntitlementDiff,
    entitlement_diff,
)
from registry.review.render import render_markdown, render_text, to_json
from tests import factory

BASE: dict[str, Any] = factory.go_static_manifest(
    entitlements={"egress": ["api.acme.example"]},
    credentials=[
        {
            "id": "acme_token",
            "type": "oauth2",
            "provider": "acme",
            "vendor": "acme",
            "scopes": ["read"],
            "inject": {"header": "Authorization", "format": "Bearer {token}"},
        }
    ],
    tools=[{"name": "list_things", "default": True}, {"name": "delete_thing", "default": False}],
    displayName="Acme",
    description="Things from Acme.",
    category="productivity",
)


def manifest(version: str = "1.0.0", **changes: Any) -> Manifest:
    data = copy.deepcopy(BASE)
    data["version"] = version
    for dotted, value in changes.items():
        target: Any = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return Manifest.model_validate(data)


def only(diff: EntitlementDiff) -> Change:
    assert len(diff.changes) == 1, diff.changes
    return diff.changes[0]


def test_same_manifest_is_empty() -> None:
    diff = entitlement_diff(manifest(), manifest("1.0.1"))
    assert diff.empty
    assert not diff.escalates
    assert diff.old_ref == "acme@1.0.0"
    assert diff.new_ref == "acme@1.0.1"


# --- egress -----------------------------------------------------------------


def test_new_host_escalates() -> None:
    new = manifest(entitlements={"egress": ["api.acme.example", "uploads.acme.example"]})
    change = only(entitlement_diff(manifest(), new))
    assert (change.area, change.kind, change.subject) == ("egress", "added", "uploads.acme.example")
    assert change.escalation
    assert change.summary == "New egress host uploads.acme.example"


def test_removed_host_does_not_escalate() -> None:
    new = manifest(entitlements={"egress": []})
    change = only(entitlement_diff(manifest(), new))
    assert (change.kind, change.subject) == ("removed", "api.acme.example")
    assert not change.escalation


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["api.acme.example"], ["*.acme.example"]),
        (["*.eu.acme.example"], ["*.acme.example"]),
        (["a.acme.example", "b.acme.example"], ["*.acme.example"]),
    ],
)
def test_wider_wildcard_escalates(before: list[str], after: list[str]) -> None:
    diff = entitlement_diff(
        manifest(entitlements={"egress": before}), manifest(entitlements={"egress": after})
    )
    change = only(diff)
    assert (change.area, change.kind, change.subject) == ("egress", "changed", "*.acme.example")
    assert change.before == ", ".join(sorted(before))
    assert change.escalation
    assert change.summary.startswith("Egress widened from")


def test_narrower_wildcard_does_not_escalate() -> None:
    diff = entitlement_diff(
        manifest(entitlements={"egress": ["*.acme.example"]}),
        manifest(entitlements={"egress": ["*.eu.acme.example"]}),
    )
    change = only(diff)
    assert (change.kind, change.escalation) == ("changed", False)
    assert change.summary == "Egress narrowed from *.acme.example to *.eu.acme.example"


def test_host_already_within_a_kept_wildcard_does_not_escalate() -> None:
    diff = entitlement_diff(
        manifest(entitlements={"egress": ["*.acme.example"]}),
        manifest(entitlements={"egress": ["*.acme.example", "api.acme.example"]}),
    )
    change = only(diff)
    assert (change.kind, change.subject, change.escalation) == ("added", "api.acme.example", False)
    assert "already allowed by *.acme.example" in change.summary


def test_wildcard_over_a_sibling_domain_escalates() -> None:
    # *.badacme.example must not count as covered by *.acme.example.
    diff = entitlement_diff(
        manifest(entitlements={"egress": ["*.acme.example"]}),
        manifest(entitlements={"egress": ["*.acme.example", "*.badacme.example"]}),
    )
    (egress,) = [change for change in diff.changes if change.area == "egress"]
    assert egress.escalation
    # ... and the sealed credential now reaches another registrable domain.
    (domains,) = [change for change in diff.changes if change.subject == "credentials.domains"]
    assert domains.escalation and domains.after == "acme.example, badacme.example"


@pytest.mark.parametrize(
    ("pattern", "host", "covered"),
    [
        ("api.acme.example", "api.acme.example", True),
        ("*.acme.example", "api.acme.example", True),
        ("*.acme.example", "a.b.acme.example", True),
        ("*.acme.example", "*.b.acme.example", True),
        ("*.acme.example", "acme.example", False),
        ("*.acme.example", "xacme.example", False),
        ("*.b.acme.example", "*.acme.example", False),
        ("api.acme.example", "*.acme.example", False),
    ],
)
def test_egress_covers(pattern: str, host: str, covered: bool) -> None:
    assert egress_covers(pattern, host) is covered


# --- credentials ------------------------------------------------------------

NEW_CREDENTIAL = {
    "id": "other_key",
    "type": "api_key",
    "provider": "other",
    "inject": {"header": "X-Api-Key", "format": "{token}"},
}


def test_new_credential_escalates() -> None:
    new = manifest(credentials=[*BASE["credentials"], NEW_CREDENTIAL])
    change = only(entitlement_diff(manifest(), new))
    assert (change.area, change.kind, change.subject, change.escalation) == (
        "credential", "added", "other_key", True,
    )
    assert change.summary == "New credential other_key: api_key from other, in header X-Api-Key"


def test_removed_credential_does_not_escalate() -> None:
    change = only(entitlement_diff(manifest(), manifest(credentials=[])))
    assert (change.kind, change.subject, change.escalation) == ("removed", "acme_token", False)


def test_new_scope_escalates_and_removed_scope_does_not() -> None:
    diff = entitlement_diff(manifest(), manifest(credentials__0__scopes=["write"]))
    assert [(c.area, c.kind, c.subject, c.escalation) for c in diff.changes] == [
        ("scope", "added", "acme_token:write", True),
        ("scope", "removed", "acme_token:read", False),
    ]


@pytest.mark.parametrize(
    ("field", "value", "subject", "escalation"),
    [
        ("type", "api_key", "acme_token.type", False),
        ("provider", "elsewhere", "acme_token.provider", True),
        ("vendor", "someone-else", "acme_token.vendor", True),
    ],
)
def test_credential_field_changes(field: str, value: str, subject: str, escalation: bool) -> None:
    change = only(entitlement_diff(manifest(), manifest(**{f"credentials__0__{field}": value})))
    assert (change.area, change.kind, change.subject) == ("credential", "changed", subject)
    assert change.escalation is escalation


def test_inject_changes_are_reported() -> None:
    new = manifest(credentials__0__inject={"header": "X-Token", "format": "{token}"})
    diff = entitlement_diff(manifest(), new)
    assert [(c.area, c.subject, c.before, c.after, c.escalation) for c in diff.changes] == [
        ("inject", "acme_token.inject.header", "Authorization", "X-Token", False),
        ("inject", "acme_token.inject.format", "Bearer {token}", "{token}", False),
    ]


def test_inject_env_added() -> None:
    old = manifest(tier="entrusted", credentials__0__inject={"env": ""})
    new = manifest(tier="entrusted", credentials__0__inject={"env": "ACME_TOKEN"})
    change = only(entitlement_diff(old, new))
    assert (change.area, change.kind, change.after) == ("inject", "added", "ACME_TOKEN")


# --- tier, tools, defaults --------------------------------------------------


def test_sealed_to_entrusted_escalates_and_back_does_not() -> None:
    sealed, entrusted = manifest(), manifest(tier="entrusted")
    up = only(entitlement_diff(sealed, entrusted))
    down = entitlement_diff(entrusted, sealed)
    assert (up.area, up.before, up.after, up.escalation) == ("tier", "sealed", "entrusted", True)
    assert [(c.area, c.subject, c.escalation) for c in down.changes] == [
        ("tier", "tier", False),
        # Now injected by the gateway: shown, but the same domains as before.
        ("credential", "credentials.domains", False),
    ]


def test_default_flip_to_true_escalates() -> None:
    new = manifest(tools=[{"name": "list_things", "default": True},
                          {"name": "delete_thing", "default": True}])
    change = only(entitlement_diff(manifest(), new))
    assert (change.area, change.kind, change.subject, change.escalation) == (
        "default", "changed", "delete_thing", True,
    )
    assert change.summary == "Tool delete_thing is now exposed by default"


def test_default_flip_to_false_does_not_escalate() -> None:
    new = manifest(tools=[{"name": "list_things", "default": False},
                          {"name": "delete_thing", "default": False}])
    change = only(entitlement_diff(manifest(), new))
    assert (change.area, change.escalation) == ("default", False)


@pytest.mark.parametrize("default", [True, False])
def test_new_tool_escalates_only_when_default(default: bool) -> None:
    new = manifest(tools=[*BASE["tools"], {"name": "nuke", "default": default}])
    change = only(entitlement_diff(manifest(), new))
    assert (change.area, change.kind, change.subject) == ("tool", "added", "nuke")
    assert change.escalation is default


def test_removed_tool_does_not_escalate() -> None:
    change = only(entitlement_diff(manifest(), manifest(tools=BASE["tools"][:1])))
    assert (change.area, change.kind, change.subject, change.escalation) == (
        "tool", "removed", "delete_thing", False,
    )


# --- image, source, builder, presentation -------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "area", "subject", "escalation"),
    [
        ("image__ref", "ghcr.io/other/acme", "image", "image.ref", False),
        ("image__digest", "sha256:" + "ab" * 32, "image", "image.digest", False),
        ("image__builder", "toolpack", "builder", "image.builder", False),
        ("source__tag", "v1.0.1", "source", "source.tag", False),
        ("source__package", "cmd/server", "source", "source.package", False),
        ("source__repo", "github.com/mallory/acme-mcp", "source", "source.repo", True),
        ("displayName", "ACME", "presentation", "displayName", False),
        ("description", "Other things.", "presentation", "description", False),
        ("category", "data", "presentation", "category", False),
        ("icon", "https://acme.example/icon.png", "presentation", "icon", False),
    ],
)
def test_scalar_changes(field: str, value: str, area: str, subject: str, escalation: bool) -> None:
    change = only(entitlement_diff(manifest(), manifest(**{field: value})))
    assert (change.area, change.subject, change.escalation) == (area, subject, escalation)


def test_default_builder_and_package_are_not_changes() -> None:
    old = manifest(image__builder="", source__package="")
    new = manifest(image__builder="go-static", source__package=".")
    assert entitlement_diff(old, new).empty


def test_pinning_the_digest_reads_well() -> None:
    digest = "sha256:" + "ab" * 32
    change = only(entitlement_diff(manifest(), manifest(image__digest=digest)))
    assert change.summary == f"Image digest pinned to {digest}"


# --- new server ---------------------------------------------------------------


def test_new_server_reports_everything_as_added_and_escalates() -> None:
    diff = entitlement_diff(None, manifest())
    assert diff.old_ref is None
    assert diff.escalates
    assert {c.kind for c in diff.changes} == {"added"}
    subjects = {(c.area, c.subject) for c in diff.changes}
    assert {("tier", "tier"), ("egress", "api.acme.example"), ("credential", "acme_token"),
            ("scope", "acme_token:read"), ("tool", "list_things"), ("tool", "delete_thing"),
            ("source", "source.repo")} <= subjects
    tools = {c.subject: c.escalation for c in diff.changes if c.area == "tool"}
    assert tools == {"list_things": True, "delete_thing": False}


def test_changes_follow_area_order() -> None:
    diff = entitlement_diff(None, manifest())
    indexes = [AREAS.index(c.area) for c in diff.changes]
    assert indexes == sorted(indexes)


# --- renderers ----------------------------------------------------------------


def test_render_text() -> None:
    new = manifest("1.1.0", entitlements={"egress": ["api.acme.example", "x.acme.example"]},
                   tools=BASE["tools"][:1])
    assert render_text(entitlement_diff(manifest(), new)) == (
        "acme@1.0.0 -> acme@1.1.0: 2 changes, 1 escalation\n"
        "  ! egress       added    New egress host x.acme.example\n"
        "    tool         removed  Tool delete_thing removed\n"
    )


def test_render_text_empty_and_new() -> None:
    assert render_text(entitlement_diff(manifest(), manifest())) == (
        "acme@1.0.0 -> acme@1.0.0: no entitlement changes\n"
    )
    assert render_text(entitlement_diff(None, manifest())).startswith("acme@1.0.0 (new server): ")


def test_render_text_escapes_terminal_control_characters() -> None:
    text = render_text(entitlement_diff(manifest(), manifest(displayName="\x1b[31mred\u202e")))
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b[31mred\\u202e" in text


def test_render_markdown_table() -> None:
    new = manifest("1.1.0", tools=[*BASE["tools"], {"name": "nuke", "default": True}])
    assert render_markdown(entitlement_diff(manifest(), new)) == (
        "**acme&#64;1.0.0 → acme&#64;1.1.0**: 1 change, 1 escalation.\n"
        "\n"
        "| | Area | Change | Before | After |\n"
        "|---|---|---|---|---|\n"
        "| ⚠️ | tool | New tool nuke, exposed by default |  | default&#58; true |\n"
        "\n"
        "⚠️ marks an escalation: the new version may reach, hold or expose more.\n"
    )


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example)",
    "![img](https://evil.example/x.png)",
    "`code` | cell | break",
    "line\nbreak | x",
    "https://evil.example/path",
    "visit www.evil.com now",
    "mail me@evil.example",
    "<https://evil.example>",
    "[ref]: https://evil.example",
    "&lt;script&gt;",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escaping_neutralises_contributor_text(text: str) -> None:
    new = manifest(description=text, displayName=text, tools=[{"name": text, "default": True}])
    rendered = render_markdown(entitlement_diff(manifest(), new))
    html = markdown.markdown(rendered, extensions=["tables", "pymdownx.magiclink"])
    assert "<script" not in html and "<img" not in html and "<a " not in html
    body = [line for line in rendered.splitlines() if line.startswith("| ")]
    # Header, and one row per change: no row was split or added by the text.
    assert len(body) == 1 + len(entitlement_diff(manifest(), new).changes)
    assert all(line.count("|") == 6 for line in body)


def test_escape_markdown_round_trips_through_a_renderer() -> None:
    text = "a|b <c> & `d` [e] *f* _g_ https://h.example"
    html = markdown.markdown(escape_markdown(text))
    assert html == "<p>a&#124;b &lt;c&gt; &amp; &#96;d&#96; &#91;e&#93; &#42;f&#42; &#95;g&#95; " \
        "https&#58;//h.example</p>"


def test_to_json_is_stable_and_serialisable() -> None:
    diff = entitlement_diff(manifest(), manifest(tier="entrusted"))
    assert to_json(diff) == {
        "old_ref": "acme@1.0.0",
        "new_ref": "acme@1.0.0",
        "escalates": True,
        "changes": [{
            "area": "tier",
            "kind": "changed",
            "subject": "tier",
            "before": "sealed",
            "after": "entrusted",
            "escalation": True,
            "summary": "Tier changed from sealed to entrusted: "
            "the server now holds its credentials",
        }],
    }
    assert json.loads(json.dumps(to_json(diff))) == to_json(diff)


# --- properties -----------------------------------------------------------------

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_host = st.builds(
    lambda wild, labels: ("*." if wild else "") + ".".join(labels),
    st.booleans(),
    st.lists(_label, min_size=2, max_size=4),
)
_ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


@st.composite
def manifests(draw: st.DrawFn) -> Manifest:
    data = copy.deepcopy(BASE)
    data["tier"] = draw(st.sampled_from(["sealed", "entrusted"]))
    data["entitlements"] = {"egress": draw(st.lists(_host, max_size=5, unique=True))}
    credentials = []
    for cid in draw(st.lists(_ident, max_size=3, unique=True)):
        credentials.append({
            "id": cid,
            "type": draw(st.sampled_from(["oauth2", "api_key", "basic", "custom_env"])),
            "provider": draw(st.sampled_from(["acme", "other"])),
            "scopes": draw(st.lists(_ident, max_size=3, unique=True)),
            "inject": draw(st.sampled_from([
                {"header": "Authorization", "format": "Bearer {token}"},
                {"env": "TOKEN"},
            ])),
        })
    data["credentials"] = credentials
    data["tools"] = [
        {"name": name, "default": draw(st.booleans())}
        for name in draw(st.lists(_ident, max_size=5, unique=True))
    ]
    data["source"]["repo"] = draw(st.sampled_from(["github.com/a/b", "github.com/c/d"]))
    data["image"]["builder"] = draw(st.sampled_from(["", "go-static", "toolpack"]))
    data["displayName"] = draw(st.text(max_size=10))
    return Manifest.model_validate(data)


@given(manifests())
def test_property_diff_with_itself_is_empty(m: Manifest) -> None:
    assert entitlement_diff(m, m).empty
    assert not entitlement_diff(m, m).escalates


@settings(max_examples=200)
@given(manifests(), manifests())
def test_property_every_addition_shows_up(old: Manifest, new: Manifest) -> None:
    diff = entitlement_diff(old, new)
    seen = {(c.area, c.subject) for c in diff.changes}
    for host in set(new.entitlements.egress) - set(old.entitlements.egress):
        assert ("egress", host) in seen
    for tool in {t.name for t in new.tools} - {t.name for t in old.tools}:
        assert ("tool", tool) in seen
    for cid in {c.id for c in new.credentials} - {c.id for c in old.credentials}:
        assert ("credential", cid) in seen


@settings(max_examples=200)
@given(st.one_of(st.none(), manifests()), manifests())
def test_property_escalates_iff_some_change_escalates(
    old: Manifest | None, new: Manifest
) -> None:
    diff = entitlement_diff(old, new)
    assert diff.escalates is any(c.escalation for c in diff.changes)
    assert all(c.area in AREAS for c in diff.changes)
    assert entitlement_diff(old, new) == diff  # deterministic
    json.dumps(to_json(diff))


@settings(max_examples=200)
@given(manifests(), manifests())
def test_property_new_reach_escalates(old: Manifest, new: Manifest) -> None:
    diff = entitlement_diff(old, new)
    uncovered = [
        h for h in new.entitlements.egress
        if not any(egress_covers(o, h) for o in old.entitlements.egress)
    ]
    new_defaults = {t.name for t in new.tools if t.default} - {
        t.name for t in old.tools if t.default
    }
    if uncovered or new_defaults or (old.tier, new.tier) == ("sealed", "entrusted"):
        assert diff.escalates
