"""Running git: one helper, one timeout policy, messages that never show a credential.

The registry calls git to date manifests (history), to diff a pull request
against its base (review), to check the tree before a publish and to push the
site. All of them go through :func:`run_git`; a failure is a :class:`GitError`
whose message names what was being done, with any ``user:token@`` in a URL
hidden.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from registry.errors import GitError

GIT_TIMEOUT_SECONDS = 120
"""Local operations finish in well under this; a hung git must not hang a build."""
GIT_PUSH_TIMEOUT_SECONDS = 600
"""Pushes move a whole site over the network."""

# Settings that make every call behave the same whatever the user's git config says.
_FIXED_CONFIG = ("-c", "commit.gpgsign=false", "-c", "core.autocrlf=false",
                 "-c", "core.quotepath=false")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


# A caller's repository-redirecting variables must never point our git at another repository.
_REDIRECTING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR")


def _child_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _REDIRECTING}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.update(extra or {})
    return env


def redact(text: str) -> str:
    """Hide ``user:password@`` in URLs, so a remote with a token never reaches a message."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        """Standard output as text (undecodable bytes kept as surrogate escapes)."""
        return self.stdout.decode("utf-8", "surrogateescape")


def git_result(
    args: Sequence[str],
    *,
    cwd: Path,
    what: str,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_SECONDS,
) -> GitResult:
    """Run ``git args`` in ``cwd`` and return its status and output, failed or not.

    ``env`` adds to the inherited environment (without the variables that
    would redirect git to another repository, and never prompting for a
    password). Raises :class:`GitError` only when git cannot run at all.
    """
    command = ["git", *_FIXED_CONFIG, *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=_child_env(env),
            capture_output=True, check=False, timeout=timeout,
        )
    except FileNotFoundError:
        raise GitError(f"git is not installed; it is needed for {what}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git took longer than {timeout:g}s while {what}") from None
    except OSError as error:
        raise GitError(f"git could not run while {what}: {error.strerror or error}") from None
    return GitResult(done.returncode, done.stdout, done.stderr)


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    what: str,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_SECONDS,
) -> bytes:
    """Run ``git args`` in ``cwd``; its standard output, or :class:`GitError` on failure."""
    result = git_result(args, cwd=cwd, what=what, env=env, timeout=timeout)
    if not result.ok:
        detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        lines = redact(detail).splitlines()
        shown = lines[-1][-400:] if lines else f"exit status {result.returncode}"
        raise GitError(f"git failed while {what}: {shown}")
    return result.stdout


def split_z(output: bytes) -> list[str]:
    """The paths of a ``-z`` listing (undecodable bytes kept as surrogate escapes)."""
    return [part.decode("utf-8", "surrogateescape") for part in output.split(b"\0") if part]
