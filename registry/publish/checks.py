"""The gates in front of a publish: committed public key, clean tree, signed dist.

Each check raises a :class:`~registry.errors.PublishError` whose message says
what to do; none of them ever handles the private key.
"""

from __future__ import annotations

from pathlib import Path

from registry.errors import FileRefused, GitError, PublishError, RegistryError
from registry.fileio import read_bounded
from registry.git import git_result
from registry.index.parse import MAX_INDEX_BYTES
from registry.layout import (
    INDEX_FILE,
    PUBLIC_KEYS_FILE,
    SIGNATURE_FILE,
    SIGNING_KEY_ENV,
    SITE_DIR,
)
from registry.signing import trusted_keys

KEYGEN_HINT = (
    f"a maintainer creates the key pair once with `registryctl keygen --write-public "
    f"{PUBLIC_KEYS_FILE}`, stores the private key as the repository secret "
    f"{SIGNING_KEY_ENV} and commits the public key (see keys/README.md)"
)
_MAX_KEY_FILE_BYTES = 64 * 1024
_MAX_SIGNATURE_BYTES = 1024


def read_public_keys(path: Path) -> list[str]:
    """The trusted public keys committed in ``path`` (64 hex characters each, one per line).

    Missing, empty or malformed is a refusal: publishing an index nobody can
    check against a committed key would defeat the point of signing it.
    """
    if not path.exists() and not path.is_symlink():
        raise PublishError(f"{path} is missing: refusing to publish; {KEYGEN_HINT}")
    try:
        text = read_bounded(path, _MAX_KEY_FILE_BYTES).decode("ascii")
        keys = trusted_keys(text, path.as_posix())
    except (FileRefused, UnicodeDecodeError) as error:
        raise PublishError(f"{path} cannot be read ({error}); {KEYGEN_HINT}") from None
    except RegistryError as error:
        raise PublishError(str(error)) from None
    if not keys:
        raise PublishError(f"{path} is empty: refusing to publish; {KEYGEN_HINT}")
    return keys


def _git(root: Path, *args: str) -> tuple[bool, str]:
    try:
        result = git_result(args, cwd=root, what="checking the tree")
    except GitError as error:
        raise PublishError(str(error)) from None
    return result.ok, result.text


def require_clean_tree(root: Path) -> None:
    """Refuse to publish from a tree with uncommitted or untracked changes."""
    ok, out = _git(root, "status", "--porcelain", "--untracked-files=normal")
    if not ok:
        raise PublishError(
            f"{root} is not a git work tree (git status failed): publish from a clone "
            "of the registry"
        )
    changed = [line[3:] for line in out.splitlines() if line.strip()]
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10
                                            else "")
        raise PublishError(
            f"the working tree has uncommitted changes ({shown}): commit or stash them "
            "so what is published is exactly a reviewed commit"
        )


def head_commit(root: Path) -> str | None:
    """The commit checked out at ``root``, or None outside a git work tree."""
    ok, out = _git(root, "rev-parse", "--verify", "HEAD")
    sha = out.strip()
    return sha if ok and sha else None


def read_signed_dist(dist: Path) -> tuple[bytes, bytes]:
    """``index.json`` and ``index.json.sig`` from ``dist``; refuses an unsigned index.

    The site serves its own copies of both; they must be byte-identical to the
    released pair, or Pages and Releases would disagree.
    """
    index_path, sig_path = dist / INDEX_FILE, dist / SIGNATURE_FILE
    if not index_path.is_file():
        raise PublishError(f"{index_path} is missing: build first (invoke build)")
    if not sig_path.is_file():
        raise PublishError(
            f"{sig_path} is missing: refusing to publish an unsigned index "
            f"(build with {SIGNING_KEY_ENV} set)"
        )
    try:
        index = read_bounded(index_path, MAX_INDEX_BYTES)
        signature = read_bounded(sig_path, _MAX_SIGNATURE_BYTES)
    except FileRefused as refusal:
        raise PublishError(str(refusal)) from None
    site = dist / SITE_DIR
    for name, data in ((INDEX_FILE, index), (SIGNATURE_FILE, signature)):
        copy = site / name
        if site.is_dir() and (not copy.is_file() or copy.read_bytes() != data):
            raise PublishError(
                f"{copy} is missing or differs from {dist / name}: rebuild so the site "
                "serves the same signed index as the release"
            )
    return index, signature
