"""Invoke tasks: thin wrappers over ``registryctl`` and the library.

Each task passes its arguments to one command or function and turns a failure
into an exit status. Run ``invoke --list`` for the list.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

ROOT = Path(__file__).resolve().parent
LOCK_FILE = "requirements.lock"
LOCK_COMMAND = (
    "-m", "piptools", "compile", "--quiet", "--generate-hashes", "--strip-extras",
    "--allow-unsafe", "--all-build-deps", "--no-emit-index-url", "--no-emit-find-links",
    "--output-file", LOCK_FILE, "pyproject.toml",
)


def _registryctl(*args: str) -> None:
    from registry.cli import main

    code = main(list(args))
    if code:
        raise Exit(code=code)


@task(help={"root": "registry tree (default .)", "format": "text or json"})
def lint(c: Context, root: str = ".", format: str = "text") -> None:
    """Lint every manifest, toolspec, the denylist, the policy and CATALOG.md."""
    _registryctl("lint", "--root", root, "--format", format)


@task(
    help={
        "no_browser": "skip the Playwright browser tests",
        "k": "pytest -k expression",
    }
)
def test(c: Context, no_browser: bool = False, k: str = "") -> None:
    """The full test suite: ruff, mypy --strict, then pytest (browser tests included)."""
    python = sys.executable
    with c.cd(str(ROOT)):
        c.run(f"{python} -m ruff check .", pty=False)
        c.run(f"{python} -m mypy", pty=False)
        args = ["-m", "pytest"]
        if no_browser:
            args += ["-m", "not browser"]
        if k:
            args += ["-k", repr(k)]
        c.run(f"{python} {' '.join(args)}", pty=False)


@task(
    help={
        "reference": "path of the reference catalog (default ../shared/reference-catalog)",
        "servers": "size of the synthetic lint catalog (default 2000)",
        "site": "also build sites and measure them (default on)",
        "large": "also the reference copied 45 times (9,945 servers; about 10 minutes)",
        "reader": "measure a reader in Chromium (default on)",
        "preview": "measure registryctl serve (default on)",
        "report": "also write the report to this file",
    }
)
def bench(
    c: Context, reference: str = "", servers: int = 2000, site: bool = True, large: bool = False,
    reader: bool = True, preview: bool = True, report: str = "",
) -> None:
    """Measure lint, index, site builds, a reader's cost and the preview; print a report."""
    from benchmarks.bench import run

    run(
        reference=Path(reference) if reference else ROOT.parent / "shared" / "reference-catalog",
        synthetic_servers=servers,
        include_site=site,
        large=large,
        reader=reader,
        preview=preview,
        report_file=Path(report) if report else None,
    )


@task(help={"upgrade": "move every pin to the newest release pyproject.toml allows"})
def lock(c: Context, upgrade: bool = False) -> None:
    """Regenerate requirements.lock: the runtime dependencies and setuptools, with hashes."""
    # Only PyPI: a machine's own pip configuration (mirrors, find-links) stays out of the lock.
    env = {"CUSTOM_COMPILE_COMMAND": "invoke lock", "PIP_CONFIG_FILE": os.devnull,
           "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": "", "PIP_INDEX_URL": "https://pypi.org/simple"}
    args = [sys.executable, *LOCK_COMMAND, *(["--upgrade"] if upgrade else [])]
    with c.cd(str(ROOT)):
        c.run(shlex.join(args), env=env, pty=False)


@task(help={"path": "manifests/<name> (latest version) or manifests/<name>/<version>.yaml"})
def build_args(c: Context, path: str) -> None:
    """Lint, then print a manifest's image build arguments as KEY=value lines."""
    _registryctl("build-args", path)


@task(
    help={
        "ref": "NAME@VERSION",
        "digest": "sha256:<64 hex>",
        "root": "registry tree (default .)",
    }
)
def pin(c: Context, ref: str, digest: str, root: str = ".") -> None:
    """Pin a built image's digest into its manifest; restored if lint then fails."""
    _registryctl("pin", ref, digest, "--root", root)


@task(
    help={
        "old": "NAME@OLD (with new)",
        "new": "NAME@NEW (with old)",
        "against": "git ref: diff every manifest changed since it",
        "root": "registry tree (default .)",
        "format": "text, json or markdown",
    }
)
def diff(
    c: Context,
    old: str = "",
    new: str = "",
    against: str = "",
    root: str = ".",
    format: str = "text",
) -> None:
    """Entitlement diff of OLD and NEW, or --against a git ref; exit 3 on escalation."""
    args = ["diff", "--root", root, "--format", format]
    if against:
        args += ["--against", against]
    _registryctl(*args, *(ref for ref in (old, new) if ref))


@task(
    help={
        "root": "registry tree (default .)",
        "out": "output directory (default ROOT/dist)",
        "site_url": "the site's public URL (default $GIG_SITE_URL)",
    }
)
def build(c: Context, root: str = ".", out: str = "", site_url: str = "") -> None:
    """Main job: lint, index.json, signature ($GIG_INDEX_SIGNING_KEY), CATALOG.md, site."""
    args = ["build", "--root", root]
    args += ["--out", out] if out else []
    args += ["--site-url", site_url] if site_url else []
    _registryctl(*args)


