"""The gateway client: fetch with caps, verify before parse, freeze/rollback, resolve."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from registry.errors import IndexRejected, ResolveError, SignatureError
from registry.fileio import write_atomic
from registry.gateway.fetch import check_redirect, check_url, fetch, signature_location
from registry.gateway.resolve import resolve
from registry.gateway.trust import (
    DEFAULT_MAX_AGE,
    load_state,
    load_trusted_index,
    locked_state,
    remember,
    save_state,
    state_key,
)
from registry.index.build import build_index
from registry.index.parse import Index, parse_index
from registry.layout import PLACEHOLDER_DIGEST
from registry.load.schema import Manifest
from registry.signing import generate_keypair, sign_index
from tests.loopback import serve, serve_directory

PUBLIC, PRIVATE = generate_keypair()
OTHER_PUBLIC, OTHER_PRIVATE = generate_keypair()
T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


def digest(seed: int) -> str:
    return "sha256:" + f"{seed:064x}"


def make_manifest(name: str, version: str, image_digest: str) -> Manifest:
    return Manifest.model_validate(
        {
            "schemaVersion": 1,
            "name": name,
            "version": version,
            "source": {"repo": f"example.test/acme/{name}", "tag": f"v{version}"},
            "image": {
                "ref": f"registry.example.test/acme/{name}",
                "digest": image_digest,
                "entrypoint": "/app/server",
            },
            "tier": "sealed",
            "entitlements": {"egress": [f"api.{name}.example.test"]},
            "tools": [{"name": "ping", "default": True}],
        }
    )


MANIFESTS = [
    make_manifest("alpha", "0.9.0", digest(1)),
    make_manifest("alpha", "0.10.0", digest(2)),
    make_manifest("beta", "1.0.0", digest(3)),
    make_manifest("planned", "0.1.0", PLACEHOLDER_DIGEST),
]


def index_bytes(generated: datetime = T0, manifests: list[Manifest] = MANIFESTS) -> bytes:
    return build_index(manifests, generated)


def publish(folder: Path, raw: bytes, key: str = PRIVATE) -> Path:
    """Write index.json and its signature into ``folder``; return the index path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.json").write_bytes(raw)
    (folder / "index.json.sig").write_text(sign_index(raw, key))
    return folder / "index.json"


def load(location: Path | str, state: Path | None, **options: Any) -> Index:
    options.setdefault("now", NOW)
    return load_trusted_index(
        str(location), public_keys=[PUBLIC], state_path=state, **options
    )


