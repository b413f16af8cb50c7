"""``registryctl publish``: arguments and environment in, one :func:`publish` call.

This is the edge: the token, API URL, signing key, SOURCE_DATE_EPOCH and the
clock are read here and passed in. The signing key is handed to the build and
never printed; the token only to the GitHub client.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from registry.errors import LintFailed, PublishError
from registry.publish.checks import head_commit
from registry.publish.github import DEFAULT_API_URL
from registry.publish.pipeline import PublishRequest, ReleaseTarget, publish
from registry.publish.release import KEEP_RELEASES

SIGNING_KEY_ENV = ("GIG_INDEX_SIGNING_KEY", "GIG_SIGNING_KEY")
TOKEN_ENV = ("GITHUB_TOKEN", "GH_TOKEN")
PAGES_REMOTE_ENV = "GIG_PAGES_REMOTE"
SITE_URL_ENV = "GIG_SITE_URL"


def _env(*names: str) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``publish`` on ``registryctl``'s subcommands."""
    parser = sub.add_parser(
        "publish",
        help="lint, build, sign, verify, then release index.json + .sig and push the site",
        description="Publish the registry: lint -> build (signed with $GIG_INDEX_SIGNING_KEY) "
        "-> verify against keys/registry.pub -> a new GitHub release index-<generated> with "
        "index.json and index.json.sig, made latest only once both are uploaded and "
        "verified -> dist/site to the gh-pages branch of the Pages remote. Refuses a dirty "
        "tree, failing lint, and an unsigned or unverifiable index.",
        epilog="environment: GITHUB_TOKEN or GH_TOKEN (contents: write), GITHUB_API_URL "
        f"(default {DEFAULT_API_URL}), GITHUB_REPOSITORY, {SIGNING_KEY_ENV[0]}, "
        f"SOURCE_DATE_EPOCH, {PAGES_REMOTE_ENV}, {SITE_URL_ENV}, GITHUB_SHA.",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="registry tree (default .)")
    parser.add_argument("--dist", type=Path, default=None, help="build output (default ROOT/dist)")
    parser.add_argument("--repo", default=None, metavar="OWNER/NAME",
                        help="repository for the release (default $GITHUB_REPOSITORY)")
    parser.add_argument("--pages-remote", default=None, metavar="URL",
                        help=f"git remote for the gh-pages branch (default ${PAGES_REMOTE_ENV})")
    parser.add_argument("--site-url", default=None,
                        help=f"the site's public URL (default ${SITE_URL_ENV} or mkdocs.yml)")
    parser.add_argument("--config", type=Path, default=None, metavar="MKDOCS_YML",
                        help="site configuration (default ROOT/mkdocs.yml)")
    parser.add_argument("--skip-release", action="store_true", help="do not touch Releases")
    parser.add_argument("--skip-pages", action="store_true",
                        help="do not push gh-pages (the workflow deploys Pages itself)")
    parser.add_argument("--no-build", action="store_true",
                        help="publish the signed dist/ as already built (CI builds in an "
                        "earlier job); it is still linted and verified")
    parser.add_argument("--dry-run", action="store_true",
                        help="run every check, build aside, print the plan, change nothing")
    parser.add_argument("--keep", type=int, default=KEEP_RELEASES,
                        help=f"index releases to keep (default {KEEP_RELEASES})")
    parser.set_defaults(func=run)


def request_from(args: argparse.Namespace, *, now: datetime) -> PublishRequest:
    """The :class:`PublishRequest` for parsed arguments and the current environment."""
    root: Path = args.root
    release = None
    if not args.skip_release:
        repo = args.repo or os.environ.get("GITHUB_REPOSITORY")
        if not repo:
            raise PublishError(
                "no repository for the release: pass --repo OWNER/NAME (or set "
                "GITHUB_REPOSITORY), or --skip-release"
            )
        release = ReleaseTarget(
            repo, _env(*TOKEN_ENV), api_url=os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
        )
    pages_remote = None
    if not args.skip_pages:
        pages_remote = args.pages_remote or os.environ.get(PAGES_REMOTE_ENV)
        if not pages_remote:
            raise PublishError(
                f"no Pages remote: pass --pages-remote URL (or set {PAGES_REMOTE_ENV}), "
                "or --skip-pages"
            )
    return PublishRequest(
        root=root,
        dist=args.dist or root / "dist",
        now=now,
        signing_key=_env(*SIGNING_KEY_ENV),
        source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"),
        site_url=args.site_url or os.environ.get(SITE_URL_ENV),
        release=release,
        pages_remote=pages_remote,
        target_commitish=os.environ.get("GITHUB_SHA") or head_commit(root),
        config_file=args.config,
        build=not args.no_build,
        dry_run=args.dry_run,
        keep=args.keep,
    )


def run(args: argparse.Namespace) -> int:
    """``registryctl publish``; a refusal raises a ``RegistryError`` for the CLI to print."""
    from registry.lint.report import github_annotation

    request = request_from(args, now=datetime.now(UTC))
    try:
        report = publish(request, log=_print)
    except LintFailed as failure:
        for finding in sorted(failure.findings):
            sys.stderr.write(finding.format() + "\n")
            if os.environ.get("GITHUB_ACTIONS") == "true":
                sys.stderr.write(github_annotation(finding) + "\n")
        raise
    for warning in report.warnings:
        sys.stderr.write(f"registryctl: warning: {warning}\n")
    if request.dry_run:
        _print("dry run: nothing was changed")
        return 0
    if report.release is not None:
        _print(f"released {report.release.tag} as latest: {report.release.html_url}")
    if report.pages is not None:
        _print(f"pages: {report.pages.branch} at {report.pages.commit}")
    return 0
