"""Invoke tasks: thin wrappers over ``registryctl`` and the library.

Each task passes its arguments to one command or function and turns a failure
into an exit status. Run ``invoke --list`` for the list.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

ROOT = Path(__file__).resolve().parent


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
        "servers": "size of the synthetic catalog (default 2000)",
        "site": "also time the site build",
    }
)
def bench(c: Context, reference: str = "", servers: int = 2000, site: bool = True) -> None:
    """Time lint, index and site builds on the reference and a synthetic catalog."""
    from benchmarks.bench import run

    run(
        reference=Path(reference) if reference else ROOT.parent / "shared" / "reference-catalog",
        synthetic_servers=servers,
        include_site=site,
    )



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
