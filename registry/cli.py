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

EXIT_ESCALATES = 3


def _cmd_build_args(args: argparse.Namespace) -> int:
    from registry.buildargs import build_args, manifest_at, render_build_args
    from registry.errors import LintFailed
    from registry.report import render_text

    try:
        manifest = manifest_at(args.path)
    except LintFailed as failed:
        sys.stderr.write(render_text(failed.findings, 0, github=_in_github_actions()))
        raise
    _out(render_build_args(build_args(manifest)))
    return 0


def _cmd_pin(args: argparse.Namespace) -> int:
    from registry.pin import pin_digest
    from registry.review import parse_server_ref

    name, version = parse_server_ref(args.ref)
    result = pin_digest(args.root, name, version, args.digest)
    if result.changed:
        _out(f"pinned {result.ref}: image.digest {result.new_digest} (was {result.old_digest})\n")
    else:
        _out(f"{result.ref} already pins {result.new_digest}\n")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    import json

    from registry.diff import render_markdown, render_text, to_json
    from registry.review import diff_refs, render_review, review_against

    if args.against is None:
        if len(args.targets) != 2:
            raise RegistryError("diff needs NAME@OLD NAME@NEW, or --against GIT_REF [PATHS...]")
        diff = diff_refs(args.root, args.targets[0], args.targets[1])
        if args.format == "json":
            _out(json.dumps(to_json(diff), indent=2, ensure_ascii=False) + "\n")
        else:
            _out((render_markdown if args.format == "markdown" else render_text)(diff))
        return EXIT_ESCALATES if diff.escalates else 0
    review = review_against(args.root, args.against, [Path(p) for p in args.targets])
    for note in review.notes:
        sys.stderr.write(f"registryctl: note: {note}\n")
    _out(render_review(review, args.format))
    return EXIT_ESCALATES if review.escalates else 0


def _add_maintainer(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser(
        "build-args",
        help="print a manifest's image build arguments as KEY=value lines",
        description="Lint the tree, then print SOURCE_REPO, SOURCE_TAG, PACKAGE, BUILDER, "
        "NAME and VERSION of one manifest, safe to append to $GITHUB_OUTPUT.",
    )
    build.add_argument(
        "path", type=Path,
        help="manifests/<name> (its latest version) or manifests/<name>/<version>.yaml",
    )
    build.set_defaults(func=_cmd_build_args)

    pin = sub.add_parser(
        "pin",
        help="pin a built image digest into a manifest",
        description="Set image.digest of manifests/<name>/<version>.yaml, changing nothing "
        "else in the file, then lint the tree; on lint errors the file is restored.",
    )
    pin.add_argument("ref", metavar="NAME@VERSION")
    pin.add_argument("digest", metavar="sha256:<digest>")
    pin.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    pin.set_defaults(func=_cmd_pin)

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
    diff.set_defaults(func=_cmd_diff)


# --- catalog, site and publishing commands ---


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registryctl",
        description="Lint, index, sign, verify and publish the Gig'MCP registry.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_lint(sub)
    _add_maintainer(sub)
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
