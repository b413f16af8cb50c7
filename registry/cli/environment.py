"""What ``registryctl`` reads from the environment: read once, here, and passed in.

The signing key is *taken*: removed from the process environment before any
command runs, so no later code (mkdocs, its plugins and templates, a planted
``docs/`` link to ``/proc/self/environ``, a git subprocess) can read it.

Pydantic plugins are turned off before the schema is imported: a package
installed beside the registry cannot observe or change how untrusted
manifests are validated (and start-up does not scan every installed
package's entry points for them).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

from registry.errors import KeyFormatError
from registry.layout import (
    DEFAULT_GITHUB_API_URL,
    GITHUB_ACTIONS_ENV,
    GITHUB_API_URL_ENV,
    GITHUB_REPOSITORY_ENV,
    GITHUB_SHA_ENV,
    GITHUB_TOKEN_ENV,
    PAGES_REMOTE_ENV,
    PUBLIC_KEY_ENV,
    PYDANTIC_PLUGINS_ENV,
    SIGNING_KEY_ENV,
    SIGNING_KEY_ENV_ALIASES,
    SITE_URL_ENV,
    SOURCE_DATE_EPOCH_ENV,
)


@dataclass(frozen=True)
class Environment:
    """The settings the commands take from the environment."""

    signing_key: str | None = field(default=None, repr=False)
    public_keys: str = ""
    source_date_epoch: str | None = None
    site_url: str | None = None
    github_actions: bool = False
    github_token: str | None = field(default=None, repr=False)
    github_repository: str | None = None
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_sha: str | None = None
    pages_remote: str | None = None
    key_conflict: bool = False
    """Two signing-key variables were set to different values."""

    def require_signing_key(self) -> str:
        if self.key_conflict:
            raise KeyFormatError(
                f"{SIGNING_KEY_ENV} and {', '.join(SIGNING_KEY_ENV_ALIASES)} hold different "
                f"keys: unset all but {SIGNING_KEY_ENV}"
            )
        if not self.signing_key:
            raise KeyFormatError(
                f"no signing key: set {SIGNING_KEY_ENV} to the private key (128 hex characters)"
            )
        return self.signing_key

    def optional_signing_key(self) -> str | None:
        """The key when one is set (a conflict is still an error), else ``None``."""
        if self.key_conflict or self.signing_key:
            return self.require_signing_key()
        return None


def take_environment(environ: MutableMapping[str, str]) -> Environment:
    """Read the settings from ``environ`` and remove every signing-key variable from it.

    Also sets ``PYDANTIC_DISABLE_PLUGINS=__all__`` in it (see the module's docstring).
    """
    environ[PYDANTIC_PLUGINS_ENV] = "__all__"
    keys = [environ.pop(name, "").strip() for name in (SIGNING_KEY_ENV, *SIGNING_KEY_ENV_ALIASES)]
    given = [key for key in keys if key]

    def get(name: str) -> str | None:
        return environ.get(name) or None

    return Environment(
        signing_key=given[0] if given else None,
        key_conflict=len(set(given)) > 1,
        public_keys=environ.get(PUBLIC_KEY_ENV, ""),
        source_date_epoch=get(SOURCE_DATE_EPOCH_ENV),
        site_url=get(SITE_URL_ENV),
        github_actions=environ.get(GITHUB_ACTIONS_ENV) == "true",
        github_token=next((environ[n] for n in GITHUB_TOKEN_ENV if environ.get(n)), None),
        github_repository=get(GITHUB_REPOSITORY_ENV),
        github_api_url=get(GITHUB_API_URL_ENV) or DEFAULT_GITHUB_API_URL,
        github_sha=get(GITHUB_SHA_ENV),
        pages_remote=get(PAGES_REMOTE_ENV),
    )
