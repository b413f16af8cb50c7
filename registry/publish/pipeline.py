"""The whole publish, for ``registryctl publish`` / ``invoke publish``.

lint → build (index, signature, site) → verify against the committed public
keys → release (draft, upload, verify, publish as latest, prune) → Pages.
Each gate refuses with a clear message before anything is written remotely;
``dry_run`` runs every gate, builds into a temporary directory, asks GitHub
and the Pages remote read-only questions, and prints the plan.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from registry.errors import LintFailed, PublishError
from registry.git import redact
from registry.index.build import format_generated
from registry.layout import GITHUB_TOKEN_ENV, PUBLIC_KEYS_FILE, SIGNING_KEY_ENV, SITE_DIR
from registry.publish.checks import (
    read_public_keys,
    read_signed_dist,
    require_clean_tree,
)
from registry.publish.github import DEFAULT_API_URL, GitHubClient
from registry.publish.pages import PagesResult, count_files, push_site, remote_tip
from registry.publish.progress import Log, quiet
from registry.publish.release import (
    KEEP_RELEASES,
    ReleaseResult,
    SignedIndex,
    plan_release,
    publish_release,
    verified_index,
)


@dataclass(frozen=True)
class ReleaseTarget:
    """Where releases go: ``OWNER/NAME`` on the API at ``api_url``, with ``token``."""

    repo: str
    token: str | None
    api_url: str = DEFAULT_API_URL

    def __repr__(self) -> str:  # never show the token
        return f"ReleaseTarget(repo={self.repo!r}, api_url={self.api_url!r})"


@dataclass(frozen=True)
class PublishRequest:
    """Everything a publish needs; the CLI reads environment and clock into it."""

    root: Path
    dist: Path
    now: datetime
    signing_key: str | None = field(default=None, repr=False)
    source_date_epoch: str | None = None
    site_url: str | None = None
    release: ReleaseTarget | None = None
    pages_remote: str | None = None
    target_commitish: str | None = None
    public_keys_file: Path | None = None
    config_file: Path | None = None
    """mkdocs.yml to build the site with (default ``root/mkdocs.yml``)."""
    build: bool = True
    dry_run: bool = False
    keep: int = KEEP_RELEASES


@dataclass
class PublishReport:
    """What happened (or, for a dry run, what would)."""

    signed: SignedIndex | None = None
    plan: list[str] = field(default_factory=list)
    release: ReleaseResult | None = None
    pages: PagesResult | None = None

    @property
    def warnings(self) -> list[str]:
        return list(self.release.warnings) if self.release else []


def _lint(root: Path) -> int:
    from registry.lint.runner import lint_paths
    from registry.render.catalog import catalog_findings

    result = lint_paths(root, catalog_check=catalog_findings)
    if result.failed:
        raise LintFailed(result.findings)
    return len(result.registry.manifests)


def _build(request: PublishRequest, out: Path) -> None:
    from registry.build import build

    if not request.signing_key:
        raise PublishError(
            f"{SIGNING_KEY_ENV} is not set: refusing to publish an unsigned index"
        )
    build(
        request.root,
        out,
        signing_key=request.signing_key,
        source_date_epoch=request.source_date_epoch,
        now=request.now,
        site_url=request.site_url,
        config_file=request.config_file,
    )


def _check_targets(request: PublishRequest) -> None:
    if request.keep < 1:
        raise PublishError("keep must be at least 1: the release just made is always kept")
    if request.release is not None and not request.release.token and not request.dry_run:
        raise PublishError(
            f"no GitHub token: set {' or '.join(GITHUB_TOKEN_ENV)} (contents: write), "
            "or skip the release with --skip-release"
        )


def publish(request: PublishRequest, *, log: Log = quiet) -> PublishReport:
    """Run the publish described by ``request``; raise a ``RegistryError`` on refusal."""
    report = PublishReport()
    keys_file = request.public_keys_file or request.root / PUBLIC_KEYS_FILE
    public_keys = read_public_keys(keys_file)
    _check_targets(request)
    require_clean_tree(request.root)
    manifests = _lint(request.root)
    log(f"lint: ok ({manifests} manifests)")
    # Read the Pages tip before anything is released: it is the push's lease, and an
    # unreachable remote stops the publish while nothing has changed yet.
    pages_tip = remote_tip(request.pages_remote) if request.pages_remote is not None else None

    with tempfile.TemporaryDirectory(prefix="gigmcp-dry-run-") as scratch:
        dist = request.dist
        if request.build:
            # A dry run builds aside, so it writes nothing the user keeps.
            dist = Path(scratch) / "dist" if request.dry_run else request.dist
            _build(request, dist)
            log(f"build: {dist}")
        index, signature = read_signed_dist(dist)
        signed = verified_index(index, signature, public_keys)
        report.signed = signed
        log(
            f"verify: index.json ({len(index)} bytes, sha256 {signed.sha256}, generated "
            f"{format_generated(signed.generated)}) verifies with {keys_file}"
        )
        site = dist / SITE_DIR
        if request.pages_remote is not None and not (site / "index.html").is_file():
            # Refuse before releasing rather than fail halfway.
            raise PublishError(f"{site} has no index.html: build the site before publishing it")
        if request.dry_run:
            _plan(request, signed, site, pages_tip, report, log)
            return report
        if request.release is not None:
            client = GitHubClient(
                request.release.repo, request.release.token, api_url=request.release.api_url
            )
            report.release = publish_release(
                client,
                signed,
                public_keys,
                target_commitish=request.target_commitish,
                keep=request.keep,
                log=log,
            )
        if request.pages_remote is not None:
            report.pages = push_site(
                site,
                request.pages_remote,
                generated=signed.generated,
                message=f"Publish site for index {signed.tag}",
                expected_tip=pages_tip,
                log=log,
            )
    return report


def _plan(
    request: PublishRequest,
    signed: SignedIndex,
    site: Path,
    pages_tip: str | None,
    report: PublishReport,
    log: Log,
) -> None:
    plan = report.plan
    if request.release is not None:
        target = request.release
        steps = (
            f"create draft release {signed.tag} in {target.repo}"
            + (f" at {request.target_commitish}" if request.target_commitish else "")
            + f", upload index.json ({len(signed.index)} bytes) and index.json.sig, "
            "download both back and verify, then publish it as latest"
        )
        if target.token:
            client = GitHubClient(target.repo, target.token, api_url=target.api_url)
            found = plan_release(client, signed, keep=request.keep)
            plan.append(f"release: {steps} (now latest: {found.latest_before or 'none'}; "
                        f"existing {signed.tag}: {found.existing})")
            plan.append(
                "prune: " + (", ".join(found.prune) if found.prune else "nothing")
                + f" (keep the newest {request.keep} index releases)"
            )
        else:
            plan.append(f"release: {steps} (GitHub not queried: no token)")
    else:
        plan.append("release: skipped")
    if request.pages_remote is not None:
        tip = pages_tip
        plan.append(
            f"pages: push {count_files(site) if site.is_dir() else 0} files of the site "
            f"as one commit to gh-pages of {redact(request.pages_remote)} "
            f"(now at {tip[:12] if tip else 'no branch'})"
        )
    else:
        plan.append("pages: skipped")
    for line in plan:
        log(f"plan: {line}")
