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
from typing import TYPE_CHECKING

from registry.errors import RegistryError

if TYPE_CHECKING:
    from registry.lint.runner import CatalogCheck

Command = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# --- lint -------------------------------------------------------------------


def _cmd_lint(args: argparse.Namespace) -> int:
    from registry.lint.report import render_json, render_text
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
        _out(render_json(result.findings, result.files))
    else:
        _out(render_text(result.findings, result.files, github=_in_github_actions()))
    return 1 if result.failed else 0


def _catalog_check(root: Path) -> CatalogCheck | None:
    """A registry project (one with CATALOG.md or a site) keeps CATALOG.md current."""
    if not ((root / "CATALOG.md").exists() or (root / "mkdocs.yml").exists()):
        return None
    from registry.render.catalog import catalog_findings

    return catalog_findings


def _cmd_lint_toolspecs(args: argparse.Namespace) -> int:
    from registry.lint.report import render_text
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


# --- index & signing commands (registry.index.build, registry.signing, registry.gateway.client) ---

SIGNING_KEY_ENV = ("GIG_INDEX_SIGNING_KEY", "GIG_SIGNING_KEY")
PUBLIC_KEY_ENV = "GIG_REGISTRY_PUBKEY"


def _write_output(path: Path, data: bytes) -> None:
    from registry.gateway.client import write_atomic

    try:
        write_atomic(path, data)
    except OSError as error:
        raise RegistryError(f"cannot write {path}: {error.strerror or error}") from None


def _public_keys(values: list[str] | None) -> list[str]:
    """Trusted keys from ``--pub HEX|FILE`` options, else from $GIG_REGISTRY_PUBKEY."""
    import re

    from registry.errors import KeyFormatError
    from registry.signing import parse_public_keys

    if not values:
        keys = parse_public_keys(os.environ.get(PUBLIC_KEY_ENV, ""))
        if not keys:
            raise KeyFormatError(
                f"no trusted public key: pass --pub HEX|FILE or set {PUBLIC_KEY_ENV}"
            )
        return keys
    keys = []
    for number, value in enumerate(values, start=1):
        if re.fullmatch(r"[0-9a-fA-F]{64}", value.strip()):
            keys.append(value.strip())
            continue
        try:
            keys.extend(parse_public_keys(Path(value).read_text(encoding="ascii")))
        except (OSError, UnicodeDecodeError):
            # A hex value may be a private key passed by mistake: never echo it.
            shown = f"#{number}" if re.fullmatch(r"[0-9a-fA-F]+", value) else repr(value)
            raise KeyFormatError(
                f"--pub {shown} is neither a 64-hex-character public key nor a readable key file"
            ) from None
    return keys