@task(help={"root": "registry tree (default .)", "check": "only check, exit 1 when stale"})
def catalog(c: Context, root: str = ".", check: bool = False) -> None:
    """Regenerate CATALOG.md from the manifests (or --check that it is up to date)."""
    _registryctl("catalog", "--root", root, *(["--check"] if check else []))


@task(help={"root": "registry tree (default .)", "dev_addr": "HOST:PORT (default 127.0.0.1:8000)"})
def serve(c: Context, root: str = ".", dev_addr: str = "127.0.0.1:8000") -> None:
    """Preview the site with live reload, also when a manifest or toolspec changes."""
    _registryctl("serve", "--root", root, "--dev-addr", dev_addr)


@task(
    help={
        "ref": "NAME or NAME@VERSION",
        "root": "registry tree (default .)",
        "namespace": "reverse-DNS namespace, e.g. io.github.OWNER (default: from the site URL)",
        "site_url": "the site's public address (default $GIG_SITE_URL)",
    }
)
def export_server_json(
    c: Context, ref: str, root: str = ".", namespace: str = "", site_url: str = ""
) -> None:
    """Print one version as an official MCP Registry server.json, as /v0.1/ serves it."""
    args = ["export-server-json", ref, "--root", root]
    if namespace:
        args += ["--namespace", namespace]
    if site_url:
        args += ["--site-url", site_url]
    _registryctl(*args)


@task(help={"root": "registry tree (default .)", "out": "output file (default dist/index.json)"})
def index(c: Context, root: str = ".", out: str = "dist/index.json") -> None:
    """Lint, then build index.json (generated from SOURCE_DATE_EPOCH when set)."""
    _registryctl("build-index", "--root", root, "--out", out)


@task(help={"path": "index to sign (default dist/index.json)", "out": "default <path>.sig"})
def sign(c: Context, path: str = "dist/index.json", out: str = "") -> None:
    """Sign the index with the private key in $GIG_INDEX_SIGNING_KEY."""
    _registryctl("sign", "--in", path, "--out", out or f"{path}.sig")


@task(
    help={
        "path": "index path or URL (default dist/index.json)",
        "sig": "signature (default <path>.sig)",
        "pub": "trusted public key hex or key file (default $GIG_REGISTRY_PUBKEY)",
    }
)
def verify(c: Context, path: str = "dist/index.json", sig: str = "", pub: str = "") -> None:
    """Verify the index signature with the trusted public key(s)."""
    args = ["verify", "--in", path]
    if sig:
        args += ["--sig", sig]
    if pub:
        args += ["--pub", pub]
    _registryctl(*args)


@task(help={"write_public": "also write the public key to this file (keys/registry.pub)"})
def keygen(c: Context, write_public: str = "") -> None:
    """Print a new ed25519 key pair (the private half goes into the repo secret only)."""
    _registryctl("keygen", *(["--write-public", write_public] if write_public else []))


@task(
    help={
        "ref": "name, name@version or sha256:<digest>",
        "index": "index URL or path (default dist/index.json)",
        "pub": "trusted public key hex or key file (default $GIG_REGISTRY_PUBKEY)",
        "state": "rollback state file (default: none)",
        "max_age_days": "refuse an older index (default 14; 0 disables)",
    }
)
def resolve(
    c: Context,
    ref: str,
    index: str = "dist/index.json",
    pub: str = "",
    state: str = "",
    max_age_days: float = 14.0,
) -> None:
    """Fetch and verify an index, then print the manifest REF resolves to."""
    args = ["resolve", ref, "--index", index, "--max-age-days", str(max_age_days)]
    if pub:
        args += ["--pub", pub]
    if state:
        args += ["--state", state]
    _registryctl(*args)


@task(
    help={
        "repo": "OWNER/NAME for the release (default $GITHUB_REPOSITORY)",
        "pages_remote": "git remote URL for gh-pages (default $GIG_PAGES_REMOTE)",
        "skip_release": "do not touch GitHub Releases",
        "skip_pages": "do not push gh-pages",
        "no_build": "publish dist/ as already built (still linted and verified)",
        "dry_run": "run every check, build aside, print the plan, change nothing",
        "root": "registry tree (default .)",
    }
)
def publish(
    c: Context,
    repo: str = "",
    pages_remote: str = "",
    skip_release: bool = False,
    skip_pages: bool = False,
    no_build: bool = False,
    dry_run: bool = False,
    root: str = ".",
) -> None:
    """Lint, build, sign, verify, release index.json + .sig atomically, push the site."""
    args = ["publish", "--root", root]
    args += ["--repo", repo] if repo else []
    args += ["--pages-remote", pages_remote] if pages_remote else []
    flags = {"--skip-release": skip_release, "--skip-pages": skip_pages,
             "--no-build": no_build, "--dry-run": dry_run}
    args += [flag for flag, on in flags.items() if on]
    _registryctl(*args)
