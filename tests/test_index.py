"""index.json: Go-compatible encoding, golden bytes, reproducibility, parsing."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from registry.errors import IndexBuildError, IndexRejected, RegistryError
from registry.index.build import (
    OMITEMPTY,
    build_index,
    format_generated,
    generated_time,
    manifest_json,
)
from registry.index.gojson import Field, Struct, is_empty, marshal, quote
from registry.index.parse import parse_index
from registry.load.schema import Manifest
from registry.load.tree import Layout, load_registry
from tests.factory import REFERENCE_CATALOG, needs_reference_catalog
from tests.regen_golden import EPOCH, INDEX, TREE, golden_index

NOW = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
GENERATED = datetime(2026, 1, 1, tzinfo=UTC)


def make_manifest(name: str = "demo", version: str = "1.0.0", **changes: Any) -> Manifest:
    doc: dict[str, Any] = {
        "schemaVersion": 1,
        "name": name,
        "version": version,
        "source": {"repo": "example.test/acme/demo", "tag": f"v{version}"},
        "image": {
            "ref": "registry.example.test/acme/demo",
            "digest": "sha256:" + "ab" * 32,
            "entrypoint": "/app/server",
        },
        "tier": "sealed",
        "entitlements": {},
    }
    doc.update(changes)
    return Manifest.model_validate(doc)


# --- Go string escaping -----------------------------------------------------


def go_reference_quote(text: str) -> str:
    """Go's encodeState.string with escapeHTML, rewritten as a per-character rule list."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20 or char in "<>&":
            out.append("\\u00" + format(code, "02x"))
        elif char in "\u2028\u2029":
            out.append("\\u" + format(code, "04x"))
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


CHARACTER_CLASSES = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # control characters
    st.sampled_from(list('<>&"\\/\x7f\u2028\u2029\ufeff\ufffd')),  # Go's special cases
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # printable ASCII
    st.characters(min_codepoint=0x80, max_codepoint=0x7FF),  # two-byte UTF-8
    st.characters(min_codepoint=0x800, max_codepoint=0xFFFF, exclude_categories=["Cs"]),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),  # astral
)


@given(st.text(CHARACTER_CLASSES, max_size=40))
def test_quote_round_trips_through_json_loads(text: str) -> None:
    assert json.loads(quote(text)) == text


@given(st.text(st.one_of(CHARACTER_CLASSES, st.characters(categories=["Cs"])), max_size=40))
def test_quote_matches_go_rules_per_character_class(text: str) -> None:
    assert quote(text) == go_reference_quote(text)


@given(st.text(CHARACTER_CLASSES, max_size=40))
def test_quoted_output_is_ascii_safe_for_html_and_js(text: str) -> None:
    quoted = quote(text)
    assert not set(quoted) & set("<>&\u2028\u2029")
    assert all(ord(c) >= 0x20 for c in quoted)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>&", '"\\u003cb\\u003e\\u0026"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001f"'),
        ("\x7f", '"\x7f"'),
        ('"\\/', '"\\"\\\\/"'),
        ("café 日本 🌦", '"café 日本 🌦"'),
        ("\ud800", '"\\ufffd"'),
    ],
)
def test_quote_examples(text: str, expected: str) -> None:
    assert quote(text) == expected


def test_marshal_sorts_map_keys_by_utf8_bytes_and_keeps_struct_order() -> None:
    keys = ["z", "é", "B", "a", "日", "\U0001f600", "\uffff", "0.9.0", "0.10.0"]
    encoded = marshal(dict.fromkeys(keys, 1))
    order = list(json.loads(encoded))
    assert order == sorted(keys, key=lambda k: k.encode("utf-8"))
    struct = Struct((Field("z", 1), Field("a", True), Field("m", "x")))
    assert marshal(struct) == b'{"z":1,"a":true,"m":"x"}'


