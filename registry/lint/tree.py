"""Rules over the whole registry: what no single file can show on its own.

One digest pins one manifest, every toolpack server has its toolspec, every
builder has its recipe, server names stay clear of builder folders, and the
denylist and policy files hold what they say they hold.
"""

from __future__ import annotations

from registry import rules
from registry.errors import Finding
from registry.layout import IMAGES, display_path
from registry.lint.hosts import hostname_problems, list_entry_problems, parse_vendor_groups
from registry.load.schema import BUILDERS
from registry.load.tree import Registry


def _digest_findings(registry: Registry) -> list[Finding]:
    # One digest, one manifest: `sha256:<digest>` refs must resolve unambiguously.
    findings = []
    owners: dict[str, str] = {}
    for entry in registry.manifests:
        image = entry.manifest.image
        if image.is_placeholder:
            continue
        first = owners.setdefault(image.digest, entry.manifest.ref)
        if first != entry.manifest.ref:
            findings.append(
                entry.doc.finding(
                    rules.DIGEST_REUSED,
                    ("image", "digest"),
                    f"digest already pinned by {first}; one image, one manifest",
                )
            )
    return findings


MAX_VERSIONS = 100
"""Versions one server may have: every version page shows the whole history."""


def _version_findings(registry: Registry) -> list[Finding]:
    findings = []
    for name, versions in registry.servers.items():
        if len(versions) > MAX_VERSIONS:
            newest = versions[-1]
            findings.append(
                newest.doc.finding(
                    rules.TOO_MANY_VERSIONS,
                    ("version",),
                    f"{name} has {len(versions)} versions; at most {MAX_VERSIONS} are "
                    "allowed: remove old ones",
                )
            )
    return findings


def _toolspec_findings(registry: Registry) -> list[Finding]:
    if registry.layout.toolspecs_dir is None:
        return []
    findings = []
    for entry in registry.manifests:
        manifest = entry.manifest
        if (
            manifest.image.effective_builder == "toolpack"
            and registry.toolspec_for(manifest) is None
        ):
            findings.append(
                entry.doc.finding(
                    rules.TOOLSPEC_MISSING,
                    ("image", "builder"),
                    f"toolpack servers need toolspecs/{manifest.name}/{manifest.version}.yaml",
                )
            )
    return findings


def _recipe_findings(registry: Registry, recipes: frozenset[str] | None) -> list[Finding]:
    findings = []
    reserved = frozenset(BUILDERS) | (recipes or frozenset())
    for entry in registry.manifests:
        manifest = entry.manifest
        if manifest.name in reserved:
            findings.append(
                entry.doc.finding(
                    rules.RESERVED_NAME,
                    ("name",),
                    f"{manifest.name} is reserved: it names the builder recipe "
                    f"{IMAGES}/{manifest.name}/",
                )
            )
        builder = manifest.image.effective_builder
        if recipes is not None and builder not in recipes:
            findings.append(
                entry.doc.finding(
                    rules.NO_BUILD_RECIPE,
                    ("image", "builder"),
                    f"no build recipe {IMAGES}/{builder}/Dockerfile",
                )
            )
    return findings


def _list_file_findings(registry: Registry) -> list[Finding]:
    """The denylist and wildcard-exception files must hold valid entries."""
    findings = []
    layout = registry.layout
    if layout.denylist_file is not None:
        shown = display_path(layout.denylist_file)
        for entry, line in registry.denylist:
            for _, problem in list_entry_problems(entry):
                findings.append(rules.DENYLIST_ENTRY.at(shown, line, 1, "", f"{entry}: {problem}"))
    if layout.wildcard_exceptions_file is not None:
        shown = display_path(layout.wildcard_exceptions_file)
        for entry, line in registry.wildcard_exceptions:
            if not entry.startswith("*.") or hostname_problems(entry[2:]):
                findings.append(
                    rules.WILDCARD_EXCEPTION_ENTRY.at(
                        shown, line, 1, "", f"{entry}: must be a wildcard *.example.com"
                    )
                )
    if layout.vendor_domains_file is not None:
        shown = display_path(layout.vendor_domains_file)
        _, problems = parse_vendor_groups(registry.vendor_domains)
        findings += [rules.VENDOR_GROUP_ENTRY.at(shown, line, 1, "", p) for line, p in problems]
    return findings


def registry_findings(registry: Registry, *, recipes: frozenset[str] | None) -> list[Finding]:
    """Every registry-wide finding; ``recipes`` are the builders with an ``images/<b>/Dockerfile``
    (``None``: the tree has no ``images/`` folder to check against)."""
    return [
        *_digest_findings(registry),
        *_version_findings(registry),
        *_toolspec_findings(registry),
        *_recipe_findings(registry, recipes),
        *_list_file_findings(registry),
    ]
