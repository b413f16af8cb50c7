"""Manifests as a whole: valid trees are clean, findings are located, all are reported at once.

Each rule's own failing inputs are in tests/test_rules.py, keyed by the rule's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import factory
from tests.factory import lint_errors, manifest, toolspec


def lint_one(tmp_path: Path, doc: dict[str, Any], spec: dict[str, Any] | None = None) -> list[str]:
    factory.tree(tmp_path, [doc], [spec] if spec is not None else [toolspec()])
    return lint_errors(tmp_path, policy=False)


def test_valid_tree_is_clean(tmp_path: Path) -> None:
    assert lint_one(tmp_path, manifest()) == []


ENTRUSTED: dict[str, Any] = {
    "tier": "entrusted",
    "credentials": [
        {"id": "t", "type": "api_key", "provider": "acme", "inject": {"env": "ACME_TOKEN"}}
    ],
}
ENTRUSTED_SPEC: dict[str, Any] = {"auth": {"header": "Authorization", "format": "Bearer {token}"}}


def test_entrusted_manifest_is_clean(tmp_path: Path) -> None:
    assert lint_one(tmp_path, manifest(**ENTRUSTED), toolspec(**ENTRUSTED_SPEC)) == []


def test_findings_are_located_at_the_offending_value(tmp_path: Path) -> None:
    text = factory.to_yaml(manifest()).replace('"/app/server"', '"/bin/sh"')
    factory.tree(tmp_path)
    factory.write(tmp_path, "manifests/acme/0.1.0.yaml", text)
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if "/bin/sh" in line)
    col = text.splitlines()[line_no - 1].index('"/bin/sh"') + 1
    assert lint_errors(tmp_path, policy=False) == [
        f"{tmp_path.as_posix()}/manifests/acme/0.1.0.yaml:{line_no}:{col}: error: "
        "image.entrypoint: must be /app/server: every builder places the server there [M009]"
    ]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    doc = manifest(
        name="Bad_Name",
        entitlements={"egress": ["*.github.io", "webhook.site"]},
        tools=[{"name": "a b", "default": True}],
    )
    factory.tree(tmp_path, [doc], [])
    factory.write(tmp_path, "manifests/other/0.1.0.yaml", "a: [\n")
    lines = lint_errors(tmp_path, policy=False)
    codes = sorted(line.rsplit(" ", 1)[1] for line in lines)
    assert codes == ["[E007]", "[E009]", "[M002]", "[M007]", "[M010]", "[R002]", "[Y003]"], lines


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
    lines = lint_errors(tmp_path, policy=False)
    path = f"{tmp_path.as_posix()}/manifests/acme/0.1.0.yaml"
    assert lines == [
        f'{path}:4:37: error: source.tag: must be a string, got a number; quote it: "1.10" [S003]',
        f"{path}:5:79: error: image.builder: 'rust' is not one of: go-static, toolpack, node, "
        "python [S004]",
        f"{path}:6:7: error: tier: 'seald' is not one of: sealed, entrusted [S004]",
        f"{path}:10:14: error: tools[0].default: must be true or false, got a string [S003]",
        f"{path}:11:11: error: category: 'Games' is not one of: ai, analytics, comms, CRM, data, "
        "design, dev-tools, documents, e-commerce, finance, HR/ATS, marketing, productivity, "
        "search, social, storage, support [S004]",
        f"{path}:12:1: error: surprise: unknown field [S002]",
    ]


def test_placeholder_digests_may_repeat(tmp_path: Path) -> None:
    image = {"ref": "ghcr.io/gigmcp/x-mcp", "digest": factory.PLACEHOLDER,
             "entrypoint": "/app/server"}
    docs = [manifest(n, image=image, tools=[{"name": "a", "default": True}]) for n in "ab"]
    factory.tree(tmp_path, docs, [])
    assert lint_errors(tmp_path, policy=False) == []


def test_wildcard_exception_file_allows_a_reviewed_wildcard(tmp_path: Path) -> None:
    doc = manifest(entitlements={"egress": ["*.myshopify.com"]})
    spec = toolspec(baseUrl="https://shop.myshopify.com")
    factory.tree(tmp_path, [doc], [spec])
    assert [line.rsplit(" ", 1)[1] for line in lint_errors(tmp_path)] == ["[E009]"]
    factory.write(tmp_path, "policy/allowed-wildcards.txt", "*.myshopify.com  # reviewed\n")
    assert lint_errors(tmp_path) == []


def test_a_vendor_group_of_a_public_suffix_covers_each_domain_one_label_below(
    tmp_path: Path,
) -> None:
    """googleapis.com stands for x.googleapis.com and its hosts, not for other organisations."""
    hosts = ["api.acme.example.com", "www.googleapis.com", "a.b.googleapis.com",
             "gmail.googleapis.com"]
    factory.write(tmp_path, "policy/vendor-domains.txt",
                  "google: googleapis.com\nacme: example.com\n")
    # Three registrable domains under googleapis.com and one of acme's: two organisations.
    doc = factory.manifest(entitlements={"egress": hosts})
    factory.tree(tmp_path, [doc], [factory.toolspec()])
    assert [line.split(" [")[-1] for line in factory.lint_errors(tmp_path, policy=False)] == [
        "C019]"
    ]
    # Google's hosts alone, or acme's alone, are one organisation each.
    for egress in (hosts[1:], hosts[:1]):
        spec = factory.toolspec(baseUrl=f"https://{egress[0]}")
        factory.tree(tmp_path, [factory.manifest(entitlements={"egress": egress})], [spec])
        assert factory.lint_errors(tmp_path, policy=False) == []
