"""The gateway side: fetch a signed index, trust it, resolve an install ref.

Order matters and follows TUF's lessons: download with a size cap, verify the
signature over the exact bytes with one of the trusted keys, only then parse,
then refuse a stale index (freeze attack: older than ``max_age`` at ``now``) or
an older one than last time (rollback: a small state file remembers the last
accepted ``generated`` and sha256 per index location). ``now`` is passed in by
the caller; nothing here reads the clock except for network deadlines.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException, HTTPMessage
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from registry.errors import IndexRejected, ResolveError, SignatureError
from registry.index.build import Index, format_generated, parse_index
from registry.load.schema import INSTALLABLE_BUILDERS, PLACEHOLDER_DIGEST, Manifest
from registry.semver import is_version
from registry.signing import verify_index

DEFAULT_MAX_INDEX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_SIG_BYTES = 1024
DEFAULT_MAX_AGE = timedelta(days=14)
DEFAULT_TIMEOUT = 30.0
STATE_SCHEMA_VERSION = 1

_CHUNK = 64 * 1024
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


# --- fetching ---------------------------------------------------------------


def _is_url(location: str) -> bool:
    return "://" in location


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Allow https anywhere and plain http only to a loopback host (local tests)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as error:
        raise IndexRejected(f"malformed URL {url!r}: {error}") from None
    if not host:
        raise IndexRejected(f"malformed URL {url!r}: no host")
    if parts.scheme == "https":
        return
    if parts.scheme == "http":
        if _is_loopback(host):
            return
        raise IndexRejected(
            f"refusing plain http for {host}: use https (http is allowed only on loopback)"
        )
    raise IndexRejected(f"unsupported URL scheme {parts.scheme!r} in {url!r}: use https")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL that is itself allowed (no https -> http downgrade)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirects()]
    if _is_loopback((urlsplit(url).hostname or "").lower()):
        # A local test server is never reached through a proxy from the environment.
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _too_large(what: str, max_bytes: int) -> IndexRejected:
    return IndexRejected(f"{what} is larger than the {max_bytes}-byte limit")


def _fetch_url(url: str, what: str, max_bytes: int, timeout: float) -> bytes:
    check_url(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": "registryctl"})  # noqa: S310
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise _too_large(what, max_bytes)
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise IndexRejected(f"fetching {what} from {url} took over {timeout:g}s")
                # read1: at most one socket read, so the deadline is checked often.
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise _too_large(what, max_bytes)
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        raise IndexRejected(f"cannot fetch {what} from {url}: HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise IndexRejected(f"cannot fetch {what} from {url}: {error.reason}") from None
    except TimeoutError:
        raise IndexRejected(f"fetching {what} from {url} timed out after {timeout:g}s") from None
    except (HTTPException, OSError, ValueError) as error:
        raise IndexRejected(f"cannot fetch {what} from {url}: {error}") from None
    return b"".join(chunks)


def _read_file(path: Path, what: str, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise IndexRejected(f"cannot read {what} {path}: {error.strerror}") from None
    if len(data) > max_bytes:
        raise _too_large(what, max_bytes)
    return data


def fetch(location: str, *, what: str, max_bytes: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The bytes at ``location`` (an https URL, http on loopback, or a local path), capped."""
    if _is_url(location):
        return _fetch_url(location, what, max_bytes, timeout)
    return _read_file(Path(location), what, max_bytes)


def signature_location(index_location: str) -> str:
    """Where the signature of ``index_location`` lives by default: ``<index>.sig``."""
    if not _is_url(index_location):
        return index_location + ".sig"
    parts = urlsplit(index_location)
    return urlunsplit(parts._replace(path=parts.path + ".sig"))


# --- trust ------------------------------------------------------------------


def verify_and_parse(raw: bytes, sig_text: str, public_keys: Sequence[str]) -> Index:
    """Verify the signature over the exact bytes first; parse only what verified."""
    verify_index(raw, sig_text, public_keys)
    return parse_index(raw)


def decode_signature_file(raw: bytes) -> str:
    """The text of a downloaded ``.sig`` file (ASCII); malformed content fails verification."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return raw.decode("ascii", errors="replace")


@dataclass(frozen=True)
class AcceptedIndex:
    """What the rollback state remembers about the last index accepted from a location."""

    generated: datetime
    sha256: str


def check_fresh(index: Index, *, now: datetime, max_age: timedelta | None) -> None:
    """Refuse an index older than ``max_age`` at ``now`` (freeze attack, or a stalled publisher)."""
    if max_age is not None and index.generated < now - max_age:
        raise IndexRejected(
            f"index is stale: generated {format_generated(index.generated)}, older than the "
            f"maximum age of {_days(max_age)} at {format_generated(now)}; "
            "the publisher re-signs it on a schedule, so it is being withheld or frozen"
        )


def check_not_rolled_back(
    index: Index, sha256: str, previous: AcceptedIndex | None, location: str
) -> None:
    """Refuse an index older than the last accepted one, or the same time with other bytes."""
    if previous is None:
        return
    if index.generated < previous.generated:
        raise IndexRejected(
            f"rollback refused: index from {location} was generated "
            f"{format_generated(index.generated)}, before the last accepted "
            f"{format_generated(previous.generated)}"
        )
    if index.generated == previous.generated and sha256 != previous.sha256:
        raise IndexRejected(
            f"index from {location} changed without a new generated time "
            f"({format_generated(index.generated)}): refusing different bytes "
            "under the same timestamp"
        )


def _days(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


def state_key(location: str) -> str:
    """The rollback state's key for an index location (local paths made absolute)."""
    if _is_url(location):
        return location
    return str(Path(location).absolute())


