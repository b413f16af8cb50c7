"""``registryctl build``, ``catalog`` and ``serve``: the edge of the site pipeline.

The signing key (``GIG_INDEX_SIGNING_KEY``), SOURCE_DATE_EPOCH, the site URL
and the clock are read here and passed in. The key goes to
:func:`registry.build.build` and nowhere else: never printed, never written.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from registry.errors import LintFailed

SIGNING_KEY_ENV = "GIG_INDEX_SIGNING_KEY"
SITE_URL_ENV = "GIG_SITE_URL"


def _print(line: str, *, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def _print_findings(failed: LintFailed) -> None:
    from registry.lint.report import render_text

    github = os.environ.get("GITHUB_ACTIONS") == "true"
    files = len({finding.path for finding in failed.findings})
    sys.stdout.write(render_text(failed.findings, files, github=github))
    sys.stdout.flush()


def _cmd_build(args: argparse.Namespace) -> int:
    from registry.build import build

    root: Path = args.root
    key = (os.environ.get(SIGNING_KEY_ENV) or "").strip() or None
    try:
        result = build(
            root,
            args.out if args.out is not None else root / "dist",
            signing_key=key,
            source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"),
            now=datetime.now(UTC),
            site_url=args.site_url or os.environ.get(SITE_URL_ENV) or None,
            config_file=args.config,
        )
    except LintFailed as failed:
        _print_findings(failed)
        return 1
    signed = "signed" if result.signed else f"UNSIGNED ({SIGNING_KEY_ENV} is not set)"
    _print(
        f"built {result.out}: {result.servers} servers, {result.versions} versions, "
        f"{result.pages} generated pages; index {signed}"
    )
    if result.catalog_stale:
        _print("warning: CATALOG.md is out of date; run `invoke catalog`", error=True)
    return 0


def _cmd_catalog(args: argparse.Namespace) -> int:
    from registry.build import update_catalog
    from registry.lint.runner import lint_paths
    from registry.render.catalog import catalog_is_stale

    root: Path = args.root
    if args.check:
        result = lint_paths(root, policy=False)
        if result.failed:
            _print_findings(LintFailed(result.findings))
            return 1
        if catalog_is_stale(root, result.registry):
            _print(f"{root / 'CATALOG.md'}: out of date; run `invoke catalog`", error=True)
            return 1
        _print("CATALOG.md is up to date")
        return 0
    try:
        changed = update_catalog(root)
    except LintFailed as failed:
        _print_findings(failed)
        return 1
    _print(f"{'wrote' if changed else 'unchanged:'} {root / 'CATALOG.md'}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve

    root: Path = args.root
    config = args.config if args.config is not None else root / "mkdocs.yml"
    # The plugin loads the tree itself (unsigned) and watches manifests/ and toolspecs/.
    serve(config_file=str(config), dev_addr=args.dev_addr, livereload=True)
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``build``, ``catalog`` and ``serve`` on ``registryctl``'s subcommands."""
    build = sub.add_parser(
        "build",
        help="lint, build index.json (+ .sig), CATALOG.md and the site into dist/",
        description="The main job: lint -> index.json -> index.json.sig (when "
        f"${SIGNING_KEY_ENV} is set) -> CATALOG.md -> the website, all into a temporary "
        "directory that replaces dist/ only when everything succeeded.",
        epilog=f"environment: {SIGNING_KEY_ENV}, SOURCE_DATE_EPOCH, {SITE_URL_ENV}.",
    )
    build.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    build.add_argument("--out", type=Path, default=None, help="output (default ROOT/dist)")
    build.add_argument("--site-url", default=None, help=f"public URL (default ${SITE_URL_ENV})")
    build.add_argument("--config", type=Path, default=None, metavar="MKDOCS_YML",
                       help="site configuration (default ROOT/mkdocs.yml)")
    build.set_defaults(func=_cmd_build)

    catalog = sub.add_parser("catalog", help="regenerate CATALOG.md from the manifests")
    catalog.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    catalog.add_argument("--check", action="store_true",
                         help="only check: exit 1 when CATALOG.md is out of date")
    catalog.set_defaults(func=_cmd_catalog)

    serve = sub.add_parser(
        "serve", help="preview the site with live reload (also on manifest changes)"
    )
    serve.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    serve.add_argument("--config", type=Path, default=None, metavar="MKDOCS_YML")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT")
    serve.set_defaults(func=_cmd_serve)
