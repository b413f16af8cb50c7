"""`invoke bench`: the registry's speed and size goals, measured, in one report.

Timings belong here, not in tests: the machines are shared and noisy, so
every figure is a median of several runs where a run is short. Sections:

- hostile YAML: the worst file the loader lets in, and how long refusing it takes;
- lint: ``registryctl lint`` of the reference catalog as a contributor runs it
  (a new process, median of 7), and in-process on synthetic catalogs of N/2
  and N servers (growth near 2.0 is linear); a hostile-size server (3 versions
  of 4,000 egress hosts) must be refused;
- index: ``build_index`` on the same catalogs;
- site: a whole ``registryctl build`` (pages, search index, API files) of the
  reference catalog, and of it copied 9 times (1,989 servers; 45 times, 9,945
  servers, with ``--large``), in a separate process whose peak memory is read;
- reader: Chromium over loopback against those sites (``benchmarks.reader``);
- preview: ``registryctl serve`` answering a saved edit and a broken one
  (``benchmarks.preview``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from registry.lint.runner import lint_paths
from tests import catalogs, factory

PROJECT = Path(__file__).resolve().parents[1]
EPOCH = "1767225600"

GOALS = {
    "lint reference (CLI)": 0.75,
    "lint synthetic": 10.0,
    "hostile worst": 1.0,
    "site 221": 15.0,
    "site 10000": 600.0,
}


@dataclass
class Report:
    """What a bench run measured, printed as it goes and kept for the summary."""

    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text, flush=True)

    def figure(self, label: str, seconds: float, note: str = "") -> None:
        goal = GOALS.get(label)
        verdict = "" if goal is None else (" ok" if seconds <= goal else f" OVER goal {goal:g}s")
        goal_text = f" (goal {goal:g}s)" if goal is not None else ""
        self.say(f"{label:34} {seconds:9.3f}s{goal_text}{verdict}{'  ' + note if note else ''}")


def _median_time(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- hostile YAML -------------------------------------------------------------------------


def hostile_inputs() -> dict[str, bytes]:
    """Files an attacker would send, each as large as the loader lets in."""
    cap = 512 * 1024
    laughs = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"{c}: &{c} [{','.join('*' + chr(ord(c) - 1) for _ in range(9))}]".encode()
               for c in "bcdefghij"]
    return {
        "oversized": b"a: " + b"x" * (cap * 4),
        "long string": b"a: " + b"x" * (cap - 10) + b"\n",
        "wide flow list": b"a: [" + b",".join([b"1"] * ((cap - 10) // 2)) + b"]\n",
        "flow colons": b"a: [" + b",".join([b"x:y"] * ((cap - 10) // 4)) + b"]\n",
        "pure long line": b"a: [x:y, " + b"z" * (cap - 20) + b"]\n",
        "many keys": b"".join(f"k{i}: {i}\n".encode() for i in range(cap // 14)),
        "deep nesting": b"a: " + b"[" * 50_000 + b"]" * 50_000,
        "deep block": b"".join(b" " * i + b"k:\n" for i in range(1000)),
        "billion laughs": b"\n".join(laughs) + b"\n",
        "invalid utf-8": b"a: " + b"\xff" * 1000,
        "duplicate keys": b"a: 1\n" * 50_000,
        "tab in a flow": b"a: [" + b"\t" * (cap - 10) + b"]\n",
    }


def bench_hostile(report: Report) -> None:
    from registry.load.yaml_loader import parse_yaml

    worst = 0.0
    for label, raw in hostile_inputs().items():
        seconds = _median_time(lambda r=raw: parse_yaml(r, "hostile.yaml"), 3)  # type: ignore[misc]
        worst = max(worst, seconds)
        report.say(f"  hostile {label:16} {len(raw):8d} bytes {seconds:7.3f}s")
    report.figure("hostile worst", worst)


# --- lint and index -------------------------------------------------------------------------


def bench_lint(report: Report, reference: Path | None, tmp: Path, servers: int) -> None:
    if reference is not None:
        tree = catalogs.reference_copy(reference, tmp / "lint-reference")
        command = [str(Path(sys.executable).with_name("registryctl")), "lint", "--root", str(tree)]
        times = []
        for _ in range(7):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                output = done.stdout[-2000:].decode("utf-8", "replace")
                raise SystemExit(f"bench: the reference does not lint clean:\n{output}")
        report.figure("lint reference (CLI)", statistics.median(times),
                      f"min {min(times):.3f}s, max {max(times):.3f}s, 436 files")
        report.figure("lint reference (in process)", _median_time(
            lambda: lint_paths(tree, policy=False), 5))
    sizes = (servers // 2, servers)
    measured = []
    for size in sizes:
        root = catalogs.synthetic_catalog(tmp / f"lint-s{size}", size, tools=8, second_every=4)
        seconds = _median_time(lambda r=root: _lint_clean(r), 3)  # type: ignore[misc]
        measured.append(seconds)
        report.figure(f"lint synthetic {size}", seconds)
    report.say(f"  lint growth {sizes[0]} -> {sizes[1]} servers: x{measured[1] / measured[0]:.2f}"
               " (2.00 is linear)")
    hostile = tmp / "lint-hostile-size"
    hosts = [f"h{i}.acme.example.com" for i in range(4000)]
    versions = ["0.1.0", "0.2.0", "0.3.0"]
    factory.tree(hostile, [factory.manifest(version=v, entitlements={"egress": hosts})
                           for v in versions], [factory.toolspec(version=v) for v in versions])
    seconds = _median_time(lambda: lint_paths(hostile, policy=False), 3)
    codes = sorted({f.code for f in lint_paths(hostile, policy=False).errors})
    report.figure("lint 3 x 4,000 egress hosts", seconds, f"refused: {', '.join(codes)}")


def _lint_clean(root: Path) -> None:
    result = lint_paths(root, policy=False)
    if result.failed:
        raise SystemExit(f"bench: {root} does not lint clean: {result.errors[:3]}")


def bench_index(report: Report, reference: Path | None, tmp: Path) -> None:
    from registry.index.build import build_index

    roots = [tmp / "lint-reference"] if reference is not None else []
    roots += sorted(tmp.glob("lint-s*"))
    for root in roots:
        manifests = [e.manifest for e in lint_paths(root, policy=False).registry.manifests]
        seconds = _median_time(
            lambda m=manifests: build_index(m, datetime(2026, 1, 1, tzinfo=UTC)), 5  # type: ignore[misc]
        )
        report.figure(f"index {root.name.removeprefix('lint-')}", seconds,
                      f"{len(manifests)} manifests")


# --- the site ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteBuild:
    servers: int
    seconds: float
    peak_mb: float
    site: Path
    files: int
    megabytes: float
    stderr: str


def build_site(root: Path, out: Path) -> SiteBuild:
    """``registryctl build`` of ``root`` in a new process: wall time, peak memory, output size."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("GIG_INDEX_SIGNING_KEY", None)
    command = [str(Path(sys.executable).with_name("registryctl")), "build", "--root", str(root),
               "--out", str(out), "--site-url", "https://registry.example.org/"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: building {root} failed:\n{stderr[-3000:]}")
    site = out / "site"
    sizes = [path.stat().st_size for path in site.rglob("*") if path.is_file()]
    servers = len(list((root / "manifests").iterdir()))
    return SiteBuild(servers, seconds, usage.ru_maxrss / 1024, site, len(sizes),
                     sum(sizes) / 1e6, stderr)


def bench_site(
    report: Report, reference: Path | None, tmp: Path, copies: list[int]
) -> list[SiteBuild]:
    if reference is None:
        report.say("site: no reference catalog; skipped")
        return []
    builds = []
    for count in copies:
        root = catalogs.reference_copy(reference, tmp / f"site-x{count}", copies=count)
        build = build_site(root, tmp / f"dist-x{count}")
        builds.append(build)
        label = f"site {build.servers}"
        report.figure(label if label in GOALS else f"site {build.servers}", build.seconds,
                      f"peak {build.peak_mb:,.0f} MB, {build.files:,} files, "
                      f"{build.megabytes:,.1f} MB")
    if len(builds) >= 2:
        small, large = builds[0], builds[-1]
        ratio = (large.seconds / small.seconds) / (large.servers / small.servers)
        report.say(f"  site growth {small.servers} -> {large.servers} servers: "
                   f"x{large.seconds / small.seconds:.1f} for x{large.servers / small.servers:.1f} "
                   f"the servers ({ratio:.2f} per unit: 1.00 is linear)")
    home = [(b.servers, (b.site / "index.html").stat().st_size) for b in builds]
    report.say("  home page HTML: " + ", ".join(f"{n} servers {size / 1000:.1f} KB"
                                                 for n, size in home))
    return builds


def run(
    reference: Path,
    synthetic_servers: int,
    include_site: bool,
    *,
    large: bool = False,
    reader: bool = True,
    preview: bool = True,
    report_file: Path | None = None,
) -> None:
    """Measure everything and print one report (also written to ``report_file``)."""
    report = Report()
    found = reference if reference.is_dir() else None
    if found is None:
        report.say(f"bench: no reference catalog at {reference}; synthetic catalogs only")
    report.say(f"bench on {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="gigmcp-bench-") as scratch:
        tmp = Path(scratch)
        bench_hostile(report)
        bench_lint(report, found, tmp, synthetic_servers)
        bench_index(report, found, tmp)
        builds: list[SiteBuild] = []
        if include_site:
            builds = bench_site(report, found, tmp, [1, 9, 45] if large else [1, 9])
        if reader and builds:
            from benchmarks.reader import bench_reader

            bench_reader(report, builds)
        if preview and found is not None:
            from benchmarks.preview import bench_preview

            bench_preview(report, found, tmp, [1, 9])
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text("\n".join(report.lines) + "\n", encoding="utf-8")
        print(f"bench: report written to {report_file}")


def _main() -> None:  # pragma: no cover - `python -m benchmarks.bench`
    run(PROJECT.parent / "shared" / "reference-catalog", 2000, True)


if __name__ == "__main__":  # pragma: no cover
    _main()
