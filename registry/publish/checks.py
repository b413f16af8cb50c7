"""The gates in front of a publish: committed public key, clean tree, signed dist.

Each check raises a :class:`~registry.errors.PublishError` whose message says
what to do; none of them ever handles the private key.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from registry.errors import PublishError, RegistryError
from registry.signing import load_public_key, parse_public_keys

PUBLIC_KEYS_FILE = Path("keys") / "registry.pub"
INDEX_FILE = "index.json"
SIGNATURE_FILE = "index.json.sig"
SITE_DIR = "site"
KEYGEN_HINT = (
    "a maintainer creates the key pair once with `registryctl keygen --write-public "
    "keys/registry.pub`, stores the private key as the repository secret "
    "GIG_INDEX_SIGNING_KEY and commits the public key (see keys/README.md)"
)


def read_public_keys(path: Path) -> list[str]:
    """The trusted public keys committed in ``path`` (64 hex characters each, one per line).

    Missing, empty or malformed is a refusal: publishing an index nobody can
    check against a committed key would defeat the point of signing it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PublishError(f"{path} is missing: refusing to publish; {KEYGEN_HINT}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PublishError(f"{path} cannot be read ({error}); {KEYGEN_HINT}") from None
    keys = parse_public_keys(text)
    if not keys:
        raise PublishError(f"{path} is empty: refusing to publish; {KEYGEN_HINT}")
    for number, key in enumerate(keys, start=1):
        try:
            load_public_key(key, what=f"{path}: key #{number}")
        except RegistryError as error:
            raise PublishError(str(error)) from None
    return keys


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise PublishError("git is not installed; it is needed to check the tree") from None


def require_clean_tree(root: Path) -> None:
    """Refuse to publish from a tree with uncommitted or untracked changes."""
    done = _git(root, "status", "--porcelain", "--untracked-files=normal")
    if done.returncode != 0:
        raise PublishError(
            f"{root} is not a git work tree (git status failed): publish from a clone "
            "of the registry"
        )
    changed = [line[3:] for line in done.stdout.splitlines() if line.strip()]
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10
                                            else "")
        raise PublishError(
            f"the working tree has uncommitted changes ({shown}): commit or stash them "
            "so what is published is exactly a reviewed commit"
        )


def head_commit(root: Path) -> str | None:
    """The commit checked out at ``root``, or None outside a git work tree."""
    done = _git(root, "rev-parse", "--verify", "HEAD")
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else None


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
            "(build with GIG_INDEX_SIGNING_KEY set)"
        )
    index, signature = index_path.read_bytes(), sig_path.read_bytes()
    site = dist / SITE_DIR
    for name, data in ((INDEX_FILE, index), (SIGNATURE_FILE, signature)):
        copy = site / name
        if site.is_dir() and (not copy.is_file() or copy.read_bytes() != data):
            raise PublishError(
                f"{copy} is missing or differs from {dist / name}: rebuild so the site "
                "serves the same signed index as the release"
            )
    return index, signature
