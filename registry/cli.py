"""``registryctl``: a thin command line over the :mod:`registry` library.

Each command parses its arguments, calls one library function, prints the
result and returns an exit status. Every :class:`RegistryError` is turned into
one ``registryctl: error: …`` line here, in one place; no traceback escapes.
Environment variables are read here, at the edge, and passed in.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from registry.errors import RegistryError

Command = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# --- lint -------------------------------------------------------------------


def _cmd_lint(args: argparse.Namespace) -> int:
    from registry.lint import lint_paths
    from registry.report import render_json, render_text
    from registry.tree import Layout

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
        result = lint_paths(args.root, layout=layout, policy=not args.no_policy)
    if args.format == "json":
        _out(render_json(result.findings, result.files))
    else:
        _out(render_text(result.findings, result.files, github=_in_github_actions()))
    return 1 if result.failed else 0


def _cmd_lint_toolspecs(args: argparse.Namespace) -> int:
    from registry.lint import lint_paths
    from registry.report import render_text
    from registry.tree import Layout

    manifests: Path = args.manifests
    layout = Layout(
        root=manifests.parent,
        manifests_dir=manifests,
        toolspecs_dir=args.toolspecs,
        denylist_file=None,
    )
    result = lint_paths(manifests.parent, layout=layout, policy=False)
    _out(render_text(result.findings, result.files, github=_in_github_actions()))
    return 1 if result.failed else 0


def _in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _add_lint(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = sub.add_parser(
        "lint",
        help="check every manifest, toolspec, the denylist and the aggregator policy",
        description="Report every problem of a registry tree as path:line:col: error: "
        "field: message, then a summary; exit 1 when there is an error.",
    )
    lint.add_argument("manifests", nargs="?", type=Path, help=argparse.SUPPRESS)
    lint.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    lint.add_argument(
        "-denylist", "--denylist", type=Path, default=None,
        help="exfil denylist (default <root>/denylist/exfil-domains.txt)",
    )
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument(
        "--no-policy", action="store_true",
        help="skip the aggregator-policy scan of the whole tree",
    )
    lint.set_defaults(func=_cmd_lint)

    specs = sub.add_parser(
        "lint-toolspecs",
        help="check toolspecs against their manifests (reference form)",
    )
    specs.add_argument("toolspecs", type=Path)
    specs.add_argument("manifests", type=Path, nargs="?", default=Path("manifests"))
    specs.set_defaults(func=_cmd_lint_toolspecs)


# --- index & signing commands (registry.index, registry.signing, registry.client) ---

# --- maintainer commands (registry.buildargs, registry.pin, registry.diff) ---

# --- catalog, site and publishing commands ---


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registryctl",
        description="Lint, index, sign, verify and publish the Gig'MCP registry.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_lint(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``registryctl``; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except RegistryError as error:
        sys.stderr.write(f"registryctl: error: {error}\n")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
