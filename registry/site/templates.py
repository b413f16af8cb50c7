"""The Jinja2 environments for everything the registry renders from templates.

Templates live in ``site_templates/`` at the repository root. Both
environments use ``StrictUndefined`` so a typo in a template fails the build
instead of rendering an empty string. HTML and XML templates are
autoescaped: contributor text (descriptions, tool descriptions, names) is
data, never markup. The Markdown environment (``CATALOG.md``) escapes
explicitly through the ``md`` filter, since Markdown has no autoescape.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from registry.review.diff import escape_markdown

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "site_templates"


def _environment(*, autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        # Off only for Markdown output, where the `md` filter escapes instead.
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def template_environment() -> Environment:
    """The environment for HTML and XML templates: everything autoescaped."""
    return _environment(autoescape=True)


@cache
def markdown_environment() -> Environment:
    """The environment for Markdown templates: every contributor value goes through ``md``."""
    environment = _environment(autoescape=False)
    environment.filters["md"] = escape_markdown
    return environment
