"""A loopback stand-in for the GitHub REST endpoints the publisher uses.

Three servers on 127.0.0.1 share one state, like GitHub's three hosts:

- ``api``: the REST API under ``/repos/OWNER/NAME/...`` and the web download
  routes ``/OWNER/NAME/releases/latest/download/<asset>`` and
  ``/OWNER/NAME/releases/download/<tag>/<asset>`` (which redirect to storage);
- ``uploads``: the host named by each release's ``upload_url``;
- ``storage``: where downloads land; like the real object store it refuses a
  request that carries an ``Authorization`` header.

Behaviour mirrors GitHub where the publisher depends on it: drafts are listed
but invisible to ``releases/tags/<tag>`` and ``releases/latest``; a tag is
created when a release is published; ``make_latest`` is honoured; a duplicate
asset name is a 422. Faults are injected here, never in the code under test.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import serve

TOKEN = "test-token-not-a-secret"  # a fixed token for loopback tests


@dataclass
class FakeAsset:
    id: int
    name: str
    data: bytes
    state: str = "uploaded"


@dataclass
class FakeRelease:
    id: int
    tag_name: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    target_commitish: str
    created: int
    assets: list[FakeAsset] = field(default_factory=list)


@dataclass
class Fault:
    """One injected failure: the ``count`` next requests matching it fail.

    ``kind``: ``status`` (answer ``status`` without acting), ``disconnect``
    (read half the upload, then drop the connection without storing),
    ``corrupt`` (store the upload with one byte flipped and answer 201),
    ``partial`` (store a truncated asset in state ``starter``, then answer 500).
    """

    operation: str
    kind: str = "status"
    asset_name: str | None = None
    status: int = 500
    count: int = 1


@dataclass
class RequestRecord:
    method: str
    path: str
    host: str
    authorized: bool


class FakeGitHub:
    """State and servers; use as a context manager."""

    def __init__(self, repo: str = "gigmcp/registry", *, max_per_page: int = 100) -> None:
        self.repo = repo
        self.max_per_page = max_per_page
        self.lock = threading.RLock()
        self.releases: dict[int, FakeRelease] = {}
        self.tags: dict[str, str] = {}
        self.latest_id: int | None = None
        self.faults: list[Fault] = []
        self.requests: list[RequestRecord] = []
        self.upload_delay = 0.0
        self.before_update: Callable[[], None] | None = None
        """Runs when a release update arrives, before it is applied (a concurrent actor)."""
        self._ids = itertools.count(1)
        self._servers = contextlib.ExitStack()
        self.api_url = self.uploads_url = self.storage_url = ""

    # --- lifecycle -----------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.api_url, self.uploads_url, self.storage_url = (
            self._servers.enter_context(serve(_handler(self, role)))
            for role in ("api", "uploads", "storage")
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._servers.close()

    @property
    def web_url(self) -> str:
        return self.api_url

    def latest_download_url(self, asset: str) -> str:
        return f"{self.web_url}/{self.repo}/releases/latest/download/{asset}"

    # --- helpers for tests ---------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def seed_release(
        self, tag: str, assets: dict[str, bytes], *, draft: bool = False, latest: bool = True
    ) -> FakeRelease:
        """Put a release in place directly, as if an earlier publish made it."""
        with self.lock:
            release = self._new_release(tag, draft=draft, name=tag, body="", target="main")
            for name, data in assets.items():
                release.assets.append(FakeAsset(next(self._ids), name, data))
            if not draft:
                self.tags[tag] = "main"
                if latest:
                    self.latest_id = release.id
            return release

    def latest(self) -> FakeRelease | None:
        with self.lock:
            return self.releases.get(self.latest_id) if self.latest_id is not None else None

    def by_tag(self, tag: str) -> list[FakeRelease]:
        with self.lock:
            return [r for r in self.releases.values() if r.tag_name == tag]

    def snapshot(self) -> dict[str, Any]:
        """Everything a test may compare before/after (tags, releases, bytes)."""
        with self.lock:
            return {
                "latest": self.latest_id,
                "tags": dict(self.tags),
                "releases": {
                    r.id: (
                        r.tag_name,
                        r.draft,
                        tuple((a.name, hashlib.sha256(a.data).hexdigest(), a.state)
                              for a in r.assets),
                    )
                    for r in self.releases.values()
                },
            }

    def mutating_requests(self) -> list[RequestRecord]:
        with self.lock:
            return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    # --- state transitions (called with the lock held) -----------------------

    def _new_release(
        self, tag: str, *, draft: bool, name: str, body: str, target: str
    ) -> FakeRelease:
        release_id = next(self._ids)
        release = FakeRelease(
            release_id, tag, name, body, draft, False, target, created=release_id
        )
        self.releases[release_id] = release
        return release

    def _take_fault(self, operation: str, asset_name: str | None = None) -> Fault | None:
        for fault in self.faults:
            if fault.operation != operation:
                continue
            if fault.asset_name is not None and fault.asset_name != asset_name:
                continue
            fault.count -= 1
            if fault.count <= 0:
                self.faults.remove(fault)
            return fault
        return None

    def _fallback_latest(self) -> None:
        published = [r for r in self.releases.values() if not r.draft and not r.prerelease]
        self.latest_id = max(published, key=lambda r: r.created).id if published else None

    def release_json(self, release: FakeRelease) -> dict[str, Any]:
        owner_repo = self.repo
        return {
            "id": release.id,
            "tag_name": release.tag_name,
            "name": release.name,
            "body": release.body,
            "draft": release.draft,
            "prerelease": release.prerelease,
            "target_commitish": release.target_commitish,
            "html_url": f"{self.web_url}/{owner_repo}/releases/tag/{release.tag_name}",
            "upload_url": (
                f"{self.uploads_url}/repos/{owner_repo}/releases/{release.id}/assets"
                "{?name,label}"
            ),
            "assets": [self.asset_json(release, a) for a in release.assets],
        }

    def asset_json(self, release: FakeRelease, asset: FakeAsset) -> dict[str, Any]:
        return {
            "id": asset.id,
            "name": asset.name,
            "size": len(asset.data),
            "state": asset.state,
            "url": f"{self.api_url}/repos/{self.repo}/releases/assets/{asset.id}",
            "browser_download_url": (
                f"{self.web_url}/{self.repo}/releases/download/{release.tag_name}/{asset.name}"
            ),
        }

    def find_asset(self, asset_id: int) -> tuple[FakeRelease, FakeAsset] | None:
        for release in self.releases.values():
            for asset in release.assets:
                if asset.id == asset_id:
                    return release, asset
        return None


class _ReplyError(Exception):
    def __init__(self, status: int, payload: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.headers = headers or {}


def _error(status: int, message: str, code: str | None = None) -> _ReplyError:
    payload: dict[str, Any] = {"message": message}
    if code:
        payload["errors"] = [{"code": code}]
    return _ReplyError(status, payload)


def _handler(fake: FakeGitHub, role: str) -> type[BaseHTTPRequestHandler]:
    routes = _Routes(fake, role)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _dispatch(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            auth = self.headers.get("Authorization")
            with fake.lock:
                fake.requests.append(
                    RequestRecord(self.command, parts.path, role, auth == f"Bearer {TOKEN}")
                )
            try:
                routes.handle(self, parts, auth)
            except _ReplyError as reply:
                self._reply(reply)
            except _DropError:
                self.close_connection = True

        def _reply(self, reply: _ReplyError) -> None:
            if isinstance(reply.payload, bytes):
                body = reply.payload
                content_type = "application/octet-stream"
            elif reply.payload is None:
                body = b""
                content_type = "application/json"
            else:
                body = json.dumps(reply.payload).encode()
                content_type = "application/json"
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _dispatch

    return Handler


class _DropError(Exception):
    """Close the connection without an answer (a network failure mid-request)."""


class _Routes:
    def __init__(self, fake: FakeGitHub, role: str) -> None:
        self.fake = fake
        self.role = role
        self.table: list[tuple[str, re.Pattern[str], Callable[..., None]]] = []
        repo = re.escape(fake.repo)
        api = f"/repos/{repo}"
        if role == "api":
            self._add("GET", rf"{api}/releases", self.list_releases)
            self._add("POST", rf"{api}/releases", self.create_release)
            self._add("GET", rf"{api}/releases/latest", self.get_latest)
            self._add("GET", rf"{api}/releases/tags/(?P<tag>[^/]+)", self.get_by_tag)
            self._add("GET", rf"{api}/releases/(?P<rid>\d+)", self.get_release)
            self._add("PATCH", rf"{api}/releases/(?P<rid>\d+)", self.update_release)
            self._add("DELETE", rf"{api}/releases/(?P<rid>\d+)", self.delete_release)
            self._add("GET", rf"{api}/releases/(?P<rid>\d+)/assets", self.list_assets)
            self._add("GET", rf"{api}/releases/assets/(?P<aid>\d+)", self.get_asset)
            self._add("DELETE", rf"{api}/releases/assets/(?P<aid>\d+)", self.delete_asset)
            self._add("DELETE", rf"{api}/git/refs/tags/(?P<tag>.+)", self.delete_tag)
            self._add("GET", rf"/{repo}/releases/latest/download/(?P<name>[^/]+)",
                      self.web_latest_download)
            self._add("GET", rf"/{repo}/releases/download/(?P<tag>[^/]+)/(?P<name>[^/]+)",
                      self.web_download)
        elif role == "uploads":
            self._add("POST", rf"{api}/releases/(?P<rid>\d+)/assets", self.upload_asset)
        else:
            self._add("GET", r"/objects/(?P<aid>\d+)/(?P<digest>[0-9a-f]{64})", self.storage)

    def _add(self, method: str, pattern: str, func: Callable[..., None]) -> None:
        self.table.append((method, re.compile(pattern + r"$"), func))

    def handle(
        self, request: BaseHTTPRequestHandler, parts: urllib.parse.SplitResult, auth: str | None
    ) -> None:
        method = "GET" if request.command == "HEAD" else request.command
        for route_method, pattern, func in self.table:
            match = pattern.match(parts.path)
            if match and route_method == method:
                web = self.role == "storage" or not parts.path.startswith("/repos/")
                if not web and auth != f"Bearer {TOKEN}":
                    raise _error(401, "Bad credentials")
                query = dict(urllib.parse.parse_qsl(parts.query))
                func(request, query, auth, **match.groupdict())
                return
        raise _error(404, "Not Found")

    # --- API ---------------------------------------------------------------

    def _release(self, rid: str) -> FakeRelease:
        release = self.fake.releases.get(int(rid))
        if release is None:
            raise _error(404, "Not Found")
        return release

    def list_releases(self, request: Any, query: dict[str, str], auth: Any) -> None:
        per_page = min(int(query.get("per_page", 30)), self.fake.max_per_page)
        page = int(query.get("page", "1"))
        with self.fake.lock:
            ordered = sorted(self.fake.releases.values(), key=lambda r: -r.created)
            chunk = ordered[(page - 1) * per_page : page * per_page]
            payload = [self.fake.release_json(r) for r in chunk]
            more = len(ordered) > page * per_page
        headers = {}
        if more:
            path = f"/repos/{self.fake.repo}/releases?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{self.fake.api_url}{path}>; rel="next"'
        raise _ReplyError(200, payload, headers)

    def create_release(self, request: Any, query: dict[str, str], auth: Any) -> None:
        data = _read_json(request)
        tag = data.get("tag_name")
        if not isinstance(tag, str) or not tag:
            raise _error(422, "Validation Failed", "missing_field")
        with self.fake.lock:
            fault = self.fake._take_fault("create")
            if fault is not None:
                raise _error(fault.status, "injected failure")
            if any(r.tag_name == tag for r in self.fake.releases.values()):
                raise _error(422, "Validation Failed", "already_exists")
            draft = bool(data.get("draft", False))
            release = self.fake._new_release(
                tag,
                draft=draft,
                name=str(data.get("name") or tag),
                body=str(data.get("body") or ""),
                target=str(data.get("target_commitish") or "main"),
            )
            if not draft:
                self._on_publish(release, data.get("make_latest", "true"))
            raise _ReplyError(201, self.fake.release_json(release))

    def _on_publish(self, release: FakeRelease, make_latest: Any) -> None:
        self.fake.tags.setdefault(release.tag_name, release.target_commitish)
        if make_latest != "false" and not release.prerelease:
            self.fake.latest_id = release.id

    def get_latest(self, request: Any, query: dict[str, str], auth: Any) -> None:
        with self.fake.lock:
            release = self.fake.latest()
            if release is None:
                raise _error(404, "Not Found")
            raise _ReplyError(200, self.fake.release_json(release))

    def get_by_tag(self, request: Any, query: dict[str, str], auth: Any, tag: str) -> None:
        tag = urllib.parse.unquote(tag)
        with self.fake.lock:
            for release in self.fake.releases.values():
                if release.tag_name == tag and not release.draft:
                    raise _ReplyError(200, self.fake.release_json(release))
        raise _error(404, "Not Found")

    def get_release(self, request: Any, query: dict[str, str], auth: Any, rid: str) -> None:
        with self.fake.lock:
            raise _ReplyError(200, self.fake.release_json(self._release(rid)))

    def update_release(self, request: Any, query: dict[str, str], auth: Any, rid: str) -> None:
        data = _read_json(request)
        hook, self.fake.before_update = self.fake.before_update, None
        if hook is not None:
            hook()
        with self.fake.lock:
            fault = self.fake._take_fault("update")
            if fault is not None:
                raise _error(fault.status, "injected failure")
            release = self._release(rid)
            was_draft = release.draft
            if "draft" in data:
                release.draft = bool(data["draft"])
            if "name" in data:
                release.name = str(data["name"])
            if was_draft and not release.draft:
                self._on_publish(release, data.get("make_latest", "true"))
            elif not release.draft and data.get("make_latest") == "true":
                self.fake.latest_id = release.id
            raise _ReplyError(200, self.fake.release_json(release))

    def delete_release(self, request: Any, query: dict[str, str], auth: Any, rid: str) -> None:
        with self.fake.lock:
            fault = self.fake._take_fault("delete_release")
            if fault is not None:
                raise _error(fault.status, "injected failure")
            release = self._release(rid)
            del self.fake.releases[release.id]
            if self.fake.latest_id == release.id:
                self.fake._fallback_latest()
        raise _ReplyError(204)

    def delete_tag(self, request: Any, query: dict[str, str], auth: Any, tag: str) -> None:
        tag = urllib.parse.unquote(tag)
        with self.fake.lock:
            if tag not in self.fake.tags:
                raise _error(422, "Reference does not exist")
            del self.fake.tags[tag]
        raise _ReplyError(204)

    def list_assets(self, request: Any, query: dict[str, str], auth: Any, rid: str) -> None:
        with self.fake.lock:
            release = self._release(rid)
            raise _ReplyError(200, [self.fake.asset_json(release, a) for a in release.assets])

    def get_asset(self, request: Any, query: dict[str, str], auth: Any, aid: str) -> None:
        with self.fake.lock:
            found = self.fake.find_asset(int(aid))
            if found is None:
                raise _error(404, "Not Found")
            release, asset = found
            if request.headers.get("Accept") == "application/octet-stream":
                raise _ReplyError(302, None, {"Location": self._storage_location(asset)})
            raise _ReplyError(200, self.fake.asset_json(release, asset))

    def delete_asset(self, request: Any, query: dict[str, str], auth: Any, aid: str) -> None:
        with self.fake.lock:
            found = self.fake.find_asset(int(aid))
            if found is None:
                raise _error(404, "Not Found")
            release, asset = found
            release.assets.remove(asset)
        raise _ReplyError(204)

    def _storage_location(self, asset: FakeAsset) -> str:
        digest = hashlib.sha256(asset.data).hexdigest()
        return f"{self.fake.storage_url}/objects/{asset.id}/{digest}"

    # --- web downloads -----------------------------------------------------

    def web_latest_download(self, request: Any, query: dict[str, str], auth: Any,
                            name: str) -> None:
        with self.fake.lock:
            release = self.fake.latest()
            if release is None or not any(a.name == name for a in release.assets):
                raise _error(404, "Not Found")
            location = f"/{self.fake.repo}/releases/download/{release.tag_name}/{name}"
        raise _ReplyError(302, None, {"Location": location})

    def web_download(self, request: Any, query: dict[str, str], auth: Any, tag: str,
                     name: str) -> None:
        with self.fake.lock:
            for release in self.fake.releases.values():
                if release.tag_name == tag and not release.draft:
                    for asset in release.assets:
                        if asset.name == name and asset.state == "uploaded":
                            location = self._storage_location(asset)
                            raise _ReplyError(302, None, {"Location": location})
        raise _error(404, "Not Found")

    # --- uploads and storage -----------------------------------------------

    def upload_asset(self, request: Any, query: dict[str, str], auth: Any, rid: str) -> None:
        name = query.get("name", "")
        length = int(request.headers.get("Content-Length") or 0)
        with self.fake.lock:
            fault = self.fake._take_fault("upload", name)
        if fault is not None and fault.kind == "disconnect":
            request.rfile.read(length // 2)
            raise _DropError
        data = request.rfile.read(length)
        if self.fake.upload_delay:
            time.sleep(self.fake.upload_delay)
        with self.fake.lock:
            release = self._release(rid)
            if not name:
                raise _error(422, "Validation Failed", "missing_field")
            if fault is not None and fault.kind == "status":
                raise _error(fault.status, "injected failure")
            if any(a.name == name for a in release.assets):
                raise _error(422, "Validation Failed", "already_exists")
            if fault is not None and fault.kind == "partial":
                release.assets.append(
                    FakeAsset(next(self.fake._ids), name, data[: len(data) // 2], "starter")
                )
                raise _error(502, "injected failure after a partial upload")
            if fault is not None and fault.kind == "corrupt" and data:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            asset = FakeAsset(next(self.fake._ids), name, data)
            release.assets.append(asset)
            raise _ReplyError(201, self.fake.asset_json(release, asset))

    def storage(self, request: Any, query: dict[str, str], auth: Any, aid: str,
                digest: str) -> None:
        if auth is not None:
            # Like the real object store: a second auth mechanism is an error.
            raise _ReplyError(400, b"Only one auth mechanism allowed")
        with self.fake.lock:
            found = self.fake.find_asset(int(aid))
            if found is None or hashlib.sha256(found[1].data).hexdigest() != digest:
                raise _ReplyError(404, b"no such object")
            raise _ReplyError(200, found[1].data)


def _read_json(request: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(request.headers.get("Content-Length") or 0)
    try:
        data = json.loads(request.rfile.read(length) or b"{}")
    except ValueError:
        raise _error(400, "Problems parsing JSON") from None
    if not isinstance(data, dict):
        raise _error(400, "Problems parsing JSON")
    return data


@contextmanager
def running(repo: str = "gigmcp/registry") -> Iterator[FakeGitHub]:
    with FakeGitHub(repo) as fake:
        yield fake


# --- readers, as a gateway would read the live release --------------------------


def _get(url: str, *, token: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET without following redirects."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def download(url: str) -> tuple[int, bytes, list[str]]:
    """Follow redirects by hand (no credentials); return status, body and every URL seen."""
    seen = [url]
    for _ in range(5):
        status, headers, body = _get(url)
        if status in (301, 302, 307, 308):
            url = urllib.parse.urljoin(url, headers["Location"])
            seen.append(url)
            continue
        return status, body, seen
    raise AssertionError(f"redirect loop from {seen[0]}")


@dataclass(frozen=True)
class LivePair:
    """What a reader got: the tag it came from (when known) and both files."""

    tag: str | None
    index: bytes
    signature: bytes


def read_latest_via_api(fake: FakeGitHub) -> LivePair | None:
    """``GET releases/latest`` then both assets of that one release (consistent by design)."""
    status, _, body = _get(f"{fake.api_url}/repos/{fake.repo}/releases/latest", token=TOKEN)
    if status == 404:
        return None
    assert status == 200, (status, body)
    release = json.loads(body)
    urls = {a["name"]: a["browser_download_url"] for a in release["assets"]}
    files = {}
    for name in ("index.json", "index.json.sig"):
        got, data, _ = download(urls[name])
        assert got == 200, (release["tag_name"], name, got)
        files[name] = data
    return LivePair(release["tag_name"], files["index.json"], files["index.json.sig"])


def read_latest_via_web(fake: FakeGitHub) -> tuple[LivePair | None, str | None]:
    """Both ``/releases/latest/download/...`` URLs; also the tag each redirected to."""
    tags = []
    files = {}
    for name in ("index.json", "index.json.sig"):
        status, data, seen = download(fake.latest_download_url(name))
        if status == 404:
            return None, None
        assert status == 200, (name, status)
        match = re.search(r"/releases/download/([^/]+)/", seen[1])
        tags.append(match.group(1) if match else None)
        files[name] = data
    same = tags[0] if tags[0] == tags[1] else None
    pair = LivePair(same, files["index.json"], files["index.json.sig"])
    return pair, tags[1] if same is None else same
