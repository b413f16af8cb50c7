"""`invoke bench`: lint, index and site build times at realistic and large scale.

Timings belong here, not in tests: the machines are shared and noisy. Each
stage runs on the reference catalog (when ``../shared/reference-catalog``
exists) and on synthetic catalogs of N/2 and N servers, so growth can be read
off the ratio (about 2.0 means linear).
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from registry.lint.runner import lint_paths
from tests import catalogs

GOALS = {
    ("lint", "reference"): 1.5,
    ("lint", "synthetic"): 10.0,
    ("site", "reference"): 15.0,
    ("site", "synthetic"): 120.0,
}


def synthetic_catalog(root: Path, servers: int) -> Path:
    """``servers`` valid toolpack servers (8 tools each, every 4th with a second version)."""
    return catalogs.synthetic_catalog(root, servers, tools=8, second_every=4)


def reference_tree(reference: Path, root: Path) -> Path:
    """A copy of the reference catalog with its three reviewed wildcards."""
    return catalogs.reference_copy(reference, root)


def _time(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _lint(root: Path) -> None:
    result = lint_paths(root, policy=False)
    if result.failed:
        raise SystemExit(f"bench: {root} does not lint clean: {result.errors[:3]}")


def _index(root: Path) -> None:
    from registry.index.build import build_index

    result = lint_paths(root, policy=False)
    build_index([e.manifest for e in result.registry.manifests],
                datetime(2026, 1, 1, tzinfo=UTC))


def _site(root: Path) -> None:
    from registry.build import build

    with tempfile.TemporaryDirectory() as out:
        build(root, Path(out) / "dist", signing_key=None, source_date_epoch="1767225600",
              now=datetime(2026, 1, 1, tzinfo=UTC), site_url=None)


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
        # libyaml refuses `x:y` in flow context, so the slow pure parser takes these.
        "pure flow list": b"a: [" + b",".join([b"x:y"] * ((cap - 10) // 4)) + b"]\n",
        "pure long line": b"a: [x:y, " + b"z" * (cap - 20) + b"]\n",
        "many keys": b"".join(f"k{i}: {i}\n".encode() for i in range(cap // 14)),
        "deep nesting": b"a: " + b"[" * 50_000 + b"]" * 50_000,
        "deep block": b"".join(b" " * i + b"k:\n" for i in range(1000)),
        "billion laughs": b"\n".join(laughs) + b"\n",
        "invalid utf-8": b"a: " + b"\xff" * 1000,
        "duplicate keys": b"a: 1\n" * 50_000,
    }


def _hostile() -> None:
    from registry.load.yaml_loader import parse_yaml

    worst = 0.0
    for label, raw in hostile_inputs().items():
        seconds = _time(lambda r=raw: parse_yaml(r, "hostile.yaml"))  # type: ignore[misc]
        worst = max(worst, seconds)
        print(f"hostile {label:15} {len(raw):8d} bytes {seconds:7.3f}s", flush=True)
    print(f"hostile worst case {worst:.3f}s (goal 1.0s){' ok' if worst <= 1.0 else ' OVER'}")


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run(reference: Path, synthetic_servers: int, include_site: bool) -> None:
    """Print a table of stage timings with their goals."""
    _hostile()
    stages: list[tuple[str, Callable[[Path], None]]] = [("lint", _lint)]
    if _has("registry.index.build"):
        stages.append(("index", _index))
    if include_site and _has("registry.build"):
        stages.append(("site", _site))
    rows: list[tuple[str, str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        catalogs: list[tuple[str, Path, int]] = []
        if reference.is_dir():
            count = len(list((reference / "manifests").iterdir()))
            overlay = reference_tree(reference, Path(tmp) / "reference")
            catalogs.append(("reference", overlay, count))
        else:
            print(f"bench: no reference catalog at {reference}; synthetic catalogs only")
        half = synthetic_servers // 2
        for size in (half, synthetic_servers):
            catalogs.append(("synthetic", synthetic_catalog(Path(tmp) / f"s{size}", size), size))
        for stage, func in stages:
            for label, root, size in catalogs:
                seconds = _time(lambda f=func, r=root: f(r))  # type: ignore[misc]
                rows.append((stage, label, size, seconds))
                goal = GOALS.get((stage, label))
                verdict = "" if goal is None or size != max(
                    s for lab, _, s in catalogs if lab == label
                ) else (" ok" if seconds <= goal else f" OVER goal {goal:.1f}s")
                goal_text = f"(goal {goal:.1f}s)" if goal else ""
                line = f"{stage:6} {label:10} {size:5d} servers {seconds:8.2f}s {goal_text}"
                print(line + verdict, flush=True)
    for stage, _ in stages:
        synth = [(size, sec) for st, lab, size, sec in rows if st == stage and lab == "synthetic"]
        if len(synth) == 2 and synth[0][1] > 0:
            print(f"{stage:6} growth {synth[0][0]} -> {synth[1][0]} servers: "
                  f"x{synth[1][1] / synth[0][1]:.2f} (2.00 is linear)")
