"""``registryctl export-server-json``: one version as the official MCP Registry's server.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from registry.cli.environment import Environment
from registry.cli.output import err, findings_text, out
from registry.cli.types import Subparsers
from registry.errors import RegistryError
from registry.layout import SITE_URL_ENV


def run_export_server_json(args: argparse.Namespace, env: Environment) -> int:
    import json

    from registry.export.serverjson import Origin, choose_namespace, server_json_bytes
    from registry.layout import is_name, parse_server_ref
    from registry.lint.runner import lint_paths

    ref: str = args.ref
    name, version = parse_server_ref(ref) if "@" in ref else (ref, "")
    if not is_name(name):
        raise RegistryError(f"{ref[:80]!r}: expected NAME or NAME@VERSION, e.g. linear@0.1.0")
    site_url = args.site_url or env.site_url or ""
    namespace = choose_namespace(args.namespace or "", site_url)
    if not namespace:
        raise RegistryError(
            f"no namespace: pass --namespace io.github.OWNER, or a site URL (--site-url, "
            f"${SITE_URL_ENV}) to take it from"
        )
    origin = Origin(namespace, site_url)
    result = lint_paths(args.root)
    if result.findings:
        err(findings_text(result.findings, result.files, github=env.github_actions))
    if result.failed:
        return 1
    registry = result.registry
    versions = registry.servers.get(name)
    if not versions:
        raise RegistryError(f"no server {name!r} in {args.root}")
    entry = registry.manifest(name, version) if version else versions[-1]
    if entry is None:
        shown = ", ".join(v.manifest.version for v in versions)
        raise RegistryError(f"{name} has no version {version} (it has {shown})")
    data = server_json_bytes(registry, entry, origin)
    out(json.dumps(json.loads(data), indent=2, ensure_ascii=False) + "\n")
    return 0


def add_parsers(sub: Subparsers) -> None:
    export = sub.add_parser(
        "export-server-json",
        help="print one version as the official MCP Registry's server.json",
        description="Lint the tree, then print NAME's latest version (or NAME@VERSION) as a "
        "server.json of the 2025-12-11 schema, as the site's /v0.1/ API serves it: named "
        "NAMESPACE/NAME, with the entitlements under _meta. Only an entrusted, installable "
        "version has packages[].",
        epilog=f"environment: {SITE_URL_ENV} (the default --site-url).",
    )
    export.add_argument("ref", metavar="NAME[@VERSION]")
    export.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    export.add_argument(
        "--namespace", default=None, metavar="NS",
        help="reverse-DNS namespace of the name (default: from the site URL, "
        "https://OWNER.github.io/... -> io.github.OWNER)",
    )
    export.add_argument(
        "--site-url", default=None, metavar="URL",
        help=f"the site's public address, for websiteUrl (default ${SITE_URL_ENV})",
    )
    export.set_defaults(func=run_export_server_json)
