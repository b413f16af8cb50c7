"""``registryctl build``, ``catalog`` and ``serve``: the edge of the site pipeline.

The signing key comes from the :class:`Environment` (taken from the process
environment before this runs), goes to :func:`registry.build.build` and
nowhere else: never printed, never written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.cli.environment import Environment
from registry.cli.output import err, findings_text, out
from registry.cli.types import Subparsers
from registry.errors import LintFailed
from registry.layout import (
    CATALOG_FILE,
    DIST_DIR,
    SIGNING_KEY_ENV,
    SITE_CONFIG,
    SITE_URL_ENV,
    SOURCE_DATE_EPOCH_ENV,
)


def _print_findings(failed: LintFailed, env: Environment) -> None:
    files = len({finding.path for finding in failed.findings})
    out(findings_text(failed.findings, files, github=env.github_actions))


def run_build(args: argparse.Namespace, env: Environment) -> int:
    from datetime import UTC, datetime

    from registry.build import build
    from registry.progress import Progress

    root: Path = args.root
    try:
        result = build(
            root,
            args.out if args.out is not None else root / DIST_DIR,
            signing_key=env.optional_signing_key(),
            source_date_epoch=env.source_date_epoch,
            now=datetime.now(UTC),
            site_url=args.site_url or env.site_url,
            config_file=args.config,
            progress=None if args.quiet else Progress(err),
        )
    except LintFailed as failed:
        _print_findings(failed, env)
        return 1
    signed = "signed" if result.signed else f"UNSIGNED ({SIGNING_KEY_ENV} is not set)"
    out(
        f"built {result.out}: {result.servers} servers, {result.versions} versions, "
        f"{result.pages} generated pages; index {signed}\n"
    )
    if result.catalog_stale:
        err(f"warning: {CATALOG_FILE} is out of date; run `invoke catalog`\n")
    return 0


def run_catalog(args: argparse.Namespace, env: Environment) -> int:
    from registry.build import update_catalog
    from registry.lint.runner import lint_paths
    from registry.render.catalog import catalog_is_stale

    root: Path = args.root
    if args.check:
        result = lint_paths(root, policy=False)
        if result.failed:
            _print_findings(LintFailed(result.findings), env)
            return 1
        if catalog_is_stale(root, result.registry):
            err(f"{root / CATALOG_FILE}: out of date; run `invoke catalog`\n")
            return 1
        out(f"{CATALOG_FILE} is up to date\n")
        return 0
    try:
        changed = update_catalog(root)
    except LintFailed as failed:
        _print_findings(failed, env)
        return 1
    out(f"{'wrote' if changed else 'unchanged:'} {root / CATALOG_FILE}\n")
    return 0


def run_serve(args: argparse.Namespace, env: Environment) -> int:
    from registry.build import site_config
    from registry.preview import serve

    root: Path = args.root
    config = args.config if args.config is not None else site_config(root)
    serve(root, config, args.dev_addr, open_in_browser=args.open)
    return 0


def add_parsers(sub: Subparsers) -> None:
    build = sub.add_parser(
        "build",
        help="lint, build index.json (+ .sig), CATALOG.md and the site into dist/",
        description="The main job: lint -> index.json -> index.json.sig (when "
        f"${SIGNING_KEY_ENV} is set) -> CATALOG.md -> the website, all into a temporary "
        "directory that replaces dist/ only when everything succeeded.",
        epilog=f"environment: {SIGNING_KEY_ENV}, {SOURCE_DATE_EPOCH_ENV}, {SITE_URL_ENV}.",
    )
    build.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    build.add_argument("--out", type=Path, default=None, help=f"output (default ROOT/{DIST_DIR})")
    build.add_argument("--site-url", default=None, help=f"public URL (default ${SITE_URL_ENV})")
    build.add_argument("--config", type=Path, default=None, metavar="MKDOCS_YML",
                       help=f"site configuration (default ROOT/{SITE_CONFIG}, else the "
                       "package's own)")
    build.add_argument("--quiet", "-q", action="store_true",
                       help="no progress lines on standard error (stage, pages, elapsed)")
    build.set_defaults(func=run_build)

    catalog = sub.add_parser("catalog", help=f"regenerate {CATALOG_FILE} from the manifests")
    catalog.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    catalog.add_argument("--check", action="store_true",
                         help=f"only check: exit 1 when {CATALOG_FILE} is out of date")
    catalog.set_defaults(func=run_catalog)

    serve = sub.add_parser(
        "serve",
        help="preview the site, rebuilt on every save (only what changed)",
        description="Serve the site on HOST:PORT and rebuild it when a manifest, toolspec, "
        "policy file or page changes: changed files are read again and only the pages "
        "they change are rendered. When the tree does not lint, the last good pages stay "
        "up and every page shows the located findings until the next save fixes them.",
    )
    serve.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    serve.add_argument("--config", type=Path, default=None, metavar="MKDOCS_YML")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT")
    serve.add_argument("--open", action="store_true", help="open the preview in a browser")
    serve.set_defaults(func=run_serve)
