"""Publishing: the signed index to GitHub Releases, the site to Pages.

- :mod:`registry.publish.github`: a small REST client (urllib only);
- :mod:`registry.publish.release`: the atomic release flow and pruning;
- :mod:`registry.publish.pages`: the ``gh-pages`` push through ``git``;
- :mod:`registry.publish.checks`: the gates (public key, clean tree, signed dist);
- :mod:`registry.publish.pipeline`: lint → build → verify → release → Pages.
"""

from __future__ import annotations

from registry.publish.github import DEFAULT_API_URL, GitHubClient, GitHubError
from registry.publish.pages import PagesResult, push_site
from registry.publish.pipeline import PublishReport, PublishRequest, ReleaseTarget, publish
from registry.publish.release import (
    KEEP_RELEASES,
    ReleaseResult,
    SignedIndex,
    publish_release,
    release_tag,
    verified_index,
)

__all__ = [
    "DEFAULT_API_URL",
    "KEEP_RELEASES",
    "GitHubClient",
    "GitHubError",
    "PagesResult",
    "PublishReport",
    "PublishRequest",
    "ReleaseResult",
    "ReleaseTarget",
    "SignedIndex",
    "publish",
    "publish_release",
    "push_site",
    "release_tag",
    "verified_index",
]
