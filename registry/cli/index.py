"""``registryctl build-index``, ``keygen``, ``sign``, ``verify`` and ``resolve``."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from registry.cli.environment import Environment
from registry.cli.output import err, findings_text, out, write_output
from registry.cli.types import Subparsers
from registry.errors import KeyFormatError
from registry.layout import (
    MAX_INDEX_AGE_DAYS,
    PUBLIC_KEY_ENV,
    PUBLIC_KEYS_FILE,
    SIGNING_KEY_ENV,
    SIGNING_KEY_ENV_ALIASES,
)

_PUBLIC_HEX = re.compile(r"[0-9a-fA-F]{64}")
_ANY_HEX = re.compile(r"[0-9a-fA-F]+")
_MAX_KEY_FILE_BYTES = 64 * 1024


def public_keys(values: list[str] | None, env: Environment) -> list[str]:
    """Trusted keys from ``--pub HEX|FILE`` options, else from $GIG_REGISTRY_PUBKEY."""
    from registry.errors import FileRefused
    from registry.fileio import read_bounded
    from registry.signing import trusted_keys

    if not values:
        keys = trusted_keys(env.public_keys, PUBLIC_KEY_ENV)
        if not keys:
            raise KeyFormatError(
                f"no trusted public key: pass --pub HEX|FILE or set {PUBLIC_KEY_ENV}"
            )
        return keys
    keys = []
    for number, value in enumerate(values, start=1):
        if _PUBLIC_HEX.fullmatch(value.strip()):
            keys.extend(trusted_keys(value, f"--pub #{number}"))
            continue
        try:
            text = read_bounded(Path(value), _MAX_KEY_FILE_BYTES, follow_links=True).decode("ascii")
        except (FileRefused, UnicodeDecodeError):
            # A hex value may be a private key passed by mistake: never echo it.
            shown = f"#{number}" if _ANY_HEX.fullmatch(value) else repr(value)
            raise KeyFormatError(
                f"--pub {shown} is neither a 64-hex-character public key nor a readable key file"
            ) from None
        keys.extend(trusted_keys(text, value))
    return keys


def run_build_index(args: argparse.Namespace, env: Environment) -> int:
    from datetime import UTC, datetime

    from registry.index.build import build_index, format_generated, generated_time
    from registry.lint.runner import lint_paths

    result = lint_paths(args.root)
    if result.findings:
        err(findings_text(result.findings, result.files, github=env.github_actions))
    if result.failed:
        return 1
    generated = generated_time(env.source_date_epoch, datetime.now(UTC))
    manifests = [entry.manifest for entry in result.registry.manifests]
    write_output(args.out, build_index(manifests, generated))
    servers = len(result.registry.servers)
    out(
        f"wrote {args.out}: {servers} server{'s' if servers != 1 else ''}, "
        f"{len(manifests)} manifests, generated {format_generated(generated)}\n"
    )
    return 0


def run_keygen(args: argparse.Namespace, env: Environment) -> int:
    from registry.signing import generate_keypair

    public, private = generate_keypair()
    if args.write_public is not None:
        # Only the public half is ever written; the private half is shown once, below.
        write_output(args.write_public, f"{public}\n".encode("ascii"))
        err(
            f"registryctl: wrote the public key to {args.write_public}; store the private "
            f"key now as the {SIGNING_KEY_ENV} secret: it is not saved anywhere\n"
        )
    out(f"public: {public}\nprivate: {private}\n")
    return 0


def run_sign(args: argparse.Namespace, env: Environment) -> int:
    from registry.gateway.fetch import DEFAULT_MAX_INDEX_BYTES, fetch
    from registry.signing import public_key_of, sign_index

    key = env.require_signing_key()
    raw = fetch(str(args.input), what="index", max_bytes=DEFAULT_MAX_INDEX_BYTES)
    write_output(args.out, sign_index(raw, key).encode("ascii"))
    out(f"signed {args.input} -> {args.out} with public key {public_key_of(key)}\n")
    return 0


def run_verify(args: argparse.Namespace, env: Environment) -> int:
    from registry.gateway.fetch import (
        DEFAULT_MAX_INDEX_BYTES,
        DEFAULT_MAX_SIG_BYTES,
        fetch,
        signature_location,
    )
    from registry.gateway.trust import decode_signature_file, verify_and_parse
    from registry.index.build import format_generated

    keys = public_keys(args.pub, env)
    raw = fetch(args.input, what="index", max_bytes=DEFAULT_MAX_INDEX_BYTES)
    sig_location = args.sig or signature_location(args.input)
    sig = fetch(sig_location, what="signature", max_bytes=DEFAULT_MAX_SIG_BYTES)
    index = verify_and_parse(raw, decode_signature_file(sig), keys)
    out(
        f"ok: {args.input} is signed by a trusted key ({sig_location}); "
        f"generated {format_generated(index.generated)}, {len(index.servers)} servers\n"
    )
    return 0


def run_resolve(args: argparse.Namespace, env: Environment) -> int:
    import json
    from datetime import UTC, datetime, timedelta

    from registry.gateway.resolve import resolve
    from registry.gateway.trust import load_trusted_index
    from registry.index.build import manifest_json

    max_age = timedelta(days=args.max_age_days) if args.max_age_days > 0 else None
    index = load_trusted_index(
        args.index,
        sig_url=args.sig,
        public_keys=public_keys(args.pub, env),
        state_path=args.state,
        now=datetime.now(UTC),
        max_age=max_age,
    )
    manifest = resolve(index, args.ref)
    out(json.dumps(json.loads(manifest_json(manifest)), indent=2, ensure_ascii=False) + "\n")
    return 0


def add_parsers(sub: Subparsers) -> None:
    build = sub.add_parser(
        "build-index",
        help="lint the tree, then write index.json (byte-compatible with the Go reference)",
        description="Lint first (nothing is written on errors), then write the index "
        "atomically. generated is SOURCE_DATE_EPOCH when set, else now.",
    )
    build.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    build.add_argument("--out", type=Path, required=True, help="where to write index.json")
    build.set_defaults(func=run_build_index)

    keygen = sub.add_parser(
        "keygen",
        help="print a new ed25519 key pair (public: 64 hex, private: 128 hex)",
        description="Print a fresh key pair to stdout. Store the private key as the "
        f"{SIGNING_KEY_ENV} secret; never commit it or write it to dist/.",
    )
    keygen.add_argument(
        "--write-public", type=Path, default=None, metavar="FILE",
        help=f"also write the public key to FILE ({PUBLIC_KEYS_FILE}); never the private key",
    )
    keygen.set_defaults(func=run_keygen)

    sign = sub.add_parser(
        "sign",
        help=f"sign index.json with the key in ${SIGNING_KEY_ENV}",
        description=f"Write the detached signature (hex + newline). The private key is read "
        f"from {SIGNING_KEY_ENV} (or {', '.join(SIGNING_KEY_ENV_ALIASES)}), never from a file "
        "or argument.",
    )
    sign.add_argument("--in", dest="input", type=Path, required=True, help="index.json")
    sign.add_argument("--out", type=Path, required=True, help="where to write index.json.sig")
    sign.set_defaults(func=run_sign)

    verify = sub.add_parser(
        "verify",
        help="check index.json against its signature with the trusted public keys",
        description="Exit 1 unless one trusted key verifies the signature over the exact "
        f"bytes and the index then parses. Keys: --pub, else ${PUBLIC_KEY_ENV} "
        "(comma-separated).",
    )
    verify.add_argument("--in", dest="input", required=True, help="index.json (path or URL)")
    verify.add_argument("--sig", default=None, help="signature (default <in>.sig)")
    verify.add_argument(
        "--pub", action="append", metavar="HEX|FILE",
        help="trusted public key or key file; repeat for key rotation",
    )
    verify.set_defaults(func=run_verify)

    resolve = sub.add_parser(
        "resolve",
        help="fetch and verify an index, then print the manifest a ref resolves to",
        description="REF is name (latest), name@version or sha256:<digest>. The index is "
        "verified before parsing, refused when stale or dated in the future, and, with "
        "--state, when older than the last one accepted (rollback).",
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
        "--max-age-days", type=float, default=float(MAX_INDEX_AGE_DAYS),
        help=f"refuse an index older than this many days (default {MAX_INDEX_AGE_DAYS}; "
        "0 disables)",
    )
    resolve.set_defaults(func=run_resolve)