# --- local HTTP server ------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Serves the folder, plus a few hostile endpoints."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/endless":
            self.send_response(200)
            self.end_headers()  # no Content-Length: size known only by streaming
            try:
                while True:
                    self.wfile.write(b"x" * 4096)
            except OSError:
                return
        if self.path == "/huge-length":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
            return
        if self.path.startswith("/redirect-to-http"):
            self.send_response(302)
            self.send_header("Location", "http://example.test/index.json")
            self.end_headers()
            return
        if self.path.startswith("/redirect-local"):
            self.send_response(302)
            self.send_header("Location", "/index.json")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, served folder) of a loopback HTTP server on an ephemeral port."""
    folder = tmp_path / "www"
    folder.mkdir()
    with serve_directory(folder, _Handler) as url:
        yield url, folder


# --- URL policy and fetching ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.test/index.json",
        "http://127.0.0.1:8000/index.json",
        "http://127.8.9.10/index.json",
        "http://[::1]:8000/index.json",
        "http://localhost/index.json",
        "http://LOCALHOST/index.json",
    ],
)
def test_allowed_urls(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.test/index.json", "refusing plain http"),
        ("http://127.0.0.1.example.test/index.json", "refusing plain http"),
        ("http://127.0.0.1@example.test/index.json", "refusing plain http"),
        ("http://10.0.0.1/index.json", "refusing plain http"),
        ("ftp://example.test/index.json", "unsupported URL scheme"),
        ("file:///etc/passwd", "no host"),
        ("https:///index.json", "no host"),
        ("http://[::1/index.json", "malformed URL"),
    ],
)
def test_refused_urls(url: str, message: str) -> None:
    with pytest.raises(IndexRejected, match=message):
        check_url(url)


def test_signature_location() -> None:
    assert signature_location("https://h.test/r/index.json") == "https://h.test/r/index.json.sig"
    assert signature_location("https://h.test/i.json?x=1") == "https://h.test/i.json.sig?x=1"
    assert signature_location("dist/index.json") == "dist/index.json.sig"


def test_local_file_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "index.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(IndexRejected, match="larger than the 100-byte limit"):
        fetch(str(path), what="index", max_bytes=100)
    assert fetch(str(path), what="index", max_bytes=101) == b"x" * 101
    with pytest.raises(IndexRejected, match="cannot read index"):
        fetch(str(tmp_path / "missing.json"), what="index", max_bytes=100)


def test_http_size_cap_is_enforced_while_streaming(served: tuple[str, Path]) -> None:
    base, _ = served
    with pytest.raises(IndexRejected, match="larger than the 100000-byte limit"):
        fetch(f"{base}/endless", what="index", max_bytes=100_000, timeout=10)


def test_http_announced_size_over_the_cap_is_refused_up_front(
    served: tuple[str, Path],
) -> None:
    base, _ = served
    with pytest.raises(IndexRejected, match="larger than"):
        fetch(f"{base}/huge-length", what="index", max_bytes=1000, timeout=10)


def test_http_errors_and_timeouts(served: tuple[str, Path]) -> None:
    base, _ = served
    with pytest.raises(IndexRejected, match="HTTP 404"):
        fetch(f"{base}/missing.json", what="index", max_bytes=1000)
    with pytest.raises(IndexRejected, match="timed out"):
        fetch(f"{base}/slow", what="index", max_bytes=1000, timeout=0.3)


def test_redirect_to_plain_http_elsewhere_is_refused(served: tuple[str, Path]) -> None:
    base, folder = served
    publish(folder, index_bytes())
    with pytest.raises(IndexRejected, match=r"refusing plain http for example.test"):
        fetch(f"{base}/redirect-to-http", what="index", max_bytes=10_000)
    assert fetch(f"{base}/redirect-local", what="index", max_bytes=10_000) == index_bytes()


# --- verify before parse ----------------------------------------------------


def test_garbage_but_correctly_signed_body_fails_at_parse(tmp_path: Path) -> None:
    path = publish(tmp_path, b"this is not an index")
    with pytest.raises(IndexRejected, match="invalid index"):
        load(path, None)


def test_valid_but_unsigned_body_fails_at_signature(tmp_path: Path) -> None:
    path = publish(tmp_path, index_bytes(), key=OTHER_PRIVATE)
    with pytest.raises(SignatureError, match="does not verify"):
        load(path, None)


def test_signature_is_checked_before_parsing(tmp_path: Path) -> None:
    # Garbage signed by the wrong key: the signature error wins, the parser never runs.
    path = publish(tmp_path, b"\xff not json", key=OTHER_PRIVATE)
    with pytest.raises(SignatureError):
        load(path, None)


def test_tampered_index_is_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, index_bytes())
    path.write_bytes(path.read_bytes().replace(digest(2).encode(), digest(9).encode()))
    with pytest.raises(SignatureError):
        load(path, None)


def test_signature_file_problems(tmp_path: Path) -> None:
    path = publish(tmp_path, index_bytes())
    sig = tmp_path / "index.json.sig"
    sig.write_bytes("é".encode() * 64)
    with pytest.raises(SignatureError, match="malformed signature"):
        load(path, None)
    sig.write_bytes(b"0" * 2000)
    with pytest.raises(IndexRejected, match="signature is larger than the 1024-byte limit"):
        load(path, None)
    sig.unlink()
    with pytest.raises(IndexRejected, match="cannot read signature"):
        load(path, None)


def test_explicit_signature_location_and_key_rotation(tmp_path: Path) -> None:
    raw = index_bytes()
    (tmp_path / "index.json").write_bytes(raw)
    (tmp_path / "elsewhere.sig").write_text(sign_index(raw, PRIVATE))
    index = load_trusted_index(
        str(tmp_path / "index.json"),
        sig_url=str(tmp_path / "elsewhere.sig"),
        public_keys=[OTHER_PUBLIC, PUBLIC],
        state_path=None,
        now=NOW,
    )
    assert set(index.servers) == {"alpha", "beta", "planned"}


def test_index_size_cap_applies_before_anything_else(tmp_path: Path) -> None:
    path = publish(tmp_path, index_bytes())
    with pytest.raises(IndexRejected, match="index is larger than"):
        load(path, None, max_index_bytes=100)


# --- freeze and rollback ----------------------------------------------------


def test_stale_index_is_refused(tmp_path: Path) -> None:
    path = publish(tmp_path, index_bytes(T0))
    load(path, None, now=T0 + DEFAULT_MAX_AGE)  # exactly the maximum age: still fresh
    with pytest.raises(IndexRejected, match=r"index is stale.*maximum age of 14 days"):
        load(path, None, now=T0 + DEFAULT_MAX_AGE + timedelta(seconds=1))
    with pytest.raises(IndexRejected, match="maximum age of 1 day"):
        load(path, None, now=T0 + timedelta(days=2), max_age=timedelta(days=1))
    load(path, None, now=T0 + timedelta(days=400), max_age=None)


def test_rollback_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state" / "trust.json"
    new = publish(tmp_path / "new", index_bytes(T0 + timedelta(hours=1)))
    old = publish(tmp_path / "old", index_bytes(T0))
    served = tmp_path / "served"
    served.mkdir()
    location = served / "index.json"
    for source in (old, new):
        location.write_bytes(source.read_bytes())
        (served / "index.json.sig").write_bytes((source.parent / "index.json.sig").read_bytes())
        load(location, state)
    # An attacker replays the older (validly signed) index.
    location.write_bytes(old.read_bytes())
    (served / "index.json.sig").write_bytes((old.parent / "index.json.sig").read_bytes())
    with pytest.raises(IndexRejected, match=r"rollback refused.*2026-01-01T00:00:00Z"):
        load(location, state)
    remembered = load_state(state)[state_key(str(location))]
    assert remembered.generated == T0 + timedelta(hours=1)


def test_same_generated_with_different_bytes_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "trust.json"
    path = publish(tmp_path, index_bytes(T0))
    load(path, state)
    load(path, state)  # the same bytes again are fine
    publish(tmp_path, index_bytes(T0, MANIFESTS[:2]))
    with pytest.raises(IndexRejected, match="changed without a new generated time"):
        load(path, state)


def test_state_is_kept_per_index_location(tmp_path: Path) -> None:
    state = tmp_path / "trust.json"
    first = publish(tmp_path / "a", index_bytes(T0 + timedelta(hours=2)))
    second = publish(tmp_path / "b", index_bytes(T0))
    load(first, state)
    load(second, state)  # older, but from another location
    data = json.loads(state.read_text())
    assert data["schemaVersion"] == 1
    assert sorted(data["indexes"]) == sorted([state_key(str(first)), state_key(str(second))])
    assert data["indexes"][state_key(str(second))]["generated"] == "2026-01-01T00:00:00Z"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_rejected_index_does_not_touch_the_state(tmp_path: Path) -> None:
    state = tmp_path / "trust.json"
    path = publish(tmp_path, index_bytes(T0))
    load(path, state)
    before = state.read_bytes()
    publish(tmp_path, index_bytes(T0 + timedelta(hours=1)), key=OTHER_PRIVATE)
    with pytest.raises(SignatureError):
        load(path, state)
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"schemaVersion": 2, "indexes": {}}',
        '{"schemaVersion": 1}',
        '{"schemaVersion": 1, "indexes": {"x": {"generated": "yesterday", "sha256": ""}}}',
        '{"schemaVersion": 1, "indexes": {"x": {"generated": "2026-01-01T00:00:00"'
        ', "sha256": ""}}}',
        '{"schemaVersion": 1, "indexes": {"x": {"generated": 5, "sha256": ""}}}',
        '{"schemaVersion": 1, "indexes": []}',
    ],
)
def test_corrupt_state_fails_closed(tmp_path: Path, content: str) -> None:
    state = tmp_path / "trust.json"
    state.write_text(content)
    path = publish(tmp_path, index_bytes())
    with pytest.raises(IndexRejected, match=r"rollback state .* is corrupt"):
        load(path, state)


def test_write_atomic_leaves_no_temporary_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()  # replacing a directory with a file fails
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]
    write_atomic(tmp_path / "sub" / "file", b"data")
    assert (tmp_path / "sub" / "file").read_bytes() == b"data"


# --- resolving --------------------------------------------------------------


@pytest.fixture(scope="module")
def index() -> Index:
    return parse_index(index_bytes())


def test_resolve_name_gives_latest(index: Index) -> None:
    assert resolve(index, "alpha").version == "0.10.0"


def test_resolve_name_at_version(index: Index) -> None:
    assert resolve(index, "alpha@0.9.0").image.digest == digest(1)


def test_resolve_digest(index: Index) -> None:
    assert resolve(index, digest(3)).ref == "beta@1.0.0"


@pytest.mark.parametrize("ref", ["planned", "planned@0.1.0", PLACEHOLDER_DIGEST])
def test_placeholder_digest_is_not_installable(index: Index, ref: str) -> None:
    with pytest.raises(ResolveError, match="planned, not installable"):
        resolve(index, ref)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("gamma", "unknown server 'gamma'"),
        ("gamma@1.0.0", "unknown server 'gamma'"),
        ("alpha@1.0.0", r"alpha has no version 1\.0\.0 \(available: 0\.9\.0, 0\.10\.0\)"),
        (digest(7), "no server in the index has image digest"),
        ("", "malformed ref"),
        ("Alpha", "malformed ref"),
        ("alpha@", "malformed ref"),
        ("alpha@0.9", "malformed ref"),
        ("alpha@v0.9.0", "malformed ref"),
        ("@0.9.0", "malformed ref"),
        ("alpha@0.9.0@x", "malformed ref"),
        (" alpha", "malformed ref"),
        ("sha256:abc", "malformed digest ref"),
        ("sha256:" + "A" * 64, "malformed digest ref"),
        ("sha256:" + "a" * 65, "malformed digest ref"),
    ],
)
def test_unresolvable_refs(index: Index, ref: str, message: str) -> None:
    with pytest.raises(ResolveError, match=message):
        resolve(index, ref)


def test_ambiguous_digest_is_refused() -> None:
    twins = [make_manifest("one", "1.0.0", digest(5)), make_manifest("two", "1.0.0", digest(5))]
    with pytest.raises(ResolveError, match=r"ambiguous: one@1.0.0, two@1.0.0"):
        resolve(parse_index(build_index(twins, T0)), digest(5))


# --- end to end -------------------------------------------------------------

TINY_MANIFEST = """\
schemaVersion: 1
name: {name}
version: {version}
source:
  repo: example.test/acme/{name}
  tag: v{version}
