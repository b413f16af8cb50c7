"""The hardened loader: hostile YAML gets one clear, located finding, fast."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.load import yaml_loader
from registry.load.yaml_loader import parse_yaml


def only_error(raw: bytes) -> str:
    doc, findings = parse_yaml(raw, "m.yaml")
    assert doc is None
    assert len(findings) == 1
    return findings[0].format()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: &x 1\nb: *x\n", "m.yaml:1:4: error: YAML anchors (&name) are not allowed"),
        (b"a: 1\nb: *x\n", "m.yaml:2:4: error: YAML aliases (*name) are not allowed"),
        (b"a: !!str 1\n", "m.yaml:1:4: error: YAML tags (tag:yaml.org,2002:str) are not allowed"),
        (b"a: !custom x\n", "m.yaml:1:4: error: YAML tags (!custom) are not allowed"),
        (b"%YAML 1.2\n---\na: 1\n", "error: YAML directives (%YAML, %TAG) are not allowed"),
        (b"%TAG !e! tag:e.com:\n---\na: 1\n", "error: YAML directives (%YAML, %TAG) are not"),
        (b"a: 1\nb: 2\na: 3\n", "m.yaml:3:1: error: duplicate key 'a' (first defined at line 1)"),
        (b"a:\n  b: 1\n  b: 2\n", "m.yaml:3:3: error: duplicate key 'b'"),
        (b"", "m.yaml:1:1: error: file is empty"),
        (b"# only a comment\n", "m.yaml:1:1: error: file is empty"),
        (b"~\n", "m.yaml:1:1: error: file is empty"),
        (b"- a\n- b\n", "m.yaml:1:1: error: top level must be a mapping of fields"),
        (b"just text\n", "m.yaml:1:1: error: top level must be a mapping of fields"),
        (b"a: 1\n---\nb: 2\n", "m.yaml:2:1: error: a manifest holds exactly one YAML document"),
        (b"a: [1, 2\n", "m.yaml:2:1: error: invalid YAML"),
        (b"a: 1\n\tb: 2\n", "error: invalid YAML"),
        (b"a: \xff\xfe\n", "m.yaml:1:4: error: file is not valid UTF-8"),
        (b"ok: 1\nname: caf\xc3\n", "m.yaml:2:10: error: file is not valid UTF-8"),
        (b"a: \x00\n", "error: invalid YAML"),
        (b"? [a, b]\n: 1\n", "m.yaml:1:3: error: mapping keys must be plain strings"),
        (b"1: x\n", "m.yaml:1:1: error: mapping key '1' must be a string"),
        (b"true: x\n", "m.yaml:1:1: error: mapping key 'true' must be a string"),
    ],
)
def test_hostile_yaml_is_refused_with_a_located_error(raw: bytes, expected: str) -> None:
    assert expected in only_error(raw)


def test_deep_nesting_is_refused() -> None:
    raw = b"a: " + b"[" * 200 + b"]" * 200 + b"\n"
    assert f"nesting deeper than {yaml_loader.MAX_DEPTH} levels" in only_error(raw)


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    lines = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        refs = ",".join(f"*{prev}" for _ in range(9))
        lines.append(f"{cur}: &{cur} [{refs}]".encode())
    assert "m.yaml:1:4: error: YAML anchors" in only_error(b"\n".join(lines) + b"\n")


def test_oversized_file_is_refused_before_parsing() -> None:
    raw = b"a: " + b"x" * (yaml_loader.MAX_BYTES + 1) + b"\n"
    assert f"file is larger than {yaml_loader.MAX_BYTES} bytes" in only_error(raw)


def test_too_many_nodes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_loader, "MAX_EVENTS", 50)
    raw = b"a: [" + b",".join(b"1" for _ in range(100)) + b"]\n"
    assert "document too large" in only_error(raw)


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
        if label in ("long string", "pure long line"):
            assert doc is not None and findings == []
        else:
            assert doc is None and len(findings) == 1, label