def test_marshal_omitempty_follows_go() -> None:
    struct = Struct(
        (
            Field("s", "", omitempty=True),
            Field("n", 0, omitempty=True),
            Field("b", False, omitempty=True),
            Field("l", [], omitempty=True),
            Field("m", {}, omitempty=True),
            Field("st", Struct(()), omitempty=True),  # a struct is never empty in Go
            Field("kept", "", omitempty=False),
            Field("f", False),
        )
    )
    assert marshal(struct) == b'{"st":{},"kept":"","f":false}'
    assert not is_empty(Struct(()))


def test_marshal_refuses_what_go_would_encode_differently() -> None:
    with pytest.raises(TypeError):
        marshal(1.5)
    with pytest.raises(TypeError):
        marshal(b"bytes")


# --- building ---------------------------------------------------------------


def test_build_matches_golden_file() -> None:
    assert golden_index() == INDEX.read_bytes()


def test_golden_file_shows_the_encoding_rules() -> None:
    text = INDEX.read_bytes().decode("utf-8")
    data = json.loads(text)
    weather = data["servers"]["weather-notes"]
    assert weather["latest"] == "0.10.0"
    assert list(weather["versions"]) == ["0.10.0", "0.9.0"]  # byte order, not semver
    assert "Weather \\u003cNotes\\u003e \\u0026 \\\"Alerts\\\"" in text
    assert "with\\u2028line and\\u2029paragraph" in text
    assert "bell\\u0007, backspace\\b, formfeed\\f, nul\\u0000, unit\\u001f, del\x7f" in text
    assert "café 日本 \U0001f326 end\\r\\n" in text
    quiet = data["servers"]["quiet-box"]["versions"]["1.0.0"]
    assert quiet["entitlements"] == {}
    assert list(quiet) == [
        "schemaVersion", "name", "version", "source", "image", "tier", "entitlements"
    ]
    assert list(quiet["image"]) == ["ref", "digest", "entrypoint"]
    ledger = data["servers"]["ledger-sync"]["versions"]["2.1.3"]
    assert ledger["credentials"][0]["inject"] == {"env": "LEDGER_TOKEN"}
    assert {"name": "post_entry", "default": False} in ledger["tools"]
    assert not text.endswith("\n")


def test_small_index_exact_bytes() -> None:
    digest = "sha256:" + "ab" * 32
    expected = (
        '{"schemaVersion":1,"generated":"2026-01-01T00:00:00Z","servers":{"demo":'
        '{"latest":"1.0.0","versions":{"1.0.0":{"schemaVersion":1,"name":"demo",'
        '"version":"1.0.0","source":{"repo":"example.test/acme/demo","tag":"v1.0.0"},'
        '"image":{"ref":"registry.example.test/acme/demo","digest":"' + digest + '",'
        '"entrypoint":"/app/server"},"tier":"sealed","entitlements":{}}}}}}'
    )
    assert build_index([make_manifest()], GENERATED) == expected.encode()


def test_build_is_independent_of_input_order() -> None:
    registry, _ = load_registry(Layout.of_root(TREE))
    manifests = [entry.manifest for entry in registry.manifests]
    expected = build_index(manifests, GENERATED)
    for seed in range(5):
        shuffled = manifests[:]
        random.Random(seed).shuffle(shuffled)
        assert build_index(shuffled, GENERATED) == expected


def test_latest_is_highest_semver() -> None:
    manifests = [make_manifest(version=v) for v in ("0.9.0", "0.10.0", "0.2.11")]
    data = json.loads(build_index(manifests, GENERATED))
    assert data["servers"]["demo"]["latest"] == "0.10.0"
    manifests = [make_manifest(version=v) for v in ("9.0.0", "10.0.0", "1.99.99")]
    assert json.loads(build_index(manifests, GENERATED))["servers"]["demo"]["latest"] == "10.0.0"


def test_empty_registry_builds_an_empty_index() -> None:
    assert build_index([], GENERATED) == (
        b'{"schemaVersion":1,"generated":"2026-01-01T00:00:00Z","servers":{}}'
    )


