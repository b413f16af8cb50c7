"""Lint: every problem of a registry tree, each with its location, in one pass.

``lint_paths`` is the one entry point: load the tree, run the per-file rules,
the registry-wide rules and the aggregator policy, and return all findings
together. Lint never stops at the first problem and never raises for bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.errors import Finding, Severity, errors_only
from registry.lint.hosts import hostname_problems, public_suffixes
from registry.lint.manifest import manifest_findings
from registry.lint.policy import policy_findings
from registry.lint.toolspec import toolspec_findings
from registry.load.tree import Layout, Registry, display_path, load_registry

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


def _list_findings(registry: Registry) -> list[Finding]:
    """The denylist and wildcard-exception files must hold valid entries."""
    findings = []
    layout = registry.layout
    if layout.denylist_file is not None:
        shown = display_path(layout.denylist_file)
        for entry, line in registry.denylist:
            for problem in hostname_problems(entry) if "." in entry else []:
                findings.append(Finding(shown, line, 1, "", f"{entry}: {problem}"))
    if layout.wildcard_exceptions_file is not None:
        shown = display_path(layout.wildcard_exceptions_file)
        for entry, line in registry.wildcard_exceptions:
            if not entry.startswith("*.") or hostname_problems(entry[2:]):
                findings.append(
                    Finding(shown, line, 1, "", f"{entry}: must be a wildcard *.example.com")
                )
    return findings


def _registry_findings(registry: Registry) -> list[Finding]:
    findings: list[Finding] = []
    # One digest, one manifest: `sha256:<digest>` refs must resolve unambiguously.
    owners: dict[str, str] = {}
    for entry in registry.manifests:
        image = entry.manifest.image
        if image.is_placeholder:
            continue
        first = owners.setdefault(image.digest, entry.manifest.ref)
        if first != entry.manifest.ref:
            findings.append(
                entry.doc.finding(
                    ("image", "digest"),
                    f"digest already pinned by {first}; one image, one manifest",
                )
            )
    if registry.layout.toolspecs_dir is not None:
        for entry in registry.manifests:
            manifest = entry.manifest
            if (
                manifest.image.effective_builder == "toolpack"
                and registry.toolspec_for(manifest) is None
            ):
                findings.append(
                    entry.doc.finding(
                        ("image", "builder"),
                        f"toolpack servers need toolspecs/{manifest.name}/{manifest.version}.yaml",
                    )
                )
    images = registry.layout.root / "images"
    if images.is_dir():
        for entry in registry.manifests:
            builder = entry.manifest.image.effective_builder
            if not (images / builder / "Dockerfile").is_file():
                findings.append(
                    entry.doc.finding(
                        ("image", "builder"), f"no build recipe images/{builder}/Dockerfile"
                    )
                )
    return findings


def lint_registry(registry: Registry) -> list[Finding]:
    """Rules over an already loaded registry (pure: no disk access but images/)."""
    denylist = [entry for entry, _ in registry.denylist]
    exceptions = [entry for entry, _ in registry.wildcard_exceptions]
    psl = public_suffixes()
    findings: list[Finding] = []
    for entry in registry.manifests:
        findings.extend(
            manifest_findings(
                entry, denylist=denylist, wildcard_exceptions=exceptions, psl=psl
            )
        )
    for spec in registry.toolspecs:
        pair = registry.manifest(spec.toolspec.name, spec.toolspec.version)
        findings.extend(toolspec_findings(spec, pair.manifest if pair else None))
    findings.extend(_registry_findings(registry))
    findings.extend(_list_findings(registry))
    return findings


def lint_paths(
    root: Path,
    *,
    layout: Layout | None = None,
    policy: bool = True,
    catalog_check: CatalogCheck | None = None,
) -> LintResult:
    """Load ``root`` (or an explicit ``layout``) and return every finding."""
    layout = layout or Layout.of_root(root)
    registry, findings = load_registry(layout)
    findings.extend(lint_registry(registry))
    findings.extend(
        Finding(path, 1, 1, "", "only <name>/<version>.yaml files belong here")
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

