"""When each manifest version was added, from the repository's git history.

Used for the Atom feed's dates. One ``git log`` over ``manifests/`` gives the
commit time of the commit that added each ``<name>/<version>.yaml``; the same
commit always gives the same answer, so builds stay reproducible. Without git
(a tarball, a test's temporary tree) the answer is empty and callers fall back
to the build's ``generated`` time. A shallow clone sees every file as added by
its one commit: publish from a full clone (``fetch-depth: 0``) for real dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from registry.errors import GitError
from registry.git import git_result
from registry.layout import MANIFESTS, parse_entry_path


def parse_added_log(text: str) -> dict[tuple[str, str], datetime]:
    """Parse ``git log --format=%x00%ct --name-only`` output (newest commit first).

    A file added more than once (deleted, then re-added) keeps its newest addition.
    """
    dates: dict[tuple[str, str], datetime] = {}
    for block in text.split("\0"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines or not lines[0].isdigit():
            continue
        moment = datetime.fromtimestamp(int(lines[0]), UTC)
        for path in lines[1:]:
            parsed = parse_entry_path(path)
            if parsed is not None and parsed[0] == "manifest":
                dates.setdefault((parsed[1], parsed[2]), moment)
    return dates


def manifest_dates(root: Path) -> dict[tuple[str, str], datetime]:
    """(name, version) -> commit time of the commit that added its manifest; {} without git."""
    try:
        result = git_result(
            ["log", "--relative", "--diff-filter=A", "--no-renames",
             "--format=%x00%ct", "--name-only", "--", MANIFESTS],
            cwd=root, what="dating the manifests",
        )
    except GitError:
        return {}
    if not result.ok:
        return {}
    return parse_added_log(result.stdout.decode("utf-8", errors="replace"))


def added_at(
    dates: Mapping[tuple[str, str], datetime], name: str, version: str, generated: datetime
) -> datetime:
    """When ``name@version`` was added, never later than the build's ``generated`` time.

    Without history (a tarball, a shallow test tree) it is ``generated``: the
    same commit and the same SOURCE_DATE_EPOCH always give the same answer.
    """
    return min(dates.get((name, version), generated), generated)
