"""The one loopback HTTP server of the tests: 127.0.0.1, an ephemeral port, a daemon thread.

Tests reach the network only here (and in local git repositories): every
server binds 127.0.0.1 and is shut down when its ``with`` block ends.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Handler = Callable[..., BaseHTTPRequestHandler]


class QuietFiles(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    """Run ``handler`` on 127.0.0.1:<free port>; yields ``http://127.0.0.1:<port>``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_directory(folder: Path, handler: type[SimpleHTTPRequestHandler] = QuietFiles) -> Iterator[str]:
    """Serve the files of ``folder``; yields the base URL (no trailing slash)."""
    with serve(functools.partial(handler, directory=str(folder))) as url:
        yield url
