"""``registryctl diff``: the entitlement diff a user must re-consent to."""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.cli.environment import Environment
from registry.cli.output import err, out
from registry.cli.types import Subparsers
from registry.errors import RegistryError

EXIT_ESCALATES = 3


def run_diff(args: argparse.Namespace, env: Environment) -> int:
    from registry.review.against import diff_refs, review_against
    from registry.review.render import render_diff, render_review

    if args.against is None:
        if len(args.targets) != 2:
            raise RegistryError("diff needs NAME@OLD NAME@NEW, or --against GIT_REF [PATHS...]")
        diff = diff_refs(args.root, args.targets[0], args.targets[1])
        out(render_diff(diff, args.format))
        return EXIT_ESCALATES if diff.escalates else 0
    review = review_against(args.root, args.against, [Path(p) for p in args.targets])
    for note in review.notes:
        err(f"registryctl: note: {note}\n")
    out(render_review(review, args.format))
    return EXIT_ESCALATES if review.escalates else 0


def add_parsers(sub: Subparsers) -> None:
    diff = sub.add_parser(
        "diff",
        help="show what a manifest version may do that an older one could not",
        description="Compare two versions (NAME@OLD NAME@NEW), or every manifest changed "
        "since a git ref (--against REF [PATHS...]) with the same file at REF, else the "
        "highest lower version at REF, else as a new server.",
        epilog=f"exit status: 0 no escalation, {EXIT_ESCALATES} when any change escalates "
        "(new host, wider wildcard, new credential or scope, a tool newly exposed by default, "
        "sealed to entrusted, new source repository), 1 on errors. JSON is one diff for "
        "NAME@OLD NAME@NEW and {escalates, diffs, removed, notes} with --against.",
    )
    diff.add_argument(
        "targets", nargs="*", metavar="REF_OR_PATH",
        help="NAME@OLD NAME@NEW; with --against, manifest paths (default: all changed)",
    )
    diff.add_argument("--against", metavar="GIT_REF", default=None,
                      help="diff the working tree's manifests against this git ref")
    diff.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    diff.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    diff.set_defaults(func=run_diff)
