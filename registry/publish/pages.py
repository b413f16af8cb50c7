"""Publishing ``dist/site`` to the ``gh-pages`` branch of a git remote.

The site is committed as one fresh, parentless commit (the branch never grows
a history of generated files) in a throw-away repository, and pushed with
``--force-with-lease`` against the tip read just before: if someone else moved
the branch meanwhile, the push is refused instead of overwriting their work.
Author and dates are fixed and derived from the index's ``generated`` time, so
the same site gives the same commit and a re-run is a no-op. Used by
``invoke publish`` from a workstation; the workflow deploys with GitHub's
Pages actions instead.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from registry.errors import GitError, PublishError
from registry.git import GIT_PUSH_TIMEOUT_SECONDS, redact, run_git
from registry.publish.progress import Log, quiet

PAGES_BRANCH = "gh-pages"
AUTHOR_NAME = "Gig'MCP registry publisher"
AUTHOR_EMAIL = "registry-publisher@users.noreply.github.com"
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")

@dataclass(frozen=True)
class PagesResult:
    """What the push did: the new tip, the one it replaced, and whether it changed."""

    remote: str
    branch: str
    commit: str
    previous: str | None
    files: int

    @property
    def changed(self) -> bool:
        return self.commit != self.previous


def _git_env(moment: datetime) -> dict[str, str]:
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return {
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }


def _git(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, what: str,
    timeout: float = GIT_PUSH_TIMEOUT_SECONDS,
) -> str:
    try:
        return run_git(args, cwd=cwd, env=env, what=what, timeout=timeout).decode(
            "utf-8", "replace"
        )
    except GitError as error:
        raise PublishError(str(error)) from None


def remote_tip(remote: str, branch: str = PAGES_BRANCH, *, cwd: Path | None = None) -> str | None:
    """The commit ``branch`` points at on ``remote``, or None when it does not exist."""
    out = _git(
        ["ls-remote", "--", remote, f"refs/heads/{branch}"],
        cwd=cwd or Path(tempfile.gettempdir()),
        what=f"reading {branch} of {redact(remote)}",
    )
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}" and _SHA.match(sha):
            return sha
    return None


def count_files(site: Path) -> int:
    return sum(1 for path in site.rglob("*") if path.is_file())


def push_site(
    site: Path,
    remote: str,
    *,
    generated: datetime,
    message: str,
    branch: str = PAGES_BRANCH,
    expected_tip: str | Literal["read"] | None = "read",
    log: Log = quiet,
) -> PagesResult:
    """Commit ``site`` (plus ``.nojekyll``) as the new tip of ``branch`` on ``remote``.

    ``expected_tip`` is the lease: the commit the branch must still point at
    (None: the branch must not exist yet). The publish pipeline reads it before
    it starts releasing; ``"read"`` reads it just before the push.
    """
    if not (site / "index.html").is_file():
        raise PublishError(f"{site} has no index.html: build the site before publishing it")
    shown = redact(remote)
    with tempfile.TemporaryDirectory(prefix="gigmcp-pages-") as scratch:
        work = Path(scratch) / "site"
        shutil.copytree(site, work, symlinks=False)
        # Without it GitHub Pages runs Jekyll, which drops files and folders starting with _.
        (work / ".nojekyll").write_bytes(b"")
        env = _git_env(generated)
        previous = remote_tip(remote, branch, cwd=work) if expected_tip == "read" else expected_tip
        _git(["init", "-q"], cwd=work, env=env, what="creating the pages commit")
        _git(["add", "-A", "--", "."], cwd=work, env=env, what="adding the site")
        _git(["commit", "-q", "--no-verify", "-m", message], cwd=work, env=env,
             what="committing the site")
        commit = _git(["rev-parse", "HEAD"], cwd=work, env=env, what="reading the commit").strip()
        files = count_files(work)
        if commit == previous:
            log(f"pages: {branch} of {shown} already holds this site ({commit[:12]})")
            return PagesResult(shown, branch, commit, previous, files)
        lease = f"--force-with-lease=refs/heads/{branch}:{previous or ''}"
        _git(
            ["push", "-q", "--no-verify", lease, "--", remote, f"HEAD:refs/heads/{branch}"],
            cwd=work,
            env=env,
            what=f"pushing {branch} to {shown} (did someone else push it meanwhile?)",
        )
        log(f"pages: pushed {files} files to {branch} of {shown} ({commit[:12]})")
        return PagesResult(shown, branch, commit, previous, files)
