"""``registryctl build-args`` and ``pin``: the two ends of the build-images workflow."""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.cli.environment import Environment
from registry.cli.output import err, findings_text, out
from registry.cli.types import Subparsers


def run_build_args(args: argparse.Namespace, env: Environment) -> int:
    from registry.errors import LintFailed
    from registry.images.buildargs import build_args, manifest_at, render_build_args

    try:
        manifest = manifest_at(args.path)
    except LintFailed as failed:
        err(findings_text(failed.findings, 0, github=env.github_actions))
        raise
    out(render_build_args(build_args(manifest)))
    return 0


def run_pin(args: argparse.Namespace, env: Environment) -> int:
    from registry.images.pin import pin_digest
    from registry.layout import parse_server_ref

    name, version = parse_server_ref(args.ref)
    result = pin_digest(args.root, name, version, args.digest)
    if result.changed:
        out(f"pinned {result.ref}: image.digest {result.new_digest} (was {result.old_digest})\n")
    else:
        out(f"{result.ref} already pins {result.new_digest}\n")
    return 0


def add_parsers(sub: Subparsers) -> None:
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
    build.set_defaults(func=run_build_args)

    pin = sub.add_parser(
        "pin",
        help="pin a built image digest into a manifest",
        description="Set image.digest of manifests/<name>/<version>.yaml, changing nothing "
        "else in the file, then lint the tree; on lint errors the file is restored.",
    )
    pin.add_argument("ref", metavar="NAME@VERSION")
    pin.add_argument("digest", metavar="sha256:<digest>")
    pin.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    pin.set_defaults(func=run_pin)
