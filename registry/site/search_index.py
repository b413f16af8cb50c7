"""The site's search index: Pagefind run over the built site, then made reproducible.

Pagefind (the ``pagefind_bin`` wheel: one static binary, no network) reads
every page mkdocs wrote, indexes what the theme marks ``data-pagefind-body``
and writes ``pagefind/`` at the site root: a small entry file, the index in
chunks by word prefix, one fragment per page, the filters, and the
WebAssembly that searches them in the reader's browser. A reader fetches
only the chunks and fragments a query needs.

Two things are done to its output here:

- **Reproducible bytes.** Pagefind 1.5 writes the values of each filter, and
  the list of filter files in its meta file, in hash-map order, which
  changes from run to run. :func:`canonicalize` sorts them and renames the
  files whose names are content hashes, so one tree always gives the same
  bytes (the rest of the output is already stable).
- **Only what is loaded.** Pagefind also writes its ready-made user
  interfaces; the site has its own (``assets/javascripts/search.js``), so
  they are deleted (:data:`UNUSED`).

The binary runs without the environment (no secret of the build reaches it,
no ``PAGEFIND_*`` setting changes the index) from an empty folder (no
configuration file of the tree is picked up), with a timeout.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess  # the one other program the build runs besides git (tests/test_architecture.py)
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from registry.errors import SiteBuildError
from registry.layout import PAGEFIND_DIR

EXCLUDED_SELECTORS = ".headerlink"
"""Left out of every page's indexed text: the permalink anchors (``¶``) of headings."""
TIMEOUT_SECONDS = 3600.0
"""Pagefind indexes ~20,000 pages in under two minutes; an hour means it is stuck."""
UNUSED = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js",
)
"""Pagefind's own user interfaces, which no page of this site loads."""
ENTRY_FILE = "pagefind-entry.json"
_SIGNATURE = b"pagefind_dcd"
_MAX_SHOWN = 2000


def pagefind_executable() -> Path:
    """The Pagefind binary shipped by the ``pagefind_bin`` wheel."""
    from pagefind_bin import get_executable  # type: ignore[import-untyped]  # no py.typed

    try:
        return Path(get_executable())
    except FileNotFoundError as error:
        raise SiteBuildError(
            f"the Pagefind binary is missing ({error}); install the project's dependencies "
            "(pagefind[bin])"
        ) from None