image:
  ref: registry.example.test/acme/{name}
  digest: {digest}
  entrypoint: /app/server
tier: sealed
displayName: {name}
description: A tiny test server.
category: dev-tools
entitlements:
  egress:
    - api.{name}.example.com
tools:
  - name: ping
    default: true
"""


def write_tree(root: Path) -> None:
    for name, version, seed in (("echo", "0.9.0", 11), ("echo", "0.10.0", 12), ("clock", "1.2.3", 13)):
        path = root / "manifests" / name / f"{version}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TINY_MANIFEST.format(name=name, version=version, digest=digest(seed)))


def test_end_to_end_over_loopback_http(tmp_path: Path, served: tuple[str, Path]) -> None:
    from registry.load.tree import Layout, load_registry

    base, folder = served
    write_tree(tmp_path / "tree")
    registry, findings = load_registry(Layout.of_root(tmp_path / "tree"))
    assert findings == []
    raw = build_index([entry.manifest for entry in registry.manifests], T0)
    publish(folder, raw)
    state = tmp_path / "gateway" / "trust.json"
    index = load_trusted_index(
        f"{base}/index.json", public_keys=[PUBLIC], state_path=state, now=NOW
    )
    manifest = resolve(index, "echo")
    assert manifest.ref == "echo@0.10.0"
    assert manifest.image.digest == digest(12)
    assert resolve(index, digest(13)).ref == "clock@1.2.3"
    assert json.loads(state.read_text())["indexes"][f"{base}/index.json"]["generated"] == (
        "2026-01-01T00:00:00Z"
    )


# --- registryctl build-index -> sign -> verify -> resolve ---------------------


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from registry.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_pipeline_end_to_end(
    tmp_path: Path,
    served: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, folder = served
    write_tree(tmp_path / "tree")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", PRIVATE)
    monkeypatch.delenv("GIG_REGISTRY_PUBKEY", raising=False)
    index, sig = folder / "index.json", folder / "index.json.sig"

    code, out, err = _run(["build-index", "--root", str(tmp_path / "tree"), "--out", str(index)],
                          capsys)
    assert code == 0, err
    assert "2 servers, 3 manifests, generated 2026-01-01T00:00:00Z" in out
    assert json.loads(index.read_bytes())["servers"]["echo"]["latest"] == "0.10.0"
    # Every run takes the key out of the environment before it does anything else.
    monkeypatch.setenv("GIG_INDEX_SIGNING_KEY", PRIVATE)
    assert _run(["sign", "--in", str(index), "--out", str(sig)], capsys)[0] == 0
    assert _run(["verify", "--in", f"{base}/index.json", "--pub", PUBLIC], capsys)[0] == 0

    # The index is dated 2026-01-01; the real clock decides staleness, so allow any age.
    state = tmp_path / "trust.json"
    argv = ["resolve", "echo@0.9.0", "--index", f"{base}/index.json", "--pub", PUBLIC,
            "--state", str(state), "--max-age-days", "0"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    printed = json.loads(out)
    assert list(printed)[:4] == ["schemaVersion", "name", "version", "source"]
    assert printed["image"]["digest"] == digest(11)
    assert state.is_file()

    code, _, err = _run([*argv[:1], "nope", *argv[2:]], capsys)
    assert code == 1 and "unknown server 'nope'" in err
    code, _, err = _run([*argv[:-2]], capsys)  # default maximum age of 14 days
    assert (code == 0) == (datetime.now(UTC) - T0 <= DEFAULT_MAX_AGE)


def test_cli_build_index_writes_nothing_when_lint_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path)
    broken = tmp_path / "manifests" / "echo" / "0.9.0.yaml"
    broken.write_text(broken.read_text().replace("tier: sealed", "tier: open"))
    out_file = tmp_path / "dist" / "index.json"
    code, _, err = _run(["build-index", "--root", str(tmp_path), "--out", str(out_file)], capsys)
    assert code == 1
    assert "0.9.0.yaml" in err and "tier" in err
    assert not out_file.exists()


def test_cli_build_index_refuses_a_malformed_source_date_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    out_file = tmp_path / "index.json"
    code, _, err = _run(["build-index", "--root", str(tmp_path), "--out", str(out_file)], capsys)
    assert code == 1 and "SOURCE_DATE_EPOCH must be a non-negative integer" in err
    assert not out_file.exists()


@pytest.mark.parametrize("builder", ["node", "python"])
def test_prepared_builders_are_not_installable(builder: str) -> None:
    manifest = make_manifest("later", "1.0.0", digest(9))
    manifest = manifest.model_copy(
        update={"image": manifest.image.model_copy(update={"builder": builder})}
    )
    index = parse_index(index_bytes(manifests=[manifest]))
    with pytest.raises(ResolveError, match=f"the {builder} builder needs the gateway's rootfs"):
        resolve(index, "later")


class _SwitchingRelease(SimpleHTTPRequestHandler):
    """`latest` switches releases right after the first index download."""

    bodies: ClassVar[dict[str, list[bytes]]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        queue = self.bodies[self.path]
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize("switches", [1, 2])
def test_a_release_switch_between_downloads_is_retried_once(switches: int) -> None:
    old = index_bytes(T0)
    new = index_bytes(T0 + timedelta(hours=1))
    # The index comes from the old release `switches` times, the signature is the new one's.
    _SwitchingRelease.bodies = {
        "/index.json": [old] * switches + [new],
        "/index.json.sig": [sign_index(new, PRIVATE).encode()],
    }
    with serve(_SwitchingRelease) as base:
        url = f"{base}/index.json"
        if switches == 1:
            index = load_trusted_index(url, public_keys=[PUBLIC], state_path=None, now=NOW)
            assert index.generated == T0 + timedelta(hours=1)
        else:
            with pytest.raises(SignatureError):
                load_trusted_index(url, public_keys=[PUBLIC], state_path=None, now=NOW)


# --- future dates, redirects, concurrent gateways (the trust stage's edges) -----------------


def test_an_index_from_the_future_is_refused_and_never_remembered(tmp_path: Path) -> None:
    state = tmp_path / "trust.json"
    future = publish(tmp_path / "future", index_bytes(NOW + timedelta(hours=2)))
    with pytest.raises(IndexRejected, match="dated in the future"):
        load(future, state)
    assert not state.exists()  # one future-dated index must not lock the location out
    # Within the clock skew it is accepted; and today's index is still accepted after it.
    assert load(publish(tmp_path / "skewed", index_bytes(NOW + timedelta(minutes=4))), None)
    assert load(publish(tmp_path / "now", index_bytes(NOW)), state).generated == NOW


@pytest.mark.parametrize(
    ("original", "target", "allowed"),
    [
        ("https://registry.example.org/index.json", "https://cdn.example.org/index.json", True),
        ("https://registry.example.org/index.json", "http://cdn.example.org/index.json", False),
        # Loopback does not excuse a downgrade from https ...
        ("https://registry.example.org/index.json", "http://127.0.0.1:8000/index.json", False),
        ("https://registry.example.org/index.json", "http://localhost/index.json", False),
        # ... but a loopback http download may follow a loopback http redirect.
        ("http://127.0.0.1:8000/index.json", "http://127.0.0.1:8001/index.json", True),
        ("http://127.0.0.1:8000/index.json", "http://example.org/index.json", False),
    ],
)
def test_a_redirect_never_lands_on_plain_http_after_https(
    original: str, target: str, allowed: bool
) -> None:
    if allowed:
        check_redirect(original, target)
    else:
        with pytest.raises(IndexRejected):
            check_redirect(original, target)


def test_a_loopback_redirect_is_followed_end_to_end(tmp_path: Path) -> None:
    raw = index_bytes()
    files = {"/real/index.json": raw, "/real/index.json.sig": sign_index(raw, PRIVATE).encode()}

    class Redirecting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in files:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(files[self.path])
            else:
                self.send_response(302)
                self.send_header("Location", "/real" + self.path)
                self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve(Redirecting) as base:
        assert load(f"{base}/index.json", None).generated == T0


def test_two_gateways_never_store_an_older_baseline_over_a_newer_one(tmp_path: Path) -> None:
    """Gateway B checks and stores under the lock gateway A holds while it stores a newer index."""
    state = tmp_path / "trust.json"
    old_raw = index_bytes(T0)
    new_raw = index_bytes(T0 + timedelta(hours=1))
    location = str(tmp_path / "index.json")
    outcome: list[BaseException | None] = []

    def gateway_b() -> None:
        try:
            remember(state, location, parse_index(old_raw), old_raw)
            outcome.append(None)
        except IndexRejected as error:
            outcome.append(error)

    with locked_state(state) as current:
        worker = threading.Thread(target=gateway_b)
        worker.start()
        time.sleep(0.3)
        assert worker.is_alive() and outcome == []  # B waits for A's lock
        import hashlib

        from registry.gateway.trust import AcceptedIndex, state_key

        current[state_key(location)] = AcceptedIndex(
            T0 + timedelta(hours=1), hashlib.sha256(new_raw).hexdigest()
        )
        save_state(state, current)
    worker.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], IndexRejected)
    assert "rollback refused" in str(outcome[0])
    assert load_state(state)[state_key(location)].generated == T0 + timedelta(hours=1)
