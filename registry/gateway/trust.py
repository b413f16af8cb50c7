"""Trusting an index: signature first, then parse, then freshness and rollback.

Order follows TUF's lessons: verify the signature over the exact downloaded
bytes with one of the trusted keys, only then parse, then refuse an index
that is stale (freeze attack: older than ``max_age`` at ``now``), dated in the
future beyond a small clock skew (it would lock the location out until that
date once remembered), or older than the last one accepted from the same
location (rollback). The last accepted index per location lives in a small
state file, read and updated under an exclusive lock and replaced
atomically, so two gateway processes can never store an older baseline over
a newer one. ``now`` is passed in; nothing here reads the clock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from registry.errors import IndexRejected, SignatureError
from registry.fileio import write_atomic
from registry.gateway.fetch import (
    DEFAULT_MAX_INDEX_BYTES,
    DEFAULT_MAX_SIG_BYTES,
    DEFAULT_TIMEOUT,
    fetch,
    is_url,
    signature_location,
)
from registry.index.build import format_generated
from registry.index.parse import Index, parse_index
from registry.layout import MAX_INDEX_AGE_DAYS
from registry.signing import verify_index

DEFAULT_MAX_AGE = timedelta(days=MAX_INDEX_AGE_DAYS)
MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an index's ``generated`` may lie (clocks disagree a little)."""
STATE_SCHEMA_VERSION = 1


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


def _days(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


def check_fresh(
    index: Index, *, now: datetime, max_age: timedelta | None,
    max_skew: timedelta = MAX_CLOCK_SKEW,
) -> None:
    """Refuse an index older than ``max_age`` at ``now``, or dated after ``now + max_skew``."""
    if index.generated > now + max_skew:
        raise IndexRejected(
            f"index is dated in the future: generated {format_generated(index.generated)}, "
            f"after {format_generated(now)} (allowing {max_skew.total_seconds():g}s of clock "
            "skew); refusing it rather than remember a date that would lock out every "
            "honest index until then"
        )
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


def state_key(location: str) -> str:
    """The rollback state's key for an index location (local paths made absolute)."""
    if is_url(location):
        return location
    return str(Path(location).absolute())


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"generated time {text!r} has no timezone")
    return moment


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


def save_state(path: Path, state: dict[str, AcceptedIndex]) -> None:
    """Write the rollback state atomically (callers hold :func:`locked_state`)."""
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


@contextmanager
def locked_state(path: Path) -> Iterator[dict[str, AcceptedIndex]]:
    """The rollback state, read under an exclusive lock held until the block ends.

    The lock is a separate ``<state>.lock`` file: the state itself is replaced
    by rename on every save, so a lock on it would not outlive the first write.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise IndexRejected(f"cannot lock rollback state {path}: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield load_state(path)
    finally:
        os.close(fd)  # closing releases the lock


def remember(state_path: Path, location: str, index: Index, raw: bytes) -> None:
    """Check ``index`` against the last one accepted from ``location``, then remember it.

    Check and update happen under one lock, so a concurrent gateway that
    accepted a newer index meanwhile makes this call refuse, not overwrite it.
    """
    digest = hashlib.sha256(raw).hexdigest()
    key = state_key(location)
    with locked_state(state_path) as state:
        previous = state.get(key)
        check_not_rolled_back(index, digest, previous, location)
        if previous is None or previous.sha256 != digest:
            state[key] = AcceptedIndex(index.generated, digest)
            save_state(state_path, state)


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
    disables rollback protection (freeze and future-date checks still apply).
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
        if not is_url(index_url):
            raise
        # A publish may switch `latest` between the two downloads, pairing one
        # release's index with the next one's signature. One fresh pair settles
        # it; a second mismatch is a real failure.
        raw, sig_raw = fetch_pair()
        index = verify_and_parse(raw, decode_signature_file(sig_raw), public_keys)
    check_fresh(index, now=now, max_age=max_age)
    if state_path is not None:
        remember(state_path, index_url, index, raw)
    return index
