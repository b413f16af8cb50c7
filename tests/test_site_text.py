"""Whatever text lint accepts renders everywhere: pages, feed, search index, CATALOG.md, index.

The corpus is every assigned code point lint allows in prose (letters, marks,
numbers, punctuation, symbols and spaces of Unicode, minus the invisible
fillers lint refuses), cut into fields of the largest length each field
allows and spread over enough servers to hold them all, plus newlines and
tabs where prose allows them. The tree must lint clean and build, and every
text must come out of each output.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from registry.build import build
from registry.layout import LOOKUP_MANIFEST_FILE, lookup_shard_file
from registry.lint.manifest import MAX_DESCRIPTION, MAX_DISPLAY_NAME
from registry.lint.runner import lint_paths
from registry.lint.text import INVISIBLE_FILLERS, invisible_char
from registry.lint.toolspec import MAX_TOOL_DESCRIPTION
from registry.site.lookup import fnv1a32, normalize
from tests import factory


def allowed_characters() -> str:
    chars = [
        chr(code) for code in range(0x20, sys.maxunicode + 1)
        if unicodedata.category(chr(code))[0] in ("L", "M", "N", "P", "S")
        or unicodedata.category(chr(code)) == "Zs"
    ]
    return "".join(c for c in chars if ord(c) not in INVISIBLE_FILLERS)


def chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def corpus_tree(root: Path) -> tuple[Path, list[str]]:
    text = allowed_characters()
    descriptions = chunks(text, MAX_TOOL_DESCRIPTION - 2)
    manifests, toolspecs, texts = [], [], []
    for index in range(0, len(descriptions), 2):
        name = f"text{index // 2:04d}"
        tool_text = descriptions[index]
        param_text = descriptions[index + 1] if index + 1 < len(descriptions) else "end"
        display = tool_text[:MAX_DISPLAY_NAME]
        summary = ("\n" + param_text[: MAX_DESCRIPTION - 10] + "\t")
        manifests.append(factory.manifest(
            name, displayName=display, description=summary,
            entitlements={"egress": [f"api.{name}.example.com"]},
        ))
        spec: dict[str, Any] = factory.toolspec(name, baseUrl=f"https://api.{name}.example.com")
        spec["tools"][0]["description"] = tool_text + "\n"
        spec["tools"][0]["params"][0]["description"] = param_text
        toolspecs.append(spec)
        texts += [tool_text, param_text]
    return factory.tree(root, manifests, toolspecs), texts


def test_the_corpus_is_allowed_text() -> None:
    text = allowed_characters()
    assert len(text) > 100_000
    assert invisible_char(text) is None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    base = tmp_path_factory.mktemp("text")
    root, texts = corpus_tree(base / "registry")
    result = lint_paths(root)
    assert not result.failed, [f.format() for f in result.errors[:5]]
    build(root, base / "dist", signing_key=None, source_date_epoch="1767225600",
          now=datetime(2026, 1, 1, tzinfo=UTC), site_url="https://registry.example.org/")
    return base / "dist", texts


def test_every_text_reaches_the_index_unchanged(built: tuple[Path, list[str]]) -> None:
    dist, texts = built
    index = json.loads((dist / "index.json").read_bytes())
    found = {
        tool for entry in index["servers"].values() for manifest in entry["versions"].values()
        for tool in (manifest["displayName"], manifest["description"])
    }
    assert all(any(text[:MAX_DISPLAY_NAME] in f for f in found) for text in texts[::2])


def test_every_text_reaches_its_server_page(built: tuple[Path, list[str]]) -> None:
    dist, texts = built
    pages = "".join(
        unescape(path.read_text("utf-8")) for path in (dist / "site" / "servers").glob("*/index.html")
    )
    missing = [text[:40] for text in texts if text not in pages]
    assert missing == []


def test_the_feed_and_catalog_hold_the_texts(built: tuple[Path, list[str]]) -> None:
    dist, texts = built
    feed = unescape((dist / "site" / "feed.xml").read_text("utf-8"))
    catalog = unescape((dist / "CATALOG.md").read_text("utf-8"))
    for text in texts[1::2][:50]:
        assert text[: MAX_DESCRIPTION - 10] in feed
    for text in texts[::2]:
        assert text[:MAX_DISPLAY_NAME].strip()[:20] in catalog


def _fragments(site: Path) -> list[dict[str, Any]]:
    pages = []
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        pages.append(json.loads(raw[len(b"pagefind_dcd"):]))
    return pages


def test_the_search_indexes_hold_the_texts(built: tuple[Path, list[str]]) -> None:
    dist, texts = built
    site = dist / "site"
    # Full text: each tool description (the display names' source) as Pagefind read it.
    fragments = [page for page in _fragments(site) if page["url"].startswith("/servers/")]
    searchable = " ".join(page["content"] + page["meta"].get("title", "") for page in fragments)
    assert sum(1 for text in texts[::2] if text[:30] in searchable) > len(texts) // 4
    # Exact lookup: every display name under its normalized form, in the shard its hash picks.
    shards = json.loads((site / LOOKUP_MANIFEST_FILE).read_bytes())["shards"]
    titles = 0
    for text in texts[::2]:
        key = normalize(text[:MAX_DISPLAY_NAME])
        table = json.loads((site / lookup_shard_file(fnv1a32(key) % shards)).read_bytes())
        titles += any("title" in hit[3] for hit in table.get(key, []))
    assert titles == len(texts[::2])
