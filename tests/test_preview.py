"""``registryctl serve``'s preview: only what changed is rebuilt, and a broken edit is shown.

These drive the preview's builds directly (the same mkdocs dirty build the
server runs on every save); the browser test in tests/browser/ watches the
overlay through the real server.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from registry import rules
from registry.build import default_config, docs_dir_for
from registry.errors import Finding, errors_only
from registry.lint.runner import lint_paths
from registry.load.tree import LoadCache
from registry.site.plugin import CatalogPlugin
from registry.site.preview import STATUS_FILE, PreviewState
from tests import factory

SERVE_URL = "http://127.0.0.1:8000/"


@dataclass
class Preview:
    root: Path
    site: Path
    state: PreviewState
    scratch: Path

    def build(self) -> None:
        config_file = default_config()
        config = load_config(
            config_file=str(config_file), site_dir=str(self.site), strict=False,
            docs_dir=docs_dir_for(self.root, config_file, self.scratch),
        )
        plugin = next(p for p in config.plugins.values() if isinstance(p, CatalogPlugin))
        plugin.preview(self.state, root=self.root)
        config.site_url = SERVE_URL
        build(config, serve_url=SERVE_URL, dirty=True)

    def page(self, url: str) -> Path:
        return self.site / url / "index.html"

    def status(self) -> dict[str, object]:
        data = json.loads((self.site / STATUS_FILE).read_bytes())
        assert isinstance(data, dict)
        return data

    def stamps(self) -> dict[str, int]:
        return {
            str(path.relative_to(self.site)): path.stat().st_mtime_ns
            for path in self.site.glob("servers/**/index.html")
        }


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    root = factory.tree(
        tmp_path / "registry",
        [factory.manifest(), factory.manifest("other")],
        [factory.toolspec(), factory.toolspec("other")],
    )
    with tempfile.TemporaryDirectory() as scratch:
        yield Preview(root, tmp_path / "site", PreviewState(), Path(scratch))


def _touch_back(paths: Iterator[Path]) -> None:
    # Dirty builds compare modification times: start from pages clearly in the past.
    for path in paths:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))


def test_a_save_rebuilds_only_the_pages_of_the_server_it_changed(preview: Preview) -> None:
    preview.build()
    _touch_back(preview.site.glob("servers/**/index.html"))
    before = preview.stamps()
    preview.build()
    assert preview.stamps() == before  # nothing changed: no server page rendered again
    factory.write_manifest(preview.root, factory.manifest(displayName="Acme, edited"))
    preview.build()
    after = preview.stamps()
    changed = {page for page in after if after[page] != before[page]}
    assert changed == {"servers/acme/index.html", "servers/acme/0.1.0/index.html"}
    assert "Acme, edited" in preview.page("servers/acme").read_text("utf-8")
    assert preview.status()["ok"] is True


def test_a_broken_save_keeps_the_last_good_pages_and_reports_where(preview: Preview) -> None:
    preview.build()
    good = preview.page("servers/acme").read_bytes()
    broken = factory.manifest(tier="nope")
    factory.write_manifest(preview.root, broken)
    preview.build()
    status = preview.status()
    assert status["ok"] is False
    findings = status["findings"]
    assert isinstance(findings, list)
    assert any(
        line.startswith(f"{preview.root.as_posix()}/manifests/acme/0.1.0.yaml:")
        and "tier: 'nope' is not one of: sealed, entrusted [S004]" in line
        for line in findings
    ), findings
    assert preview.page("servers/acme").read_bytes() == good
    # Every page loads the script that shows the findings.
    assert "assets/gigmcp/preview.js" in preview.page("servers/other").read_text("utf-8")
    factory.write_manifest(preview.root, factory.manifest())
    preview.build()
    assert preview.status() == {"ok": True, "errors": 0, "findings": [], "more": 0}


def test_a_tree_that_never_linted_still_serves_a_page_with_the_findings(
    tmp_path: Path,
) -> None:
    root = factory.tree(tmp_path / "registry", [factory.manifest(name="Bad Name")], [])
    with tempfile.TemporaryDirectory() as scratch:
        preview = Preview(root, tmp_path / "site", PreviewState(), Path(scratch))
        preview.build()
        assert (preview.site / "index.html").is_file()
        assert preview.status()["ok"] is False


def test_a_build_outside_the_preview_has_no_preview_files(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from registry.build import build as build_dist

    root = factory.tree(tmp_path / "registry")
    build_dist(root, tmp_path / "dist", signing_key=None, source_date_epoch="1767225600",
               now=datetime(2026, 1, 1, tzinfo=UTC), site_url=None)
    site = tmp_path / "dist" / "site"
    assert not (site / STATUS_FILE).exists()
    assert "preview.js" not in (site / "index.html").read_text("utf-8")


def test_the_preview_hears_writes_to_the_tree_but_not_its_own_reads(tmp_path: Path) -> None:
    import threading

    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    from registry.preview import ChangesOnly

    manifest = factory.write_manifest(tmp_path, factory.manifest())
    heard: list[str] = []
    event = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, happened: FileSystemEvent) -> None:
            if not happened.is_directory:
                heard.append(happened.event_type)
                event.set()

    observer = ChangesOnly()
    observer.schedule(Handler(), str(tmp_path / "manifests"), recursive=True)
    observer.start()
    try:
        manifest.read_bytes()  # what every build does: no rebuild for it
        assert not event.wait(1.0), heard
        manifest.write_text(manifest.read_text("utf-8") + "\n", "utf-8")
        assert event.wait(10.0), "a save was not heard"
        assert set(heard) <= {"modified", "created", "deleted", "moved"}
    finally:
        observer.stop()
        observer.join(timeout=10)


def test_the_preview_polls_where_file_events_cannot_watch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from watchdog.observers.polling import PollingObserver

    from registry.preview import ChangesOnly, PreviewServer

    class NoWatchesLeft(ChangesOnly):
        def schedule(self, event_handler: object, path: object, **options: object) -> object:
            raise OSError(28, "inotify watch limit reached")

    first, second = tmp_path / "manifests", tmp_path / "toolspecs"
    first.mkdir()
    second.mkdir()
    server = PreviewServer(observer=NoWatchesLeft(), builder=lambda: None, host="127.0.0.1",
                           port=0, root=str(tmp_path))
    try:
        server.watch(str(first))
        server.watch(str(second))
        assert isinstance(server.observer, PollingObserver)
        watched = {emitter.watch.path for emitter in server.observer.emitters}
        assert watched == {str(first), str(second)}
        assert "polling every 0.5 s instead" in caplog.text
    finally:
        server.server_close()


def _codes(findings: list[Finding], path_end: str) -> set[str]:
    return {finding.code for finding in findings if finding.path.endswith(path_end)}


def test_kept_lint_findings_are_run_again_when_their_policy_or_pair_changes(
    tmp_path: Path,
) -> None:
    root = factory.tree(tmp_path)
    cache = LoadCache()
    assert errors_only(lint_paths(root, cache=cache).findings) == []
    # The manifest is not touched: a new denylist entry still reaches it.
    factory.write(root, "denylist/exfil-domains.txt", "webhook.site\nexample.com\n")
    found = lint_paths(root, cache=cache).findings
    assert rules.DENYLISTED.code in _codes(found, "manifests/acme/0.1.0.yaml")
    factory.write(root, "denylist/exfil-domains.txt", "webhook.site\n")
    assert errors_only(lint_paths(root, cache=cache).findings) == []
    # The toolspec is not touched: its manifest's change still reaches it.
    image = {**factory.manifest()["image"], "builder": "go-static"}
    factory.write_manifest(root, factory.manifest(image=image))
    found = lint_paths(root, cache=cache).findings
    assert rules.TOOLSPEC_NOT_TOOLPACK.code in _codes(found, "toolspecs/acme/0.1.0.yaml")
    assert found == lint_paths(root).findings  # the same as a lint without a cache


def test_kept_index_json_of_a_manifest_is_used_only_while_it_is_the_same(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from registry.index.build import build_index
    from registry.load.schema import Manifest

    when = datetime(2026, 1, 1, tzinfo=UTC)
    first = Manifest.model_validate(factory.manifest())
    memo: dict[str, tuple[Manifest, str]] = {}
    assert build_index([first], when, memo=memo) == build_index([first], when)
    assert build_index([first], when, memo=memo) == build_index([first], when)
    edited = Manifest.model_validate(factory.manifest(description="Edited."))
    with_memo = build_index([edited], when, memo=memo)
    assert with_memo == build_index([edited], when)
    assert b'"description":"Edited."' in with_memo
