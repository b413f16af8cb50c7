"""Exact identifiers, looked up in one small file: the search's first answer at any size.

A reader who types a server's name, its display name, a tool name or an egress
host wants that server first, at once. Full-text search ranks prefixes and
rare words (``zoom`` also finds ZoomInfo, ``list_meetings`` a page that
mentions it), and its cost grows with the words that match. So the build also
writes every identifier, normalized by :func:`normalize`, to one of
:func:`shard_count` shards picked by :func:`shard_of`:

- ``search-ids.json``: ``{"shards": K, "hash": "fnv1a32"}``;
- ``search-ids/<i>.json``: ``{identifier: [[name, title, row, kinds], …]}``,
  ``row`` the server's position in the catalog (``catalog/rows-NNNN.json``)
  and ``kinds`` which of its identifiers it is (:data:`KINDS`, space-separated).

``search.js`` and ``catalog.js`` hash the typed query the same way and fetch
the one shard it falls in: one request of a few kilobytes, whatever the size
of the catalog.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence

from registry.layout import LOOKUP_MANIFEST_FILE, lookup_shard_file
from registry.load.schema import Manifest

KINDS = ("name", "title", "tool", "host")
TARGET_SHARD_BYTES = 16 * 1024
"""About how large a shard gets (raw JSON; served compressed)."""
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def normalize(text: str) -> str:
    """Lowercase, spaces collapsed: what a query and an identifier are compared as."""
    return " ".join(text.lower().split())


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a of ``text``'s UTF-8 bytes (``search.js`` computes the same)."""
    value = _FNV_OFFSET
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return value


def shard_of(identifier: str, shards: int) -> int:
    return fnv1a32(identifier) % shards


def identifiers(manifest: Manifest) -> Iterator[tuple[str, str]]:
    """``(identifier, kind)`` for the server's name, title, tools and egress hosts."""
    yield normalize(manifest.name), "name"
    if manifest.displayName:
        yield normalize(manifest.displayName), "title"
    for tool in manifest.tools:
        yield normalize(tool.name), "tool"
    for host in manifest.entitlements.egress:
        yield normalize(host), "host"
        if host.startswith("*."):
            yield normalize(host[2:]), "host"


def shard_count(total_bytes: int) -> int:
    """How many shards keep each near :data:`TARGET_SHARD_BYTES`."""
    return max(1, math.ceil(total_bytes / TARGET_SHARD_BYTES))


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def lookup_files(latest: Sequence[Manifest]) -> dict[str, bytes]:
    """The manifest and every shard, by site path; ``latest`` in catalog (name) order."""
    entries: dict[str, dict[str, list[str]]] = {}  # identifier -> server name -> kinds
    rows: dict[str, tuple[str, int]] = {}
    for row, manifest in enumerate(latest):
        rows[manifest.name] = (manifest.title, row)
        for identifier, kind in identifiers(manifest):
            if not identifier:
                continue
            kinds = entries.setdefault(identifier, {}).setdefault(manifest.name, [])
            if kind not in kinds:
                kinds.append(kind)
    table = {
        identifier: [[name, rows[name][0], rows[name][1], " ".join(kinds)]
                     for name, kinds in servers.items()]
        for identifier, servers in sorted(entries.items())
    }
    size = sum(len(_json(key)) + len(_json(value)) + 2 for key, value in table.items())
    shards = shard_count(size)
    parts: list[dict[str, list[list[object]]]] = [{} for _ in range(shards)]
    for identifier, value in table.items():
        parts[shard_of(identifier, shards)][identifier] = value
    files = {LOOKUP_MANIFEST_FILE: _json({"shards": shards, "hash": "fnv1a32"})}
    for index, part in enumerate(parts):
        files[lookup_shard_file(index)] = _json(part)
    return files
