"""The hardened loader: what it builds, where it puts marks, and that no input makes it raise.

Each refusal (rules Y001-Y014) has its failing inputs in tests/test_rules.py, keyed by code.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.load import yaml_loader
from registry.load.yaml_loader import parse_yaml


def test_oversized_file_is_refused_before_parsing() -> None:
    # Lint's reader refuses it first (rule Y001 in tests/test_rules.py); other callers,
    # such as the review reading a file at a git ref, hand parse_yaml the bytes directly.
    doc, findings = parse_yaml(b"a: " + b"x" * (yaml_loader.MAX_BYTES + 1) + b"\n", "m.yaml")
    assert doc is None
    assert [f.format() for f in findings] == [
        f"m.yaml:1:1: error: file is larger than {yaml_loader.MAX_BYTES} bytes [Y001]"
    ]


def test_values_resolve_with_yaml_1_2_core_rules() -> None:
    raw = (
        b"s: yes\nv: 0.1.0\nf: 1.10\ni: 42\nh: 0x1f\nb: true\nn: null\ne:\n"
        b"q: '1.10'\nd: 2026-01-01\nneg: -3\n"
    )
    doc, findings = parse_yaml(raw, "m.yaml")
    assert findings == []
    assert doc is not None
    assert doc.data == {
        "s": "yes",
        "v": "0.1.0",
        "f": 1.1,
        "i": 42,
        "h": 31,
        "b": True,
        "n": None,
        "e": None,
        "q": "1.10",
        "d": "2026-01-01",
        "neg": -3,
    }
    assert doc.plain_text[("f",)] == "1.10"


def test_positions_of_keys_and_values_are_one_based() -> None:
    raw = b"name: x\nsource:\n  repo: github.com/a/b\nlist:\n  - first\n  - second\n"
    doc, _ = parse_yaml(raw, "m.yaml")
    assert doc is not None
    assert doc.mark(("source", "repo")) == (3, 9)
    assert doc.mark(("source", "repo"), key=True) == (3, 3)
    assert doc.mark(("list", 1)) == (6, 5)
    # A missing field points at the nearest enclosing node.
    assert doc.mark(("source", "tag")) == (2, 1)


def test_flow_style_with_colons_in_plain_scalars_parses() -> None:
    # libyaml rejects `:` inside plain scalars of a flow sequence (YAML 1.2
    # allows it, and OAuth scopes look like this); the pure parser decides.
    raw = b"scopes: [data.records:read, schema.bases:write]\n"
    doc, findings = parse_yaml(raw, "m.yaml")
    assert findings == [], findings
    assert doc is not None
    assert doc.data == {"scopes": ["data.records:read", "schema.bases:write"]}


def test_utf8_bom_is_accepted() -> None:
    doc, findings = parse_yaml(b"\xef\xbb\xbfa: 1\n", "m.yaml")
    assert findings == []
    assert doc is not None and doc.data == {"a": 1}


# YAML forbids raw control characters (JSON escapes them only when asked);
# libyaml counts a BOM inside a line as zero columns wide, lint rejects it anyway.
printable = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff")
scalars = st.one_of(
    st.text(printable, max_size=20),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.none(),
)
documents = st.dictionaries(
    st.text(printable, min_size=1, max_size=10),
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(printable, min_size=1, max_size=8), inner, max_size=4),
                 max_leaves=20),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    doc, findings = parse_yaml(raw, "m.yaml")
    assert (doc is None) == bool(findings)
    for finding in findings:
        assert finding.line >= 1 and finding.col >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!%#'\"\n\t?|>,.01~")), max_size=120))
def test_yaml_like_text_never_raises(text: str) -> None:
    doc, findings = parse_yaml(text.encode(), "m.yaml")
    assert (doc is None) == bool(findings)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_json_documents_round_trip(data: dict[str, object]) -> None:
    import json

    raw = json.dumps(data, ensure_ascii=False).encode()
    doc, findings = parse_yaml(raw, "m.yaml")
    assert findings == []
    assert doc is not None
    assert doc.data == data


@pytest.mark.skipif(not yaml_loader.HAVE_FAST_PARSER, reason="ruamel.yaml.clib not installed")
@settings(max_examples=200, deadline=None)
@given(documents)
def test_fast_and_pure_parsers_agree(data: dict[str, object]) -> None:
    import json

    from ruamel.yaml import YAML

    text = json.dumps(data, ensure_ascii=False, indent=1)
    pure = yaml_loader._Builder(iter(YAML(typ="safe", pure=True).parse(text)))
    fast = yaml_loader._Builder(yaml_loader._events_c(text))
    assert pure.document() == fast.document()
    assert pure.value_marks == fast.value_marks


def test_benchmark_hostile_corpus_is_refused_without_raising() -> None:
    from benchmarks.bench import hostile_inputs

    for label, raw in hostile_inputs().items():
        doc, findings = parse_yaml(raw, "hostile.yaml")
        if label in ("long string", "pure long line", "tab in a flow"):
            assert doc is not None and findings == []
        else:
            assert doc is None and len(findings) == 1, label