def test_duplicate_and_malformed_versions_are_refused() -> None:
    with pytest.raises(IndexBuildError, match=r"demo@1\.0\.0: two manifests"):
        build_index([make_manifest(), make_manifest()], GENERATED)
    with pytest.raises(IndexBuildError, match=r"not MAJOR\.MINOR\.PATCH"):
        build_index([make_manifest(version="1.0")], GENERATED)


def test_manifest_json_is_the_bytes_inside_the_index() -> None:
    manifest = make_manifest(description="a <b> c")
    assert manifest_json(manifest) in build_index([manifest], GENERATED)


def test_omitempty_table_is_the_models_optional_fields() -> None:
    # Declared optional (has a default) in schema.py <=> omitempty in the Go tags.
    seen: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel]) -> None:
        seen.add(model)
        optional = {n for n, f in model.model_fields.items() if not f.is_required()}
        assert OMITEMPTY[model] == optional, model.__name__
        for info in model.model_fields.values():
            for arg in (*getattr(info.annotation, "__args__", ()), info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                    walk(arg)

    walk(Manifest)
    assert seen == set(OMITEMPTY)


# --- generated time ---------------------------------------------------------


def test_generated_time_from_source_date_epoch() -> None:
    assert generated_time("1767225600", NOW) == GENERATED
    assert generated_time("0", NOW) == datetime(1970, 1, 1, tzinfo=UTC)
    assert generated_time("01767225600", NOW) == GENERATED


def test_generated_time_defaults_to_now_in_seconds() -> None:
    assert generated_time(None, NOW) == NOW.replace(microsecond=0)
    assert format_generated(generated_time(None, NOW)) == "2026-03-04T05:06:07Z"


@pytest.mark.parametrize(
    "value", ["", " ", "abc", "-1", "1.5", "+5", " 5", "5 ", "1_000", "١٢٣", "0x10", "1e9"]
)
def test_malformed_source_date_epoch_is_an_error(value: str) -> None:
    with pytest.raises(IndexBuildError, match="SOURCE_DATE_EPOCH must be a non-negative integer"):
        generated_time(value, NOW)


@pytest.mark.parametrize("value", ["253402300800", "9" * 30, "9" * 5000])
def test_out_of_range_source_date_epoch_is_an_error(value: str) -> None:
    with pytest.raises(IndexBuildError, match="out of range") as caught:
        generated_time(value, NOW)
    assert len(str(caught.value)) < 200


def test_format_generated_converts_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_generated(datetime(2026, 1, 1, 2, 0, 0, 999, plus_two)) == "2026-01-01T00:00:00Z"
    with pytest.raises(ValueError, match="timezone"):
        format_generated(datetime(2026, 1, 1))


# --- parsing ----------------------------------------------------------------


def test_parse_round_trips_the_golden_index() -> None:
    registry, _ = load_registry(Layout.of_root(TREE))
    index = parse_index(INDEX.read_bytes())
    assert index.generated == GENERATED
    assert list(index.manifests()) == sorted(
        (e.manifest for e in registry.manifests), key=lambda m: (m.name, m.version)
    )
    assert index.servers["weather-notes"].latest == "0.10.0"


def _golden_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INDEX.read_bytes())
    return data


