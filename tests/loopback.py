"""The one loopback HTTP server of the tests: 127.0.0.1, an ephemeral port, a daemon thread.

Tests reach the network only here (and in local git repositories): every
server binds 127.0.0.1 and is shut down when its ``with`` block ends. Also
here: ``registryctl serve`` run in its own process on a free loopback port
(:func:`registryctl_serve`), for the browser tests and the benchmarks.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Handler = Callable[..., BaseHTTPRequestHandler]


class QuietFiles(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-transfer (a browser context closed with requests in
        # flight): nothing the server did wrong, nothing to print.
        pass


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    """Run ``handler`` on 127.0.0.1:<free port>; yields ``http://127.0.0.1:<port>``."""
    server = _Server(("127.0.0.1", 0), handler)
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


def free_port() -> int:
    """A loopback port nothing listens on now (for a server in another process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_text(url: str) -> str:
    """The body of a loopback ``url`` as text."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8", "replace"))


@contextmanager
def registryctl_serve(
    root: Path, *, env: Mapping[str, str] | None = None, within: float = 1800.0
) -> Iterator[str]:
    """``registryctl serve`` of ``root`` in its own process; yields its base URL
    (``http://127.0.0.1:PORT/``) once it serves the home page, stops it (SIGTERM) after.

    ``env`` adds to this process's environment. Raises :class:`RuntimeError` when the
    preview exits or does not serve within ``within`` seconds.
    """
    port = free_port()
    command = [sys.executable, "-m", "registry.cli", "serve", "--root", str(root),
               "--dev-addr", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + within
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"registryctl serve exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"registryctl serve did not serve {url} within {within:g} s")
            try:
                if "<html" in get_text(url):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
