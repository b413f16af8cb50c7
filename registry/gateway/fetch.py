"""Fetching an index or a signature: size caps, deadlines and a URL policy.

https anywhere; plain http only to a loopback host (local tests and mirrors).
A redirect is followed only to a URL the same policy allows, and never from
https down to http, loopback included, unless the original URL was itself
loopback http: a redirect must not turn a protected download into one anyone
on the path can rewrite.
"""

from __future__ import annotations

import ipaddress
import time
import urllib.error
import urllib.request
from http.client import HTTPException, HTTPMessage
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from registry.errors import FileRefused, IndexRejected
from registry.fileio import read_bounded
from registry.index.parse import MAX_INDEX_BYTES

DEFAULT_MAX_INDEX_BYTES = MAX_INDEX_BYTES
DEFAULT_MAX_SIG_BYTES = 1024
DEFAULT_TIMEOUT = 30.0
_CHUNK = 64 * 1024


def is_url(location: str) -> bool:
    return "://" in location


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check_url(url: str) -> None:
    """Allow https anywhere and plain http only to a loopback host."""
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
        if is_loopback(host):
            return
        raise IndexRejected(
            f"refusing plain http for {host}: use https (http is allowed only on loopback)"
        )
    raise IndexRejected(f"unsupported URL scheme {parts.scheme!r} in {url!r}: use https")


def check_redirect(original: str, target: str) -> None:
    """A redirect from ``original`` may go to ``target`` only if both policies allow it."""
    check_url(target)
    if urlsplit(target).scheme == "http" and urlsplit(original).scheme != "http":
        raise IndexRejected(
            f"refusing a redirect from https to plain http ({_host(target)}): "
            "a download that started on https stays on https"
        )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only where :func:`check_redirect` allows it."""

    def __init__(self, original: str) -> None:
        super().__init__()
        self.original = original

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_redirect(self.original, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirects(url)]
    if is_loopback(_host(url)):
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
        if isinstance(error.reason, IndexRejected):
            raise error.reason from None
        raise IndexRejected(f"cannot fetch {what} from {url}: {error.reason}") from None
    except TimeoutError:
        raise IndexRejected(f"fetching {what} from {url} timed out after {timeout:g}s") from None
    except (HTTPException, OSError, ValueError) as error:
        raise IndexRejected(f"cannot fetch {what} from {url}: {error}") from None
    return b"".join(chunks)


def _read_file(path: Path, what: str, max_bytes: int) -> bytes:
    try:
        return read_bounded(path, max_bytes, follow_links=True)
    except FileRefused as refusal:
        if refusal.kind == "too_large":
            raise _too_large(what, max_bytes) from None
        raise IndexRejected(f"cannot read {what}: {refusal}") from None


def fetch(location: str, *, what: str, max_bytes: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The bytes at ``location`` (an https URL, http on loopback, or a local path), capped."""
    if is_url(location):
        return _fetch_url(location, what, max_bytes, timeout)
    return _read_file(Path(location), what, max_bytes)


def signature_location(index_location: str) -> str:
    """Where the signature of ``index_location`` lives by default: ``<index>.sig``."""
    if not is_url(index_location):
        return index_location + ".sig"
    parts = urlsplit(index_location)
    return urlunsplit(parts._replace(path=parts.path + ".sig"))
