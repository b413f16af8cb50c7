"""``registryctl publish``: arguments and environment in, one :func:`publish` call.

The token, API URL, signing key and SOURCE_DATE_EPOCH come from the
:class:`Environment`, the clock is read here. The signing key is handed to the
build and never printed; the token only to the GitHub client.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from registry.cli.environment import Environment
from registry.cli.output import err, out
from registry.cli.types import Subparsers
from registry.errors import LintFailed, PublishError
from registry.layout import (
    DEFAULT_GITHUB_API_URL,
    DIST_DIR,
    GITHUB_API_URL_ENV,
    GITHUB_REPOSITORY_ENV,
    GITHUB_SHA_ENV,
    GITHUB_TOKEN_ENV,
    PAGES_REMOTE_ENV,
    PUBLIC_KEYS_FILE,
    RELEASES_KEPT,
    SIGNING_KEY_ENV,
    SITE_URL_ENV,
    SOURCE_DATE_EPOCH_ENV,
)

if TYPE_CHECKING:
    from registry.publish.pipeline import PublishRequest


def _print(line: str) -> None:
    out(line + "\n")


def add_parsers(sub: Subparsers) -> None:
    """Register ``publish`` on ``registryctl``'s subcommands."""
    parser = sub.add_parser(
        "publish",
        help="lint, build, sign, verify, then release index.json + .sig and push the site",
        description=f"Publish the registry: lint -> build (signed with ${SIGNING_KEY_ENV}) "
        f"-> verify against {PUBLIC_KEYS_FILE} -> a new GitHub release index-<generated> with "
        "index.json and index.json.sig, made latest only once both are uploaded and "
        "verified -> dist/site to the gh-pages branch of the Pages remote. Refuses a dirty "
        "tree, failing lint, and an unsigned or unverifiable index.",
        epilog=f"environment: {' or '.join(GITHUB_TOKEN_ENV)} (contents: write), "
        f"{GITHUB_API_URL_ENV} (default {DEFAULT_GITHUB_API_URL}), {GITHUB_REPOSITORY_ENV}, "
        f"{SIGNING_KEY_ENV}, {SOURCE_DATE_EPOCH_ENV}, {PAGES_REMOTE_ENV}, {SITE_URL_ENV}, "
        f"{GITHUB_SHA_ENV}.",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    parser.add_argument(
        "--dist", type=Path, default=None, help=f"build output (default ROOT/{DIST_DIR})"
    )
    parser.add_argument(
        "--repo",
        default=None,
        metavar="OWNER/NAME",
        help=f"repository for the release (default ${GITHUB_REPOSITORY_ENV})",
    )
    parser.add_argument(
        "--pages-remote",
        default=None,
        metavar="URL",
        help=f"git remote for the gh-pages branch (default ${PAGES_REMOTE_ENV})",
    )
    parser.add_argument(
        "--site-url",
        default=None,
        help=f"the site's public URL (default ${SITE_URL_ENV} or mkdocs.yml)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="MKDOCS_YML",
        help="site configuration (default ROOT/mkdocs.yml)",
    )
    parser.add_argument("--skip-release", action="store_true", help="do not touch Releases")
    parser.add_argument(
        "--skip-pages",
        action="store_true",
        help="do not push gh-pages (the workflow deploys Pages itself)",
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="publish the signed dist/ as already built (CI builds in an "
        "earlier job); it is still linted and verified",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="run every check, build aside, print the plan, change nothing",
    )
    parser.add_argument(
        "--keep",
        type=int,
        default=RELEASES_KEPT,
        help=f"index releases to keep (default {RELEASES_KEPT})",
    )
    parser.set_defaults(func=run)


def request_from(args: argparse.Namespace, env: Environment, *, now: datetime) -> PublishRequest:
    """The :class:`PublishRequest` for parsed arguments and the environment."""
    from registry.publish.checks import head_commit
    from registry.publish.pipeline import PublishRequest, ReleaseTarget

    root: Path = args.root
    release = None
    if not args.skip_release:
        repo = args.repo or env.github_repository
        if not repo:
            raise PublishError(
                "no repository for the release: pass --repo OWNER/NAME (or set "
                f"{GITHUB_REPOSITORY_ENV}), or --skip-release"
            )
        release = ReleaseTarget(repo, env.github_token, api_url=env.github_api_url)
    pages_remote = None
    if not args.skip_pages:
        pages_remote = args.pages_remote or env.pages_remote
        if not pages_remote:
            raise PublishError(
                f"no Pages remote: pass --pages-remote URL (or set {PAGES_REMOTE_ENV}), "
                "or --skip-pages"
            )
    return PublishRequest(
        root=root,
        dist=args.dist or root / DIST_DIR,
        now=now,
        signing_key=env.optional_signing_key(),
        source_date_epoch=env.source_date_epoch,
        site_url=args.site_url or env.site_url,
        release=release,
        pages_remote=pages_remote,
        target_commitish=env.github_sha or head_commit(root),
        config_file=args.config,
        build=not args.no_build,
        dry_run=args.dry_run,
        keep=args.keep,
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    """``registryctl publish``; a refusal raises a ``RegistryError`` for the CLI to print."""
    from datetime import UTC

    from registry.lint.report import github_annotation
    from registry.publish.pipeline import publish

    request = request_from(args, env, now=datetime.now(UTC))
    try:
        report = publish(request, log=_print)
    except LintFailed as failure:
        for finding in sorted(failure.findings):
            err(finding.format() + "\n")
            if env.github_actions:
                err(github_annotation(finding) + "\n")
        raise
    for warning in report.warnings:
        err(f"registryctl: warning: {warning}\n")
    if request.dry_run:
        _print("dry run: nothing was changed")
        return 0
    if report.release is not None:
        _print(f"released {report.release.tag} as latest: {report.release.html_url}")
    if report.pages is not None:
        _print(f"pages: {report.pages.branch} at {report.pages.commit}")
    return 0
