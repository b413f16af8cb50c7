"""Lint: every problem of a registry tree, each with its location and rule code, in one pass.

``lint_paths`` is the one entry point: load the tree, run the per-file rules,
the registry-wide rules and the aggregator policy, and return all findings
together. Lint never stops at the first problem and never raises for bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from registry import rules
from registry.errors import Finding, Severity, errors_only
from registry.layout import IMAGES
from registry.lint.hosts import HostPolicy, parse_vendor_groups
from registry.lint.manifest import manifest_findings
from registry.lint.policy import policy_findings
from registry.lint.toolspec import toolspec_findings
from registry.lint.tree import registry_findings
from registry.load.tree import Layout, LoadCache, Registry, load_registry

CatalogCheck = Callable[[Path, Registry], list[Finding]]


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    files: int
    registry: Registry

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return errors_only(self.findings)


def build_recipes(root: Path) -> frozenset[str] | None:
    """Builders that have ``images/<builder>/Dockerfile``; ``None`` without an images/ folder."""
    images = root / IMAGES
    if not images.is_dir() or images.is_symlink():
        return None
    return frozenset(
        path.parent.name for path in images.glob("*/Dockerfile")
        if path.is_file() and not path.is_symlink() and not path.parent.is_symlink()
    )


_Memo = dict[str, tuple[object, object, tuple[Finding, ...]]]


def _memoized(
    memo: _Memo | None, path: str, subject: object, context: object,
    run: Callable[[], list[Finding]],
) -> list[Finding]:
    """``run()``, or its findings of the last lint when ``subject`` is the same object (a
    preview's unchanged file) and ``context`` is equal (identical, for a manifest)."""
    if memo is None:
        return run()
    kept = memo.get(path)
    if kept is not None and kept[0] is subject and (kept[1] is context or kept[1] == context):
        return list(kept[2])
    found = run()
    memo[path] = (subject, context, tuple(found))
    return found


def lint_registry(
    registry: Registry, *, recipes: frozenset[str] | None = None, memo: _Memo | None = None
) -> list[Finding]:
    """Rules over an already loaded registry (pure).

    ``memo`` (a preview's :attr:`LoadCache.rules`) keeps each file's per-file findings
    between lints; the registry-wide rules always run.
    """
    policy = HostPolicy(
        denylist=tuple(entry for entry, _ in registry.denylist),
        wildcard_exceptions=tuple(entry for entry, _ in registry.wildcard_exceptions),
        vendor_groups=tuple(parse_vendor_groups(registry.vendor_domains)[0]),
    )
    findings: list[Finding] = []
    for entry in registry.manifests:
        findings.extend(_memoized(memo, entry.path, entry, policy,
                                  partial(manifest_findings, entry, policy)))
    for spec in registry.toolspecs:
        pair = registry.manifest(spec.toolspec.name, spec.toolspec.version)
        paired = pair.manifest if pair else None
        findings.extend(_memoized(memo, spec.path, spec, paired,
                                  partial(toolspec_findings, spec, paired)))
    findings.extend(registry_findings(registry, recipes=recipes))
    return findings


def lint_paths(
    root: Path,
    *,
    layout: Layout | None = None,
    policy: bool = True,
    catalog_check: CatalogCheck | None = None,
    cache: LoadCache | None = None,
) -> LintResult:
    """Load ``root`` (or an explicit ``layout``) and return every finding."""
    layout = layout or Layout.of_root(root)
    registry, findings = load_registry(layout, cache)
    findings.extend(lint_registry(registry, recipes=build_recipes(layout.root),
                                  memo=cache.rules if cache is not None else None))
    findings.extend(
        rules.STRAY_FILE.at(path, 1, 1, "", "only <name>/<version>.yaml files belong here")
        for path in registry.stray_files
    )
    if policy:
        findings.extend(policy_findings(layout.root))
    if catalog_check is not None:
        findings.extend(catalog_check(layout.root, registry))
    files = len(registry.manifests) + len(registry.toolspecs)
    loaded = {e.path for e in registry.manifests} | {e.path for e in registry.toolspecs}
    files += len({f.path for f in findings if f.path.endswith(".yaml")} - loaded)
    return LintResult(sorted(set(findings)), files, registry)
