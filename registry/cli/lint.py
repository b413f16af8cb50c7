"""``registryctl lint`` and the reference form ``lint-toolspecs``."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from registry.cli.environment import Environment
from registry.cli.output import findings_text, out
from registry.cli.types import Subparsers
from registry.layout import CATALOG_FILE, DENYLIST, SITE_CONFIG

if TYPE_CHECKING:
    from registry.lint.runner import CatalogCheck


def _catalog_check(root: Path) -> CatalogCheck | None:
    """A registry project (one with CATALOG.md or a site) keeps CATALOG.md current."""
    if not ((root / CATALOG_FILE).exists() or (root / SITE_CONFIG).exists()):
        return None
    from registry.render.catalog import catalog_findings

    return catalog_findings


def run_lint(args: argparse.Namespace, env: Environment) -> int:
    from registry.lint.report import render_json
    from registry.lint.runner import lint_paths
    from registry.load.tree import Layout

    positional: Path | None = args.manifests
    if positional is not None:
        # The reference form: `registryctl lint ./manifests -denylist FILE`.
        layout = Layout(
            root=positional.parent,
            manifests_dir=positional,
            toolspecs_dir=None,
            denylist_file=args.denylist,
        )
        result = lint_paths(positional.parent, layout=layout, policy=False)
    else:
        layout = Layout.of_root(args.root)
        if args.denylist is not None:
            layout = dataclasses.replace(layout, denylist_file=args.denylist)
        result = lint_paths(
            args.root,
            layout=layout,
            policy=not args.no_policy,
            catalog_check=_catalog_check(args.root),
        )
    if args.format == "json":
        out(render_json(result.findings, result.files))
    else:
        out(findings_text(result.findings, result.files, github=env.github_actions))
    return 1 if result.failed else 0


def run_lint_toolspecs(args: argparse.Namespace, env: Environment) -> int:
    from registry.lint.runner import lint_paths
    from registry.load.tree import Layout

    manifests: Path = args.manifests
    layout = Layout(
        root=manifests.parent,
        manifests_dir=manifests,
        toolspecs_dir=args.toolspecs,
        denylist_file=None,
    )
    result = lint_paths(manifests.parent, layout=layout, policy=False)
    out(findings_text(result.findings, result.files, github=env.github_actions))
    return 1 if result.failed else 0


def add_parsers(sub: Subparsers) -> None:
    lint = sub.add_parser(
        "lint",
        help="check every manifest, toolspec, the denylist and the aggregator policy",
        description="Report every problem of a registry tree as path:line:col: error: "
        "field: message [CODE], then a summary; exit 1 when there is an error. The codes "
        "are listed on the site's Lint rules page.",
    )
    lint.add_argument("manifests", nargs="?", type=Path, help=argparse.SUPPRESS)
    lint.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    lint.add_argument(
        "-denylist", "--denylist", type=Path, default=None,
        help=f"exfil denylist (default <root>/{DENYLIST})",
    )
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument(
        "--no-policy", action="store_true",
        help="skip the aggregator-policy scan of the whole tree",
    )
    lint.set_defaults(func=run_lint)

    specs = sub.add_parser(
        "lint-toolspecs",
        help="check toolspecs against their manifests (reference form)",
    )
    specs.add_argument("toolspecs", type=Path)
    specs.add_argument("manifests", type=Path, nargs="?", default=Path("manifests"))
    specs.set_defaults(func=run_lint_toolspecs)
