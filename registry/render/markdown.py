"""Making contributor text inert in Markdown (CATALOG.md, job summaries, the site's tables)."""

from __future__ import annotations

import re

from registry.errors import printable

_MD_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "|": "&#124;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "(": "&#40;",
    ")": "&#41;",
    "\\": "&#92;",
    "*": "&#42;",
    "_": "&#95;",
    "~": "&#126;",
    "!": "&#33;",
    "#": "&#35;",
    "$": "&#36;",
    # ``@`` and ``:`` break e-mail, mention and scheme autolinks (``https://``).
    "@": "&#64;",
    ":": "&#58;",
}
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
CELL_LIMIT = 300


def escape_markdown(text: str) -> str:
    """Make contributor text inert in Markdown and HTML: no tags, links or table breaks.

    Every character with a meaning is written as an HTML entity, line breaks
    become spaces, other control characters are shown escaped and ``www.`` is
    broken so autolinkers do not turn a bare domain into a link.
    """
    text = printable(_LINE_BREAKS.sub(" ", text))
    text = "".join(_MD_ENTITIES.get(char, char) for char in text)
    return _WWW.sub(r"\1&#46;", text)


def markdown_cell(text: str | None, limit: int = CELL_LIMIT) -> str:
    """``text`` escaped for one table cell, cut to ``limit`` characters."""
    if not text:
        return ""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_markdown(text)
