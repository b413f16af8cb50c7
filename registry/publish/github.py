"""A small GitHub REST client for releases, on ``urllib`` only.

It speaks exactly the endpoints the publisher needs. The base URL is passed in
(``GITHUB_API_URL`` at the edge, so GitHub Enterprise works) and so is the
token; the token goes only into the ``Authorization`` header of requests to
the API and to the release's ``upload_url``, never into a message, and never
to the storage host an asset download redirects to.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPResponse
from typing import Any

from registry.errors import GitHubError, PublishError
from registry.layout import DEFAULT_GITHUB_API_URL

DEFAULT_API_URL = DEFAULT_GITHUB_API_URL
API_VERSION = "2022-11-28"
USER_AGENT = "gigmcp-registry-publisher"
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[A-Za-z0-9_.-]+$")
_NEXT_LINK_RE = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Asset:
    """One file attached to a release."""

    id: int
    name: str
    size: int
    state: str
    browser_download_url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Asset:
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            size=int(data.get("size", 0)),
            state=str(data.get("state", "uploaded")),
            browser_download_url=str(data.get("browser_download_url", "")),
        )


@dataclass(frozen=True)
class Release:
    """The fields of a GitHub release the publisher uses."""

    id: int
    tag_name: str
    name: str
    draft: bool
    prerelease: bool
    upload_url: str
    html_url: str
    assets: tuple[Asset, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Release:
        return cls(
            id=int(data["id"]),
            tag_name=str(data["tag_name"]),
            name=str(data.get("name") or ""),
            draft=bool(data.get("draft", False)),
            prerelease=bool(data.get("prerelease", False)),
            upload_url=str(data.get("upload_url", "")),
            html_url=str(data.get("html_url", "")),
            assets=tuple(Asset.from_json(a) for a in data.get("assets") or ()),
        )


def check_repo(repo: str) -> str:
    """``OWNER/NAME`` or a :class:`PublishError`."""
    if not _REPO_RE.match(repo):
        raise PublishError(f"repository must be OWNER/NAME, got {repo!r}")
    return repo


def check_url(url: str, what: str) -> urllib.parse.SplitResult:
    """Accept https URLs, and http only on loopback (tests, local fakes)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return parts
    if parts.scheme == "http" and host in _LOOPBACK_HOSTS:
        return parts
    raise PublishError(f"{what} must be an https URL (http only on loopback), got {url!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller, who decides which headers follow them."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise GitHubError("GitHub returned a response that is not JSON", self.status) from exc


class GitHubClient:
    """Releases of one repository through the GitHub REST API."""

    def __init__(
        self,
        repo: str,
        token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 60.0,
    ) -> None:
        self.repo = check_repo(repo)
        check_url(api_url, "GITHUB_API_URL")
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the token
        return f"GitHubClient(repo={self.repo!r}, api_url={self.api_url!r})"

    # --- transport ---------------------------------------------------------

    def _headers(self, *, accept: str, auth: bool) -> dict[str, str]:
        headers = {
            "Accept": accept,
            "User-Agent": USER_AGENT,
            "X-GitHub-Api-Version": API_VERSION,
        }
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str = "application/vnd.github+json",
        expect: tuple[int, ...] = (200,),
        follow: bool = False,
    ) -> _Response:
        auth_netloc = urllib.parse.urlsplit(url).netloc
        for _ in range(MAX_REDIRECTS + 1):
            parts = check_url(url, "request URL")
            # The token only goes to the host it was meant for, never to the
            # storage host a download redirects to.
            headers = self._headers(accept=accept, auth=parts.netloc == auth_netloc)
            if content_type is not None:
                headers["Content-Type"] = content_type
            request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - scheme checked above
            response = self._open(request, method, url)
            if follow and response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise GitHubError(f"{method} {_shown(url)}: redirect without a Location")
                url = urllib.parse.urljoin(url, location)
                method, body, content_type = "GET", None, None
                continue
            if response.status not in expect:
                raise GitHubError(_failure(method, url, response), response.status)
            return response
        raise GitHubError(f"{method} {_shown(url)}: too many redirects")

    def _open(self, request: urllib.request.Request, method: str, url: str) -> _Response:
        try:
            raw: HTTPResponse = _OPENER.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            with error:
                body = error.read(MAX_DOWNLOAD_BYTES + 1)
            return _Response(error.code, error.headers, body)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise GitHubError(f"{method} {_shown(url)}: {reason}") from None
        try:
            with raw:
                body = raw.read(MAX_DOWNLOAD_BYTES + 1)
        except (OSError, ValueError) as error:  # connection dropped mid-body
            raise GitHubError(f"{method} {_shown(url)}: {error}") from None
        if len(body) > MAX_DOWNLOAD_BYTES:
            raise GitHubError(f"{method} {_shown(url)}: response larger than the cap")
        return _Response(raw.status, raw.headers, body)

    def _api(self, path: str) -> str:
        return f"{self.api_url}/repos/{self.repo}{path}"

    def _json(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        content_type = None if payload is None else "application/json"
        response = self._send(
            method, self._api(path), body=body, content_type=content_type, expect=expect
        )
        return response.json() if response.body else None

    def _pages(self, path: str) -> Iterator[Any]:
        url: str | None = self._api(f"{path}?per_page=100")
        while url is not None:
            response = self._send("GET", url)
            yield from response.json()
            match = _NEXT_LINK_RE.search(response.headers.get("Link") or "")
            url = match.group(1) if match else None

    # --- releases ----------------------------------------------------------

    def list_releases(self) -> list[Release]:
        """Every release, drafts included (the token needs push access)."""
        return [Release.from_json(item) for item in self._pages("/releases")]

    def latest_release(self) -> Release | None:
        """The release ``/releases/latest`` points at, or None."""
        try:
            return Release.from_json(self._json("GET", "/releases/latest"))
        except GitHubError as error:
            if error.status == 404:
                return None
            raise

    def create_release(
        self,
        tag: str,
        *,
        name: str,
        body: str,
        target_commitish: str | None,
    ) -> Release:
        """A new draft release; a draft is invisible to ``releases/latest``."""
        payload: dict[str, Any] = {
            "tag_name": tag,
            "name": name,
            "body": body,
            "draft": True,
            "prerelease": False,
            "make_latest": "false",
        }
        if target_commitish:
            payload["target_commitish"] = target_commitish
        return Release.from_json(self._json("POST", "/releases", payload, expect=(201,)))

    def publish_release(self, release_id: int) -> Release:
        """Turn a draft into a published release and make it latest in one call."""
        payload = {"draft": False, "make_latest": "true"}
        return Release.from_json(self._json("PATCH", f"/releases/{release_id}", payload))

    def delete_release(self, release_id: int) -> None:
        self._json("DELETE", f"/releases/{release_id}", expect=(204,))

    def delete_tag(self, tag: str) -> None:
        """Delete a tag ref; a tag that does not exist is not an error."""
        try:
            self._json("DELETE", f"/git/refs/tags/{urllib.parse.quote(tag)}", expect=(204,))
        except GitHubError as error:
            if error.status not in (404, 422):
                raise

    # --- assets ------------------------------------------------------------

    def list_assets(self, release_id: int) -> list[Asset]:
        return [Asset.from_json(item) for item in self._pages(f"/releases/{release_id}/assets")]

    def upload_asset(self, release: Release, name: str, data: bytes) -> Asset:
        """Upload through the release's own ``upload_url``, as GitHub hands it out."""
        if not release.upload_url:
            raise GitHubError(f"release {release.tag_name} has no upload_url")
        base = release.upload_url.split("{", 1)[0]
        url = f"{base}?{urllib.parse.urlencode({'name': name})}"
        response = self._send(
            "POST", url, body=data, content_type="application/octet-stream", expect=(201,)
        )
        return Asset.from_json(response.json())

    def delete_asset(self, asset_id: int) -> None:
        self._json("DELETE", f"/releases/assets/{asset_id}", expect=(204,))

    def download_asset(self, asset_id: int) -> bytes:
        """The bytes of an asset as stored (drafts too), following the storage redirect."""
        response = self._send(
            "GET",
            self._api(f"/releases/assets/{asset_id}"),
            accept="application/octet-stream",
            follow=True,
        )
        return response.body


def _shown(url: str) -> str:
    """A URL fit for a message: no query string, no credentials."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _failure(method: str, url: str, response: _Response) -> str:
    detail = ""
    try:
        data = json.loads(response.body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        detail = f": {data['message'][:300]}"
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            codes = ", ".join(
                str(e.get("code", "")) for e in errors[:5] if isinstance(e, dict)
            )
            detail += f" ({codes})" if codes else ""
    hint = ""
    if response.status in (401, 403):
        hint = " (check the token: it needs contents: write on the repository)"
    return f"{method} {_shown(url)} returned HTTP {response.status}{detail}{hint}"
