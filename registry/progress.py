"""Progress of a long build: the stage, how far it is, the time since the build began.

``registryctl build`` of 10,000 servers takes minutes, most of them in two
stages that say nothing on their own (mkdocs writing pages, Pagefind indexing
them). :class:`Progress` prints one line when a stage starts, a count at most
every :data:`INTERVAL` seconds while it runs, and nothing else: a short build
prints a few lines, a long one a line every few seconds. It writes to the
function it is given (the CLI's standard error), never to the outputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

INTERVAL = 5.0
"""Seconds between two count lines of one stage."""


class Progress:
    """Reports stages and counts to ``write``; ``clock`` is injectable for tests."""

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._stage = ""
        self._total = 0
        self._done = 0
        self._shown = self._start

    def _elapsed(self) -> str:
        return f"{self._clock() - self._start:.0f} s"

    def stage(self, name: str, total: int = 0) -> None:
        """A new stage begins (``total``: how many items it has, when known)."""
        self._stage, self._total, self._done = name, total, 0
        self._shown = self._clock()
        count = f" ({total})" if total else ""
        self._write(f"build: {name}{count}, {self._elapsed()}\n")

    def advance(self, count: int = 1) -> None:
        """``count`` more items of the current stage are done."""
        self._done += count
        now = self._clock()
        if now - self._shown >= self._interval:
            self._shown = now
            of = f"/{self._total}" if self._total else ""
            self._write(f"build: {self._stage} {self._done}{of}, {self._elapsed()}\n")

    def finish(self) -> None:
        """The build is done."""
        self._write(f"build: done, {self._elapsed()}\n")


def silent() -> Progress:
    """A :class:`Progress` that prints nothing (library callers, the preview)."""
    return Progress(lambda _text: None)