def index_site(site: Path, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """Run Pagefind over ``site`` (written by mkdocs) and leave a reproducible ``pagefind/``."""
    args = [
        str(pagefind_executable()), "--site", str(site.resolve()),
        "--output-subdir", PAGEFIND_DIR, "--exclude-selectors", EXCLUDED_SELECTORS,
    ]
    with tempfile.TemporaryDirectory(prefix="gigmcp-pagefind-") as empty:
        try:
            done = subprocess.run(
                args, cwd=empty, env={}, capture_output=True, text=True, errors="replace",
                timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired:
            raise SiteBuildError(f"the search index took longer than {timeout:.0f} s") from None
        except OSError as error:
            raise SiteBuildError(f"cannot run Pagefind: {error.strerror or error}") from None
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip())[-_MAX_SHOWN:]
        raise SiteBuildError(f"the search index failed (Pagefind exit {done.returncode}):\n"
                             f"{output}")
    bundle = site / PAGEFIND_DIR
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    try:
        canonicalize(bundle)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SiteBuildError(
            f"the search index has a layout this build does not know ({error}); "
            "is Pagefind the version pyproject.toml pins?"
        ) from None


# --- reproducible output ---------------------------------------------------------------
#
# Pagefind's binary files are gzip'd CBOR after a signature. Only the subset it
# writes is read and written back here: unsigned integers, text, arrays and maps.

@dataclass(frozen=True)
class CborMap:
    """A CBOR map, its pairs in the order they were written."""

    pairs: tuple[tuple[CBOR, CBOR], ...]


CBOR = int | str | list["CBOR"] | CborMap


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _head(self) -> tuple[int, int]:
        first = self.data[self.at]
        self.at += 1
        major, info = first >> 5, first & 31
        if info < 24:
            return major, info
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None:
            raise ValueError(f"unsupported CBOR length {info}")
        value = int.from_bytes(self.data[self.at:self.at + size], "big")
        self.at += size
        return major, value

    def item(self) -> CBOR:
        major, value = self._head()
        if major == 0:
            return value
        if major == 3:
            text = self.data[self.at:self.at + value].decode("utf-8")
            self.at += value
            return text
        if major == 4:
            return [self.item() for _ in range(value)]
        if major == 5:
            return CborMap(tuple((self.item(), self.item()) for _ in range(value)))
        raise ValueError(f"unsupported CBOR major type {major}")


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for size, info in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(f"CBOR value too large: {value}")


def encode(item: CBOR) -> bytes:
    """CBOR bytes of ``item`` (the subset :func:`decode` reads), shortest lengths."""
    if isinstance(item, int):
        return _head(0, item)
    if isinstance(item, str):
        data = item.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(item, CborMap):
        return _head(5, len(item.pairs)) + b"".join(encode(k) + encode(v) for k, v in item.pairs)
    return _head(4, len(item)) + b"".join(encode(value) for value in item)


def decode(data: bytes) -> CBOR:
    """A Pagefind file (gzip'd, signed CBOR) as Python values."""
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    reader = _Reader(raw[len(_SIGNATURE):])
    item = reader.item()
    if reader.at != len(raw) - len(_SIGNATURE):
        raise ValueError("trailing bytes after the Pagefind data")
    return item


def _encoded(item: CBOR) -> bytes:
    return _SIGNATURE + encode(item)


def _write(path: Path, raw: bytes) -> None:
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


def _renamed(stem: str, raw: bytes) -> str:
    """``<lang>_<hash>``, the hash (same length) now of the canonical content."""
    lang, _, old = stem.partition("_")
    return f"{lang}_{hashlib.sha256(raw).hexdigest()[:len(old)]}"


def _sorted_filter(item: CBOR) -> CBOR:
    # [filter name, [[value, [page numbers]], ...]]: the values sorted (pages are in order).
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
        raise ValueError("unexpected Pagefind filter file")
    values: list[list[CBOR]] = [value for value in item[1] if isinstance(value, list) and value]
    ordered: list[CBOR] = [*sorted(values, key=lambda value: str(value[0]))]
    return [item[0], ordered]


def _file_lists(item: CBOR, lang: str, renames: dict[str, str]) -> CBOR:
    """``item`` with every ``[[name, file], …]`` list of filter (or sort) files sorted and renamed."""
    if not isinstance(item, list):
        return item
    fixed = [_file_lists(value, lang, renames) for value in item]
    pairs = [value for value in fixed if isinstance(value, list) and len(value) == 2
             and isinstance(value[0], str) and isinstance(value[1], str)
             and value[1].startswith(lang + "_")]
    if fixed and len(pairs) == len(fixed):
        renamed: list[CBOR] = [[pair[0], renames.get(str(pair[1]), pair[1])] for pair in pairs]
        return sorted(renamed, key=lambda pair: str(pair[0]) if isinstance(pair, list) else "")
    return fixed


def _filter_files(bundle: Path) -> Iterator[Path]:
    return iter(sorted((bundle / "filter").glob("*.pf_filter")))


def canonicalize(bundle: Path) -> None:
    """Rewrite ``bundle`` (a ``pagefind/`` folder) so its bytes depend only on its content."""
    renames: dict[str, str] = {}
    for path in _filter_files(bundle):
        raw = _encoded(_sorted_filter(decode(path.read_bytes())))
        renames[path.stem] = _renamed(path.stem, raw)
        path.unlink()
        _write(path.with_name(renames[path.stem] + path.suffix), raw)
    entry = json.loads((bundle / ENTRY_FILE).read_text("utf-8"))
    for lang, info in sorted(entry["languages"].items()):
        meta = bundle / f"pagefind.{info['hash']}.pf_meta"
        raw = _encoded(_file_lists(decode(meta.read_bytes()), lang, renames))
        info["hash"] = _renamed(info["hash"], raw)
        meta.unlink()
        _write(bundle / f"pagefind.{info['hash']}.pf_meta", raw)
    (bundle / ENTRY_FILE).write_text(
        json.dumps(entry, separators=(",", ":"), ensure_ascii=False), "utf-8"
    )
