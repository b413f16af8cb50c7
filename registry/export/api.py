"""The official MCP Registry's v0.1 read API as static files, served next to ``index.json``.

- ``/v0.1/servers``: a ServerList of each server's latest version, in
  ``v0.1/servers.html`` and ``v0.1/servers/index.html``;
- ``/v0.1/servers/{name}/versions``: a ServerList of its versions, newest
  first, in ``…/{name}/versions.html`` and ``…/{name}/versions/index.html``;
- ``/v0.1/servers/{name}/versions/latest`` and ``…/versions/{version}``: a
  ServerResponse each, in the files of those names.

Why this layout, on a host that maps a path to a file and ignores the query:

- ``{name}`` is ``<namespace>/<server>``. Clients URL-encode its slash
  (``%2F``); the static servers we know decode it before looking the file up
  (the tests walk a loopback server both ways), so the encoded and the decoded
  path reach the same nested file;
- a collection is a folder too (it holds the names below it), so its body is
  that folder's ``index.html`` (which hosts serve for ``/path/``, after
  redirecting ``/path`` there) and, byte for byte, ``path.html`` (which GitHub
  Pages is reported to serve for ``/path`` without a redirect);
- the other files have no extension (hosts send them as
  ``application/octet-stream``; clients parse the body whatever its type);
- there is no ``nextCursor``: a list is the whole catalog, whatever
  ``?limit=``, ``?cursor=`` or ``?search=`` a client sends;
- bodies are escaped as Go escapes JSON: ``<``, ``>`` and ``&`` never appear
  raw, so a collection served as ``text/html`` stays inert.

Each response's ``_meta`` holds the registry-managed facts under the
registry's own key (``<namespace>/gigmcp-registry``: status, publish date,
``isLatest``), never under ``io.modelcontextprotocol.registry/official``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from registry.export.serverjson import Origin, server_json
from registry.index.build import format_generated
from registry.index.gojson import Field, Struct, marshal
from registry.load.history import added_at
from registry.load.tree import ManifestEntry, Registry
from registry.status import planned_reasons, status_of

API_VERSION = "v0.1"
SERVERS_PATH = f"{API_VERSION}/servers"
LATEST = "latest"


def versions_path(name: str) -> str:
    """``v0.1/servers/<name>/versions`` for a full ``<namespace>/<server>`` name."""
    return f"{SERVERS_PATH}/{name}/versions"


def collection_files(path: str, body: bytes) -> dict[str, bytes]:
    """The two files that answer ``/path`` and ``/path/``: ``path.html`` and ``path/index.html``."""
    return {f"{path}.html": body, f"{path}/index.html": body}


def server_response(
    registry: Registry,
    entry: ManifestEntry,
    origin: Origin,
    *,
    published: datetime,
    is_latest: bool,
) -> Struct:
    """One ServerResponse: the server.json and the registry's facts about that version."""
    manifest = entry.manifest
    facts = Struct((
        Field("status", status_of(manifest)),
        Field("statusReasons", list(planned_reasons(manifest)), omitempty=True),
        Field("publishedAt", format_generated(published)),
        Field("isLatest", is_latest),
    ))
    return Struct((
        Field("server", server_json(registry, entry, origin)),
        # Always an object: clients destructure it without checking.
        Field("_meta", {origin.registry_key: facts}),
    ))


def server_list(responses: list[Struct]) -> bytes:
    """A ServerList of ``responses``: all of them, so no ``nextCursor``."""
    return marshal(Struct((
        Field("servers", responses),
        Field("metadata", Struct((Field("count", len(responses)),))),
    )))


def api_files(
    registry: Registry,
    origin: Origin,
    *,
    generated: datetime,
    dates: Mapping[tuple[str, str], datetime],
) -> dict[str, bytes]:
    """Site path -> bytes of every file of the static v0.1 read API, in a fixed order.

    A version's ``publishedAt`` is when its manifest was added (``dates``, from
    git), never later than ``generated``; without history it is ``generated``.
    """
    files: dict[str, bytes] = {}
    latest: list[Struct] = []
    for server, versions in registry.servers.items():
        newest_first = []
        for entry in reversed(versions):
            version = entry.manifest.version
            published = added_at(dates, server, version, generated)
            newest_first.append(server_response(
                registry, entry, origin, published=published, is_latest=entry is versions[-1],
            ))
        path = versions_path(origin.name_of(server))
        files.update(collection_files(path, server_list(newest_first)))
        files[f"{path}/{LATEST}"] = marshal(newest_first[0])
        for entry, response in zip(reversed(versions), newest_first, strict=True):
            files[f"{path}/{entry.manifest.version}"] = marshal(response)
        latest.append(newest_first[0])
    return {**collection_files(SERVERS_PATH, server_list(latest)), **files}