def _broken(change: Any) -> bytes:
    data = _golden_data()
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Invalid JSON"),
        (b"not json", "Invalid JSON"),
        (b"\xff\xfe{}", "Invalid JSON"),
        (b"[]", "Input should be an object"),
        (b'{"schemaVersion":1,"generated":"2026-01-01T00:00:00Z","servers":{}}x', "trailing"),
        (
            _broken(lambda d: d.update(schemaVersion=2)),
            "schemaVersion: Input should be 1",
        ),
        (
            _broken(lambda d: d.update(generated="2026-01-01T00:00:00")),
            "generated: Input should have timezone info",
        ),
        (
            _broken(lambda d: d.update(extra=True)),
            "extra: Extra inputs are not permitted",
        ),
        (
            _broken(lambda d: d["servers"]["quiet-box"]["versions"]["1.0.0"].pop("image")),
            'servers.quiet-box.versions."1.0.0".image: Field required',
        ),
        (
            _broken(lambda d: d["servers"]["quiet-box"]["versions"]["1.0.0"].update(tier="x")),
            'servers.quiet-box.versions."1.0.0".tier: Input should be',
        ),
        (
            _broken(lambda d: d["servers"]["quiet-box"].update(latest="9.9.9")),
            "latest '9.9.9' is not one of its versions",
        ),
        (
            _broken(lambda d: d["servers"]["quiet-box"].update(versions={})),
            "server 'quiet-box' has no versions",
        ),
        (
            _broken(
                lambda d: d["servers"]["quiet-box"]["versions"]["1.0.0"].update(version="1.0.1")
            ),
            "servers.quiet-box.versions.1.0.0 holds quiet-box@1.0.1",
        ),
        (
            _broken(lambda d: d["servers"].update(other=d["servers"]["quiet-box"])),
            "servers.other.versions.1.0.0 holds quiet-box@1.0.0",
        ),
    ],
)
def test_invalid_index_is_rejected_with_a_clear_message(raw: bytes, message: str) -> None:
    with pytest.raises(IndexRejected) as caught:
        parse_index(raw)
    text = str(caught.value)
    assert message in text
    assert text.startswith("invalid index: ")
    assert "pydantic" not in text and "errors.pydantic.dev" not in text


def test_many_problems_are_summarised() -> None:
    data = _golden_data()
    for entry in data["servers"].values():
        for manifest in entry["versions"].values():
            manifest.pop("image")
            manifest.pop("tier")
    with pytest.raises(IndexRejected, match=r"\(and 3 more problems\)$"):
        parse_index(json.dumps(data).encode())


def test_deeply_nested_json_is_rejected_cleanly() -> None:
    with pytest.raises(IndexRejected):
        parse_index(b"[" * 100_000 + b"]" * 100_000)


# --- hypothesis: build then parse gives back the manifests ------------------

TEXT = st.text(CHARACTER_CLASSES, max_size=30)
NAMES = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
VERSIONS = st.tuples(*(st.integers(0, 20),) * 3).map(lambda t: f"{t[0]}.{t[1]}.{t[2]}")


@st.composite
def manifests(draw: st.DrawFn) -> Manifest:
    return make_manifest(
        name=draw(NAMES),
        version=draw(VERSIONS),
        description=draw(TEXT),
        displayName=draw(TEXT),
        entitlements={"egress": draw(st.lists(TEXT, max_size=3))},
        tools=[{"name": draw(TEXT), "default": draw(st.booleans())}],
    )


@settings(max_examples=50)
@given(st.lists(manifests(), max_size=6, unique_by=lambda m: (m.name, m.version)))
def test_build_then_parse_round_trips(items: list[Manifest]) -> None:
    raw = build_index(items, GENERATED)
    index = parse_index(raw)
    assert sorted(index.manifests(), key=lambda m: m.ref) == sorted(items, key=lambda m: m.ref)
    assert json.loads(raw)["generated"] == "2026-01-01T00:00:00Z"


# --- compatibility with the Go reference ------------------------------------


@needs_reference_catalog
def test_reference_catalog_index_is_byte_identical() -> None:
    registry, findings = load_registry(Layout.of_root(REFERENCE_CATALOG))
    assert findings == []
    generated = generated_time("1767225600", NOW)
    raw = build_index([entry.manifest for entry in registry.manifests], generated)
    assert raw == (REFERENCE_CATALOG / "index.golden.json").read_bytes()
    assert EPOCH == "1767225600"


@needs_reference_catalog
def test_reference_golden_index_parses() -> None:
    index = parse_index((REFERENCE_CATALOG / "index.golden.json").read_bytes())
    assert len(index.servers) == 221


def test_errors_are_registry_errors() -> None:
    assert issubclass(IndexBuildError, RegistryError)
    assert issubclass(IndexRejected, RegistryError)
