"""How fast ``registryctl serve`` answers a contributor: a saved edit, a broken one, the fix.

The preview runs as a contributor runs it (a process serving on loopback,
watching the tree); the clock runs from the save to the moment the served
page (or the preview's status file) shows it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tests import catalogs
from tests.loopback import get_text, registryctl_serve


class Reporter(Protocol):
    def say(self, text: str) -> None: ...

    def figure(self, label: str, seconds: float, note: str = "") -> None: ...


GOALS_SECONDS = {1: 2.0, 9: 5.0}
SERVER = "ably"
MANIFEST = f"manifests/{SERVER}/0.1.0.yaml"


def _until(check: Callable[[], bool], limit: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            if check():
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"bench: the preview did not answer within {limit:g}s")


def bench_preview(report: Reporter, reference: Path, tmp: Path, copies: list[int]) -> None:
    for count in copies:
        root = catalogs.reference_copy(reference, tmp / f"preview-x{count}", copies=count)
        _measure(report, root, count * 221)


def _measure(report: Reporter, root: Path, servers: int) -> None:
    start = time.perf_counter()
    with registryctl_serve(root) as base:
        report.figure(f"preview {servers} first build", time.perf_counter() - start)
        status = f"{base}assets/gigmcp/preview.json"
        manifest = root / MANIFEST
        original = manifest.read_text(encoding="utf-8")
        page = f"{base}servers/{SERVER}/"
        edits: list[float] = []
        broken: list[float] = []
        fixed: list[float] = []
        for attempt in range(3):
            marker = f"Edited {attempt} for the bench"
            manifest.write_text(f"{original}description: {marker}\n", encoding="utf-8")

            def shows_marker(text: str = marker) -> bool:
                return text in get_text(page)

            edits.append(_until(shows_marker, 120))
            manifest.write_text(original.replace("tier: sealed", "tier: nope"), "utf-8")
            broken.append(_until(lambda: '"ok": false' in get_text(status), 120))
            manifest.write_text(original, encoding="utf-8")
            fixed.append(_until(lambda: '"ok": true' in get_text(status), 120))
        goal = GOALS_SECONDS.get(servers // 221)
        note = f"goal {goal:g}s" if goal else ""
        report.figure(f"preview {servers} saved edit shown", statistics.median(edits), note)
        report.figure(f"preview {servers} broken edit shown", statistics.median(broken), note)
        report.figure(f"preview {servers} fix shown", statistics.median(fixed), note)
