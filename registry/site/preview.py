"""What a preview keeps between rebuilds, and what each page's content depends on.

``registryctl serve`` rebuilds the site on every save. A rebuild reads only the
files that changed (:class:`~registry.load.tree.LoadCache`), re-renders only
the pages whose inputs changed (:func:`page_fingerprints`; mkdocs' dirty
build skips the rest), and never fails on a lint error: the last good site
stays up and every page shows the located findings in an overlay, read from
:data:`STATUS_FILE`, until the file is fixed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from jinja2.bccache import Bucket, BytecodeCache

from registry.errors import Finding
from registry.load.tree import LoadCache, Registry
from registry.pipeline import Prepared
from registry.site.pages import BuildInfo, PageSpec

STATUS_FILE = "assets/gigmcp/preview.json"
"""Written on every preview build: whether the tree lints, and its findings."""
SCRIPT_FILE = "assets/gigmcp/preview.js"
"""Loaded by every preview page: shows the findings of :data:`STATUS_FILE` over the page."""
MAX_SHOWN = 200


class TemplateCache(BytecodeCache):
    """Jinja2 bytecode kept in memory across a preview's builds (compiling is most of one)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


@dataclass
class PreviewState:
    """One preview's memory, from one build to the next."""

    cache: LoadCache = field(default_factory=LoadCache)
    good: Prepared | None = None
    """The last build that linted clean: what the preview keeps showing meanwhile."""
    findings: list[Finding] = field(default_factory=list)
    """The errors of the last attempt; empty when it linted clean."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    """Each generated page's inputs at the last build (see :func:`page_fingerprints`)."""
    templates: TemplateCache = field(default_factory=lambda: TemplateCache())
    """The theme's compiled templates: mkdocs makes a new environment every build."""

    def status(self) -> bytes:
        shown = [finding.format() for finding in self.findings[:MAX_SHOWN]]
        payload = {
            "ok": not self.findings,
            "errors": len(self.findings),
            "findings": shown,
            "more": max(0, len(self.findings) - MAX_SHOWN),
        }
        return (json.dumps(payload, ensure_ascii=True) + "\n").encode("ascii")


def _digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _server_inputs(registry: Registry, name: str) -> str:
    parts = []
    for entry in registry.servers.get(name, []):
        spec = registry.toolspec_for(entry.manifest)
        parts += [entry.path, entry.doc.text, spec.doc.text if spec else ""]
    return _digest(*parts)


def page_fingerprints(
    registry: Registry, info: BuildInfo, specs: list[PageSpec]
) -> dict[str, str]:
    """A digest of everything each page shows; equal digests mean an unchanged page.

    Server and version pages depend on their server's files (every version:
    the history is on each page) and the build facts they show (signed or not,
    the index URL, the public key; not dates); catalog pages on the whole
    catalog, so they are always rendered again.
    """
    facts = _digest(str(info.signed), info.index_url, info.public_key, info.site_url)
    servers: dict[str, str] = {}
    out = {}
    for spec in specs:
        if spec.kind in ("server", "version"):
            if spec.name not in servers:
                servers[spec.name] = _server_inputs(registry, spec.name)
            out[spec.src_uri] = _digest(facts, spec.src_uri, servers[spec.name])
        else:
            out[spec.src_uri] = ""  # never equal to a digest: always rendered
    return out