def load_state(path: Path) -> dict[str, AcceptedIndex]:
    """The rollback state file: index location -> last accepted index. Missing file: empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise IndexRejected(f"cannot read rollback state {path}: {error}") from None
    try:
        data = json.loads(text)
        if data.get("schemaVersion") != STATE_SCHEMA_VERSION:
            raise ValueError("unknown schemaVersion")
        return {
            str(location): AcceptedIndex(_aware(entry["generated"]), str(entry["sha256"]))
            for location, entry in data["indexes"].items()
        }
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # Fail closed: a corrupt state must not silently reset rollback protection.
        raise IndexRejected(
            f"rollback state {path} is corrupt ({error}); fix or delete it deliberately"
        ) from None


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"generated time {text!r} has no timezone")
    return moment


def save_state(path: Path, state: dict[str, AcceptedIndex]) -> None:
    """Write the rollback state atomically."""
    payload = {
        "schemaVersion": STATE_SCHEMA_VERSION,
        "indexes": {
            location: {"generated": format_generated(entry.generated), "sha256": entry.sha256}
            for location, entry in sorted(state.items())
        },
    }
    try:
        write_atomic(path, (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
    except OSError as error:
        raise IndexRejected(f"cannot write rollback state {path}: {error.strerror}") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp_name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp_name).unlink()
        raise


def load_trusted_index(
    index_url: str,
    *,
    sig_url: str | None = None,
    public_keys: Sequence[str],
    state_path: Path | None,
    now: datetime,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    max_index_bytes: int = DEFAULT_MAX_INDEX_BYTES,
    max_sig_bytes: int = DEFAULT_MAX_SIG_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Index:
    """Fetch, verify, parse and freshness-check an index; remember it in ``state_path``.

    ``sig_url`` defaults to ``<index_url>.sig``. ``state_path`` of ``None``
    disables rollback protection (freeze protection still applies).
    """
    def fetch_pair() -> tuple[bytes, bytes]:
        raw = fetch(index_url, what="index", max_bytes=max_index_bytes, timeout=timeout)
        sig_raw = fetch(
            sig_url or signature_location(index_url),
            what="signature",
            max_bytes=max_sig_bytes,
            timeout=timeout,
        )
        return raw, sig_raw

    raw, sig_raw = fetch_pair()
    try:
        index = verify_and_parse(raw, decode_signature_file(sig_raw), public_keys)
    except SignatureError:
        if not _is_url(index_url):
            raise
        # A publish may switch `latest` between the two downloads, pairing one
        # release's index with the next one's signature. One fresh pair settles
        # it; a second mismatch is a real failure.
        raw, sig_raw = fetch_pair()
        index = verify_and_parse(raw, decode_signature_file(sig_raw), public_keys)
    check_fresh(index, now=now, max_age=max_age)
    if state_path is not None:
        digest = hashlib.sha256(raw).hexdigest()
        key = state_key(index_url)
        state = load_state(state_path)
        check_not_rolled_back(index, digest, state.get(key), index_url)
        previous = state.get(key)
        if previous is None or previous.sha256 != digest:
            state[key] = AcceptedIndex(index.generated, digest)
            save_state(state_path, state)
    return index


# --- resolving --------------------------------------------------------------


def _installable(manifest: Manifest) -> Manifest:
    if manifest.image.digest == PLACEHOLDER_DIGEST:
        raise ResolveError(
            f"{manifest.ref} is planned, not installable: its image digest is a placeholder"
        )
    builder = manifest.image.effective_builder
    if builder not in INSTALLABLE_BUILDERS:
        raise ResolveError(
            f"{manifest.ref} is not installable: the {builder} builder needs the gateway's "
            "rootfs sandbox extension, which is not shipped yet"
        )
    return manifest


def resolve(index: Index, ref: str) -> Manifest:
    """The installable manifest ``ref`` names.

    ``ref`` is ``name`` (its latest version), ``name@version``, or
    ``sha256:<64 lowercase hex>`` (an image digest).
    """
    if ref.startswith("sha256:"):
        if _DIGEST.fullmatch(ref) is None:
            raise ResolveError(
                f"malformed digest ref {ref[:80]!r}: expected sha256: and 64 lowercase hex digits"
            )
        if ref == PLACEHOLDER_DIGEST:
            raise ResolveError(f"{ref} is a placeholder digest: planned, not installable")
        matches = [m for m in index.manifests() if m.image.digest == ref]
        if not matches:
            raise ResolveError(f"no server in the index has image digest {ref}")
        if len(matches) > 1:
            refs = ", ".join(m.ref for m in matches)
            raise ResolveError(f"image digest {ref} is ambiguous: {refs}")
        return _installable(matches[0])
    name, at, version = ref.partition("@")
    if _NAME.fullmatch(name) is None or (at and not is_version(version)):
        raise ResolveError(
            f"malformed ref {ref[:80]!r}: expected name, name@MAJOR.MINOR.PATCH "
            "or sha256:<digest>"
        )
    entry = index.servers.get(name)
    if entry is None:
        raise ResolveError(f"unknown server {name!r}: it is not in the index")
    if not at:
        return _installable(entry.versions[entry.latest])
    manifest = entry.versions.get(version)
    if manifest is None:
        known = ", ".join(sorted(entry.versions, key=_version_order))
        raise ResolveError(f"{name} has no version {version} (available: {known})")
    return _installable(manifest)


def _version_order(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")) if is_version(version) else (-1,)
