"""Atomic release of ``index.json`` and ``index.json.sig`` on GitHub Releases.

Each publish makes a new, immutable release tagged from the index's
``generated`` time (``index-20260101T000000Z``). It is created as a draft
(invisible to ``releases/latest``), both assets are uploaded, downloaded back
and checked byte for byte and by signature, and only then is the draft
published with ``make_latest`` in one API call. So
``/releases/latest/download/index.json`` switches from one complete, signed
pair to the next in one step, and a failure at any point leaves what is live
untouched. A re-run converges: a draft with the same tag is reused, assets
already uploaded with identical bytes are kept, others are replaced.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from registry.errors import GitHubError, PublishError, RegistryError
from registry.index.build import format_generated
from registry.index.parse import parse_index
from registry.layout import INDEX_FILE, INDEX_RELEASE_PREFIX, RELEASES_KEPT, SIGNATURE_FILE
from registry.publish.github import Asset, GitHubClient, Release
from registry.publish.progress import Log, quiet
from registry.signing import verify_index

INDEX_ASSET = INDEX_FILE
SIGNATURE_ASSET = SIGNATURE_FILE
TAG_PREFIX = INDEX_RELEASE_PREFIX
KEEP_RELEASES = RELEASES_KEPT
_INDEX_TAG = re.compile(r"^index-\d{8}T\d{6}Z$")

def release_tag(generated: datetime) -> str:
    """``index-YYYYMMDDTHHMMSSZ`` for an index generated at ``generated`` (UTC)."""
    return TAG_PREFIX + generated.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def is_index_tag(tag: str) -> bool:
    """Whether a tag names one of the releases this publisher makes (and may prune)."""
    return _INDEX_TAG.match(tag) is not None


@dataclass(frozen=True)
class SignedIndex:
    """A verified ``index.json`` and its signature, with what the release is named from."""

    index: bytes
    signature: bytes
    generated: datetime

    @property
    def tag(self) -> str:
        return release_tag(self.generated)

    @property
    def assets(self) -> tuple[tuple[str, bytes], ...]:
        return ((INDEX_ASSET, self.index), (SIGNATURE_ASSET, self.signature))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.index).hexdigest()


def verified_index(index: bytes, signature: bytes, public_keys: Sequence[str]) -> SignedIndex:
    """Verify ``signature`` over ``index`` with the committed keys, then parse it.

    Raises :class:`~registry.errors.SignatureError` (or ``KeyFormatError``)
    when it does not verify: an unverifiable index is never released.
    """
    try:
        sig_text = signature.decode("ascii")
    except UnicodeDecodeError:
        raise PublishError("index.json.sig is not ASCII hex: refusing to publish") from None
    verify_index(index, sig_text, public_keys)
    return SignedIndex(index, signature, parse_index(index).generated)


@dataclass
class ReleaseResult:
    """What a publish did on GitHub Releases."""

    tag: str
    release_id: int
    html_url: str
    created: bool
    uploaded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    already_published: bool = False
    pruned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReleasePlan:
    """What :func:`publish_release` would do, computed from read-only calls."""

    tag: str
    existing: str  # "none", "draft" or "published"
    latest_before: str | None
    prune: tuple[str, ...]


def release_body(signed: SignedIndex, target_commitish: str | None) -> str:
    lines = [
        f"Signed registry index generated {format_generated(signed.generated)}.",
        "",
        f"- `index.json`: {len(signed.index)} bytes, sha256 `{signed.sha256}`",
        "- `index.json.sig`: ed25519 signature over the exact bytes of `index.json`",
    ]
    if target_commitish:
        lines.append(f"- built from commit `{target_commitish}`")
    lines += ["", "Verify it with the public key in `keys/registry.pub` before use."]
    return "\n".join(lines) + "\n"


def _check_not_older(latest: Release | None, tag: str) -> None:
    # Tags sort by time; releasing an older index as latest would be a rollback.
    if latest is not None and is_index_tag(latest.tag_name) and latest.tag_name > tag:
        raise PublishError(
            f"refusing to release {tag}: the latest release {latest.tag_name} holds a newer "
            "index (rebuild to get a fresh 'generated' time)"
        )


def _prunable(releases: Sequence[Release], tag: str, keep: int) -> list[Release]:
    """Index releases beyond the newest ``keep``, and stale index drafts; never ``tag``."""
    index_releases = [r for r in releases if is_index_tag(r.tag_name) and r.tag_name != tag]
    stale_drafts = [r for r in index_releases if r.draft and r.tag_name < tag]
    published = sorted(
        (r for r in index_releases if not r.draft), key=lambda r: r.tag_name, reverse=True
    )
    # The release just made counts as one of the ``keep``.
    return stale_drafts + published[max(keep - 1, 0) :]


def plan_release(
    client: GitHubClient, signed: SignedIndex, *, keep: int = KEEP_RELEASES
) -> ReleasePlan:
    """Read-only: what a publish of ``signed`` would find and prune."""
    releases = client.list_releases()
    same = [r for r in releases if r.tag_name == signed.tag]
    existing = "none"
    if any(not r.draft for r in same):
        existing = "published"
    elif same:
        existing = "draft"
    latest = client.latest_release()
    _check_not_older(latest, signed.tag)
    prune = tuple(r.tag_name for r in _prunable(releases, signed.tag, keep))
    return ReleasePlan(signed.tag, existing, latest.tag_name if latest else None, prune)


class _Publisher:
    def __init__(self, client: GitHubClient, signed: SignedIndex, public_keys: Sequence[str],
                 log: Log) -> None:
        self.client = client
        self.signed = signed
        self.public_keys = list(public_keys)
        self.log = log

    def matches(self, asset: Asset, expected: bytes) -> bool:
        if asset.state != "uploaded" or asset.size != len(expected):
            return False
        return self.client.download_asset(asset.id) == expected

    def sync_assets(self, release: Release, result: ReleaseResult) -> None:
        """Make the draft hold exactly our two assets, with our bytes."""
        wanted = dict(self.signed.assets)
        for asset in self.client.list_assets(release.id):
            if asset.name in wanted and asset.name not in result.kept:
                if self.matches(asset, wanted[asset.name]):
                    result.kept.append(asset.name)
                    self.log(f"release {release.tag_name}: kept {asset.name} (identical bytes)")
                    continue
                self.log(f"release {release.tag_name}: replacing {asset.name}")
            else:
                self.log(f"release {release.tag_name}: removing stray asset {asset.name}")
            self.client.delete_asset(asset.id)
        for name, data in self.signed.assets:
            if name in result.kept:
                continue
            self.client.upload_asset(release, name, data)
            result.uploaded.append(name)
            self.log(f"release {release.tag_name}: uploaded {name} ({len(data)} bytes)")

    def check_uploaded(self, release: Release) -> None:
        """Download both assets back and verify bytes and signature before publishing."""
        assets = {a.name: a for a in self.client.list_assets(release.id)}
        if set(assets) != {INDEX_ASSET, SIGNATURE_ASSET}:
            raise PublishError(
                f"release {release.tag_name}: expected exactly {INDEX_ASSET} and "
                f"{SIGNATURE_ASSET}, found {sorted(assets)}; not published"
            )
        stored = {}
        for name, expected in self.signed.assets:
            asset = assets[name]
            data = self.client.download_asset(asset.id)
            if asset.state != "uploaded" or data != expected:
                raise PublishError(
                    f"release {release.tag_name}: {name} as stored differs from what was "
                    "uploaded; not published (re-run to replace it)"
                )
            stored[name] = data
        try:
            verify_index(stored[INDEX_ASSET], stored[SIGNATURE_ASSET].decode("ascii"),
                         self.public_keys)
        except (RegistryError, UnicodeDecodeError) as error:
            raise PublishError(
                f"release {release.tag_name}: the uploaded pair does not verify ({error}); "
                "not published"
            ) from None
        self.log(f"release {release.tag_name}: uploaded assets verified")


def publish_release(
    client: GitHubClient,
    signed: SignedIndex,
    public_keys: Sequence[str],
    *,
    target_commitish: str | None = None,
    keep: int = KEEP_RELEASES,
    log: Log = quiet,
) -> ReleaseResult:
    """Release ``signed`` as a new immutable release and make it latest atomically.

    Safe to re-run after any failure: it converges on one published release
    tagged :attr:`SignedIndex.tag` holding exactly the two assets. Pruning
    problems after the switch are returned as warnings, not raised: the new
    index is already live by then.
    """
    verified_index(signed.index, signed.signature, public_keys)  # never release unverified
    if keep < 1:
        raise PublishError("keep must be at least 1")
    publisher = _Publisher(client, signed, public_keys, log)
    tag = signed.tag
    releases = client.list_releases()
    same = [r for r in releases if r.tag_name == tag]
    published = [r for r in same if not r.draft]
    latest = client.latest_release()

    if published:
        release = published[0]
        result = ReleaseResult(tag, release.id, release.html_url, created=False,
                               already_published=True)
        for name, data in signed.assets:
            asset = next((a for a in client.list_assets(release.id) if a.name == name), None)
            if asset is None or not publisher.matches(asset, data):
                raise PublishError(
                    f"release {tag} is already published with a different {name}; a "
                    "published index release is never changed (rebuild for a new 'generated')"
                )
        result.kept = [name for name, _ in signed.assets]
        if latest is None or latest.id != release.id:
            _check_not_older(latest, tag)
            client.publish_release(release.id)
            log(f"release {tag}: already published; marked latest")
        else:
            log(f"release {tag}: already published and latest; nothing to do")
    else:
        _check_not_older(latest, tag)
        if same:
            release = same[0]
            for duplicate in same[1:]:
                client.delete_release(duplicate.id)
            log(f"release {tag}: reusing the draft left by an earlier attempt")
            result = ReleaseResult(tag, release.id, release.html_url, created=False)
        else:
            release = client.create_release(
                tag,
                name=f"Index {format_generated(signed.generated)}",
                body=release_body(signed, target_commitish),
                target_commitish=target_commitish,
            )
            log(f"release {tag}: created draft")
            result = ReleaseResult(tag, release.id, release.html_url, created=True)
        publisher.sync_assets(release, result)
        publisher.check_uploaded(release)
        # Again just before the switch: another publisher may have released meanwhile.
        _check_not_older(client.latest_release(), tag)
        published_release = client.publish_release(release.id)
        if published_release.draft:
            raise PublishError(f"release {tag}: GitHub kept it a draft; not published")
        result.html_url = published_release.html_url
        log(f"release {tag}: published and marked latest")

    _keep_newest_latest(client, result, log)
    _prune(client, tag, keep, result, log)
    return result


def _keep_newest_latest(client: GitHubClient, result: ReleaseResult, log: Log) -> None:
    """Make sure ``latest`` is the newest published index, whoever published last.

    Two publishers racing (a workstation and CI) could otherwise leave the older
    index as latest, which gateways would refuse as a rollback.
    """
    published = [r for r in client.list_releases() if is_index_tag(r.tag_name) and not r.draft]
    newest = max(published, key=lambda r: r.tag_name, default=None)
    latest = client.latest_release()
    if newest is not None and (latest is None or latest.id != newest.id):
        client.publish_release(newest.id)
        if newest.id != result.release_id:
            result.warnings.append(
                f"a newer index {newest.tag_name} was released meanwhile; it stays latest"
            )
        log(f"release {newest.tag_name}: marked latest (the newest index)")


def _prune(client: GitHubClient, tag: str, keep: int, result: ReleaseResult, log: Log) -> None:
    try:
        doomed = _prunable(client.list_releases(), tag, keep)
    except GitHubError as error:
        result.warnings.append(f"pruning skipped: {error}")
        return
    for release in doomed:
        try:
            client.delete_release(release.id)
            if not release.draft:
                client.delete_tag(release.tag_name)
        except GitHubError as error:
            result.warnings.append(f"could not prune {release.tag_name}: {error}")
            continue
        result.pruned.append(release.tag_name)
        log(f"pruned release {release.tag_name}")
