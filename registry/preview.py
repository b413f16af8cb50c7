"""``registryctl serve``: a live preview that answers a contributor's save in about a second.

mkdocs' own ``serve`` rebuilds the whole site on every save and, when the tree
does not lint, leaves the browser waiting with the error in the terminal. This
preview runs the same mkdocs build with the registry's plugin in preview mode
(:class:`~registry.site.preview.PreviewState`): files unchanged since the last
build are not read again, pages whose inputs are unchanged are not rendered
again (a dirty build), and a lint error keeps the last good pages up with the
located findings shown over them, until the next save fixes them.
"""

from __future__ import annotations

import logging
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.livereload import LiveReloadServer
from watchdog.events import FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent
from watchdog.observers import Observer

from registry.build import docs_dir_for
from registry.errors import SiteBuildError
from registry.site.plugin import CatalogPlugin
from registry.site.preview import PreviewState

log = logging.getLogger("mkdocs.plugins.gigmcp")

POLLING_SECONDS = 0.5
"""How often the fallback watcher (no native file events) looks at the tree."""
CHANGES = [FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent]
"""The file events that start a rebuild: not opens, reads or closes."""


class ChangesOnly(Observer):  # type: ignore[misc, valid-type]  # the platform's observer class
    """The platform's native file-event observer (inotify, FSEvents, …), told only of changes.

    mkdocs polls the watched trees every half second: at 2,000 servers one look at
    ``manifests/`` and ``toolspecs/`` takes about 0.2 s of CPU, so a preview spends
    a core on polling and notices a save up to half a second late. Native events
    are immediate and free; only :data:`CHANGES` count (the build's own reads of the
    tree must not start another build).
    """

    def schedule(self, event_handler: Any, path: Any, **options: Any) -> Any:
        options["event_filter"] = options.get("event_filter") or CHANGES
        return super().schedule(event_handler, path, **options)


class PreviewServer(LiveReloadServer):
    """mkdocs' live-reload server, told of saves by native file events.

    Where they cannot watch a path (the inotify watch limit, a file system without
    events), it falls back to polling every :data:`POLLING_SECONDS` for every path.
    """

    def __init__(self, *, observer: Any = None, **options: Any) -> None:
        super().__init__(polling_interval=POLLING_SECONDS, **options)
        self._polling = self.observer
        self.observer = observer if observer is not None else ChangesOnly()

    def watch(self, path: str, func: None = None, *, recursive: bool = True) -> None:
        try:
            super().watch(path, func, recursive=recursive)
        except OSError as error:
            if self.observer is self._polling:
                raise
            log.warning("file events unavailable (%s): polling every %g s instead",
                        error, POLLING_SECONDS)
            watched = list(self._watched_paths)
            self.observer.unschedule_all()
            self._watched_paths.clear()
            self._watch_refs.clear()
            self.observer = self._polling
            for again in watched:
                super().watch(again)

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        # The /v0.1/ lists are JSON served from .html files: no reload script in them.
        if b"</body>" not in content:
            return content
        return super()._inject_js_into_html(content, epoch)  # type: ignore[no-untyped-call, no-any-return]


class _QuietDirty(logging.Filter):
    """Drop mkdocs' warning that a dirty build may leave stale links: the preview's design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def _plugin(config: Any, config_file: Path) -> CatalogPlugin:
    plugins = [p for p in config.plugins.values() if isinstance(p, CatalogPlugin)]
    if not plugins:
        raise SiteBuildError(f"{config_file}: the gigmcp-catalog plugin is not enabled")
    return plugins[0]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(root: Path, config_file: Path, dev_addr: str, *, open_in_browser: bool = False) -> None:
    """Build ``root``'s site into a temporary folder and serve it until interrupted.

    ``SIGTERM`` (a supervisor, a test) stops it as Ctrl-C does: the temporary
    folders are removed either way.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.livereload import _serve_url

    logging.getLogger("mkdocs.commands.build").addFilter(_QuietDirty())
    state = PreviewState()
    site_dir = tempfile.mkdtemp(prefix="gigmcp-preview-")
    scratch = Path(tempfile.mkdtemp(prefix="gigmcp-preview-docs-"))
    docs_dir = docs_dir_for(root, config_file, scratch)
    overrides = {"docs_dir": docs_dir} if docs_dir is not None else {}

    def get_config() -> Any:
        # Not strict: a preview shows warnings instead of refusing to update.
        config = load_config(
            config_file=str(config_file), site_dir=site_dir, strict=False, dev_addr=dev_addr,
            **overrides,
        )
        _plugin(config, config_file).preview(state, root=root)
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=True)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    serve_url = _serve_url(host, port, mount_path)

    def builder(config: Any = None) -> None:
        config = config if config is not None else get_config()
        config.site_url = serve_url
        build(config, serve_url=serve_url, dirty=True)

    server = PreviewServer(
        builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path
    )

    def error_page(code: int) -> bytes | None:
        page = Path(site_dir) / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page
    try:
        builder(config)
        if Path(config.docs_dir).is_dir():
            server.watch(config.docs_dir)
        server.watch(str(config_file))
        server = config.plugins.on_serve(server, config=config, builder=builder)
        try:
            server.serve(open_in_browser=open_in_browser)
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