def _cmd_build_index(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from registry.index.build import build_index, format_generated, generated_time
    from registry.lint.report import render_text
    from registry.lint.runner import lint_paths

    result = lint_paths(args.root)
    if result.findings:
        sys.stderr.write(render_text(result.findings, result.files, github=_in_github_actions()))
    if result.failed:
        return 1
    generated = generated_time(os.environ.get("SOURCE_DATE_EPOCH"), datetime.now(UTC))
    manifests = [entry.manifest for entry in result.registry.manifests]
    _write_output(args.out, build_index(manifests, generated))
    servers = len(result.registry.servers)
    _out(
        f"wrote {args.out}: {servers} server{'s' if servers != 1 else ''}, "
        f"{len(manifests)} manifests, generated {format_generated(generated)}\n"
    )
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    from registry.signing import generate_keypair

    public, private = generate_keypair()
    if args.write_public is not None:
        # Only the public half is ever written; the private half is shown once, below.
        _write_output(args.write_public, f"{public}\n".encode("ascii"))
        sys.stderr.write(
            f"registryctl: wrote the public key to {args.write_public}; store the private "
            f"key now as the {SIGNING_KEY_ENV[0]} secret: it is not saved anywhere\n"
        )
    _out(f"public: {public}\nprivate: {private}\n")
    return 0


def _cmd_sign(args: argparse.Namespace) -> int:
    from registry.errors import KeyFormatError
    from registry.gateway.client import DEFAULT_MAX_INDEX_BYTES, fetch
    from registry.signing import public_key_of, sign_index

    key = next((os.environ[name] for name in SIGNING_KEY_ENV if os.environ.get(name)), None)
    if key is None:
        raise KeyFormatError(
            f"no signing key: set {SIGNING_KEY_ENV[0]} to the private key (128 hex characters)"
        )
    raw = fetch(str(args.input), what="index", max_bytes=DEFAULT_MAX_INDEX_BYTES)
    _write_output(args.out, sign_index(raw, key).encode("ascii"))
    _out(f"signed {args.input} -> {args.out} with public key {public_key_of(key)}\n")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from registry.gateway.client import (
        DEFAULT_MAX_INDEX_BYTES,
        DEFAULT_MAX_SIG_BYTES,
        decode_signature_file,
        fetch,
        signature_location,
        verify_and_parse,
    )
    from registry.index.build import format_generated

    keys = _public_keys(args.pub)
    raw = fetch(args.input, what="index", max_bytes=DEFAULT_MAX_INDEX_BYTES)
    sig_location = args.sig or signature_location(args.input)
    sig = fetch(sig_location, what="signature", max_bytes=DEFAULT_MAX_SIG_BYTES)
    index = verify_and_parse(raw, decode_signature_file(sig), keys)
    _out(
        f"ok: {args.input} is signed by a trusted key ({sig_location}); "
        f"generated {format_generated(index.generated)}, {len(index.servers)} servers\n"
    )
    return 0


def _cmd_resolve(args: argparse.Namespace) -> int:
    import json
    from datetime import UTC, datetime, timedelta

    from registry.gateway.client import load_trusted_index, resolve
    from registry.index.build import manifest_json

    max_age = timedelta(days=args.max_age_days) if args.max_age_days > 0 else None
    index = load_trusted_index(
        args.index,
        sig_url=args.sig,
        public_keys=_public_keys(args.pub),
        state_path=args.state,
        now=datetime.now(UTC),
        max_age=max_age,
    )
    manifest = resolve(index, args.ref)
    _out(json.dumps(json.loads(manifest_json(manifest)), indent=2, ensure_ascii=False) + "\n")
    return 0


def _add_index(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser(
        "build-index",
        help="lint the tree, then write index.json (byte-compatible with the Go reference)",
        description="Lint first (nothing is written on errors), then write the index "
        "atomically. generated is SOURCE_DATE_EPOCH when set, else now.",
    )
    build.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    build.add_argument("--out", type=Path, required=True, help="where to write index.json")
    build.set_defaults(func=_cmd_build_index)

    keygen = sub.add_parser(
        "keygen",
        help="print a new ed25519 key pair (public: 64 hex, private: 128 hex)",
        description="Print a fresh key pair to stdout. Store the private key as the "
        f"{SIGNING_KEY_ENV[0]} secret; never commit it or write it to dist/.",
    )
    keygen.add_argument(
        "--write-public", type=Path, default=None, metavar="FILE",
        help="also write the public key to FILE (keys/registry.pub); never the private key",
    )
    keygen.set_defaults(func=_cmd_keygen)

    sign = sub.add_parser(
        "sign",
        help="sign index.json with the key in $GIG_INDEX_SIGNING_KEY",
        description=f"Write the detached signature (hex + newline). The private key is read "
        f"from {SIGNING_KEY_ENV[0]} (or {SIGNING_KEY_ENV[1]}), never from a file or argument.",
    )
    sign.add_argument("--in", dest="input", type=Path, required=True, help="index.json")
    sign.add_argument("--out", type=Path, required=True, help="where to write index.json.sig")
    sign.set_defaults(func=_cmd_sign)

    verify = sub.add_parser(
        "verify",
        help="check index.json against its signature with the trusted public keys",
        description=f"Exit 1 unless one trusted key verifies the signature over the exact "
        f"bytes and the index then parses. Keys: --pub, else ${PUBLIC_KEY_ENV} "
        "(comma-separated).",
    )
    verify.add_argument("--in", dest="input", required=True, help="index.json (path or URL)")
    verify.add_argument("--sig", default=None, help="signature (default <in>.sig)")
    verify.add_argument(
        "--pub", action="append", metavar="HEX|FILE",
        help="trusted public key or key file; repeat for key rotation",
    )
    verify.set_defaults(func=_cmd_verify)

    resolve = sub.add_parser(
        "resolve",
        help="fetch and verify an index, then print the manifest a ref resolves to",
        description="REF is name (latest), name@version or sha256:<digest>. The index is "
        "verified before parsing, refused when stale, and, with --state, when older than "
        "the last one accepted (rollback).",
    )
    resolve.add_argument("ref", metavar="REF")
    resolve.add_argument("--index", required=True, help="index.json URL (https) or path")
    resolve.add_argument("--sig", default=None, help="signature URL or path (default <index>.sig)")
    resolve.add_argument(
        "--pub", action="append", metavar="HEX|FILE",
        help=f"trusted public key or key file (default ${PUBLIC_KEY_ENV})",
    )
    resolve.add_argument(
        "--state", type=Path, default=None,
        help="rollback state file remembering the last accepted index (default: none)",
    )
    resolve.add_argument(
        "--max-age-days", type=float, default=14.0,
        help="refuse an index older than this many days (default 14; 0 disables)",
    )
    resolve.set_defaults(func=_cmd_resolve)

# --- maintainer commands (registry.images.buildargs, registry.images.pin, registry.review.diff) ---

EXIT_ESCALATES = 3


def _cmd_build_args(args: argparse.Namespace) -> int:
    from registry.errors import LintFailed
    from registry.images.buildargs import build_args, manifest_at, render_build_args
    from registry.lint.report import render_text

    try:
        manifest = manifest_at(args.path)
    except LintFailed as failed:
        sys.stderr.write(render_text(failed.findings, 0, github=_in_github_actions()))
        raise
    _out(render_build_args(build_args(manifest)))
    return 0


def _cmd_pin(args: argparse.Namespace) -> int:
    from registry.images.pin import pin_digest
    from registry.review.against import parse_server_ref

    name, version = parse_server_ref(args.ref)
    result = pin_digest(args.root, name, version, args.digest)
    if result.changed:
        _out(f"pinned {result.ref}: image.digest {result.new_digest} (was {result.old_digest})\n")
    else:
        _out(f"{result.ref} already pins {result.new_digest}\n")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    import json

    from registry.review.against import diff_refs, render_review, review_against
    from registry.review.diff import render_markdown, render_text, to_json

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


def _add_site(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from registry.cli.site import add_parsers

    add_parsers(sub)


def _add_publish(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from registry.cli.publish import add_parser

    add_parser(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registryctl",
        description="Lint, index, sign, verify and publish the Gig'MCP registry.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_lint(sub)
    _add_index(sub)
    _add_maintainer(sub)
    _add_site(sub)
    _add_publish(sub)
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


