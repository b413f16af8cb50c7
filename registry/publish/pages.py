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

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from registry.errors import PublishError

PAGES_BRANCH = "gh-pages"
AUTHOR_NAME = "Gig'MCP registry publisher"
AUTHOR_EMAIL = "registry-publisher@users.noreply.github.com"
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return


def redact(text: str) -> str:
    """Hide ``user:password@`` in URLs, so a remote with a token never reaches a message."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)


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
    env = {
        key: value
        for key, value in os.environ.items()
        # A caller's GIT_DIR/GIT_WORK_TREE must not redirect our throw-away repository.
        if key not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")
    }
    env.update(
        GIT_AUTHOR_NAME=AUTHOR_NAME,
        GIT_AUTHOR_EMAIL=AUTHOR_EMAIL,
        GIT_COMMITTER_NAME=AUTHOR_NAME,
        GIT_COMMITTER_EMAIL=AUTHOR_EMAIL,
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def _git(args: Sequence[str], *, cwd: Path, env: dict[str, str], what: str) -> str:
    command = ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
        )
    except FileNotFoundError:
        raise PublishError("git is not installed; it is needed to push the site") from None
    except subprocess.TimeoutExpired:
        raise PublishError(f"git timed out while {what}") from None
    if done.returncode != 0:
        detail = redact((done.stderr or done.stdout).strip())[-800:]
        raise PublishError(f"git failed while {what}: {detail}")
    return done.stdout


def remote_tip(remote: str, branch: str = PAGES_BRANCH, *, cwd: Path | None = None) -> str | None:
    """The commit ``branch`` points at on ``remote``, or None when it does not exist."""
    env = _git_env(datetime.now(UTC))
    out = _git(
        ["ls-remote", "--", remote, f"refs/heads/{branch}"],
        cwd=cwd or Path(tempfile.gettempdir()),
        env=env,
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
    log: Log = _quiet,
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
