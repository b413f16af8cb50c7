"""The catalog's filters, over the whole catalog, at a cost that does not grow with the page.

The home page renders only its first :data:`HOME_ROWS` rows. Filtering and
paging the rest happen in the reader's browser (``assets/javascripts/catalog.js``)
from two kinds of static files:

- ``catalog/facets.json``: the values of each facet (:data:`FACETS`), and one
  string holding, for every server in name order, one character per facet:
  the index of its value, or for the facets a server can have several values
  of (:data:`MULTI_VALUED`) a bitmask of them (characters of
  :data:`CODE_ALPHABET`). Six bytes a server: the whole catalog filters
  without fetching its rows.
- ``catalog/rows-NNNN.json``: the rows themselves, :data:`SHARD_ROWS` a shard,
  in name order (:func:`row_data` says which field is where); a page of
  results fetches only the shards its rows are in.

The same values are the Pagefind filters of each server page
(:func:`server_facets`), so a text query on the home page filters the same way.
Pure: rows and capabilities in, bytes out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.layout import CATALOG_FACETS_FILE, UNCATEGORIZED, catalog_rows_file, category_page
from registry.load.schema import BUILDERS, CATEGORIES
from registry.render.catalog import ServerSummary
from registry.site.views import DEFAULT_EFFECTS, DefaultEffect

HOME_ROWS = 25
"""Rows the home and category pages render in their HTML, and rows a page of the catalog
shows (``catalog.js``). Fewer rows, a faster first view: 50 cost about 0.1 s more to lay
out (``invoke bench``)."""
SHARD_ROWS = 100
"""Rows per ``catalog/rows-NNNN.json`` (a multiple of :data:`HOME_ROWS`: a page is in one)."""
FACETS = ("category", "tier", "auth", "builder", "status", "can")
"""The filters, by the name the home page's URL gives them (``?can=`` what the default
tools can do), in the order of their characters in ``facets.json``."""
MULTI_VALUED = frozenset({"auth", "can"})
"""Facets a server has any number of values of (coded as bitmasks)."""
CODE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
"""One character per code: a facet has at most 64 values, a bitmask at most 6."""
FACET_LABELS = (
    ("category", "Category"), ("tier", "Tier"), ("auth", "Auth"), ("builder", "Builder"),
    ("status", "Status"), ("can", "Default tools can"),
)
"""How the home page labels each filter."""
CAN_LABELS: Mapping[str, str] = {
    "read": "read", "write": "write", "destructive": "delete (destructive)",
    "undeclared": "undeclared (the server's own code)",
}


@dataclass(frozen=True)
class FilterOptions:
    """The values each filter offers: only those some server has, in a fixed order."""

    category: tuple[str, ...]
    tier: tuple[str, ...]
    auth: tuple[str, ...]
    builder: tuple[str, ...]
    status: tuple[str, ...]
    can: tuple[str, ...]

    def values(self, facet: str) -> tuple[str, ...]:
        values: tuple[str, ...] = getattr(self, facet)
        return values


def auth_values(row: ServerSummary) -> tuple[str, ...]:
    return tuple(row.auth.split(", "))


def server_facets(row: ServerSummary, can: Sequence[DefaultEffect]) -> dict[str, tuple[str, ...]]:
    """One server's value(s) of each facet (its Pagefind filters, its code in facets.json)."""
    return {
        "category": (row.category or UNCATEGORIZED,),
        "tier": (row.tier,),
        "auth": auth_values(row),
        "builder": (row.builder,),
        "status": (row.status,),
        "can": tuple(can),
    }


def filter_options(
    rows: Sequence[ServerSummary], capabilities: Mapping[str, Sequence[DefaultEffect]]
) -> FilterOptions:
    """The values the catalog's filters offer, from what the servers have."""

    def present(facet: str, order: Sequence[str]) -> tuple[str, ...]:
        seen = {value for row in rows
                for value in server_facets(row, capabilities.get(row.name, ()))[facet]}
        return tuple(value for value in order if value in seen)

    auth = sorted({value for row in rows for value in auth_values(row)})
    return FilterOptions(
        category=present("category", [*CATEGORIES, UNCATEGORIZED]),
        tier=present("tier", ["sealed", "entrusted"]),
        auth=tuple(auth),
        builder=present("builder", BUILDERS),
        status=present("status", ["installable", "planned"]),
        can=present("can", DEFAULT_EFFECTS),
    )


def row_data(row: ServerSummary) -> list[object]:
    """One row as a shard stores it; ``catalog.js`` reads the same positions."""
    return [row.name, row.display_name, row.description, row.category, row.tier, row.auth,
            row.builder, list(row.egress), row.tools_default, row.tools_total, row.status,
            category_page(row.category) if row.category else ""]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def catalog_files(
    rows: Sequence[ServerSummary], capabilities: Mapping[str, Sequence[DefaultEffect]]
) -> dict[str, bytes]:
    """``catalog/facets.json`` and every ``catalog/rows-NNNN.json``, by site path."""
    options = filter_options(rows, capabilities)
    codes = []
    for row in rows:
        values = server_facets(row, capabilities.get(row.name, ()))
        for facet in FACETS:
            known = options.values(facet)
            if facet in MULTI_VALUED:
                code = sum(1 << known.index(value) for value in values[facet])
            else:
                code = known.index(values[facet][0])
            codes.append(CODE_ALPHABET[code])
    files = {CATALOG_FACETS_FILE: _json({
        "rows": len(rows), "shard_rows": SHARD_ROWS, "facets": list(FACETS),
        "multi": sorted(MULTI_VALUED), "alphabet": CODE_ALPHABET,
        "values": {facet: list(options.values(facet)) for facet in FACETS},
        "codes": "".join(codes),
    })}
    for start in range(0, len(rows), SHARD_ROWS):
        files[catalog_rows_file(start // SHARD_ROWS)] = _json(
            [row_data(row) for row in rows[start:start + SHARD_ROWS]]
        )
    return files
