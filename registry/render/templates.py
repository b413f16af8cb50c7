"""The Jinja2 environments for everything the registry renders from templates.

Templates are package data (``registry/render/templates/`` for Markdown
output, ``registry/site/templates/`` for the site's pages), found through the
package, so an installed wheel renders exactly what a checkout does. Every
environment uses ``StrictUndefined``, so a typo in a template fails the build
instead of rendering an empty string. HTML and XML templates are
autoescaped: contributor text (descriptions, tool descriptions, names) is
data, never markup. Markdown templates escape explicitly through the ``md``
filter (and ``md_cell`` for table cells), since Markdown has no autoescape.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from registry.render.markdown import escape_markdown, markdown_cell


def _environment(package: str, *, autoescape: bool) -> Environment:
    return Environment(
        loader=PackageLoader(package, "templates"),
        undefined=StrictUndefined,
        # Off only for Markdown output, where the `md` filter escapes instead.
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def html_environment(package: str) -> Environment:
    """The environment for the HTML and XML templates of ``package``: everything autoescaped."""
    return _environment(package, autoescape=True)


@cache
def markdown_environment(package: str = "registry.render") -> Environment:
    """The environment for Markdown templates: every contributor value goes through ``md``."""
    environment = _environment(package, autoescape=False)
    environment.filters["md"] = escape_markdown
    environment.filters["md_cell"] = markdown_cell
    return environment
