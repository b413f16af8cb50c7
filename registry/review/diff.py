"""Entitlement diffs: what a new version may do that the old one could not.

A version bump forces re-consent in every gateway that has the server
installed, so reviewers (in a pull request) and users (on the website) need
to see exactly what changed, with the changes that grant *more* marked as
escalations. :func:`entitlement_diff` compares two validated manifests and,
for toolpack servers, their toolspecs (what each tool sends where,
:mod:`registry.review.requests`), and returns every change in a fixed order;
:mod:`registry.review.render` turns it into text, Markdown or JSON.

This module is pure: models in, strings and dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.egress import egress_covers, public_suffixes, registrable_domains
from registry.layout import PLACEHOLDER_DIGEST
from registry.load.schema import Credential, Manifest, Toolspec
from registry.load.tree import ManifestEntry, Registry
from registry.review.changes import (
    AREA_ORDER,
    AREAS,
    Area,
    Change,
    ChangeKind,
    EntitlementDiff,
)
from registry.review.requests import request_changes

__all__ = ["AREAS", "Change", "EntitlementDiff", "entitlement_diff", "history"]

def entitlement_diff(
    old: Manifest | None,
    new: Manifest,
    *,
    old_toolspec: Toolspec | None = None,
    new_toolspec: Toolspec | None = None,
) -> EntitlementDiff:
    """Compare two versions of a server; ``old=None`` means ``new`` is a new server.

    For a new server everything it asks for is reported as ``added`` and the
    tier change is an escalation, so installing a new server always counts as
    one. Changes are ordered by :data:`AREAS`, then by subject.
    """
    changes: list[Change] = []
    changes += _tier(old, new)
    changes += _egress(old, new)
    changes += _credentials(old, new)
    changes += _credential_domains(old, new)
    changes += _tools(old, new)
    changes += request_changes(old, old_toolspec, new, new_toolspec)
    changes += _image(old, new)
    changes += _source(old, new)
    changes += _presentation(old, new)
    # Stable sort: within an area the generators already emit a fixed order.
    changes.sort(key=lambda change: AREA_ORDER[change.area])
    return EntitlementDiff(old.ref if old is not None else None, new.ref, tuple(changes))


def history(registry: Registry, name: str) -> list[tuple[ManifestEntry, EntitlementDiff]]:
    """Each version of ``name``, lowest first, with its diff against the version before it."""
    out: list[tuple[ManifestEntry, EntitlementDiff]] = []
    previous: ManifestEntry | None = None
    for entry in registry.servers[name]:
        out.append((entry, diff_entries(registry, previous, entry)))
        previous = entry
    return out


def diff_entries(
    registry: Registry, old: ManifestEntry | None, new: ManifestEntry
) -> EntitlementDiff:
    """The diff between two loaded versions, toolspecs included."""
    def spec(entry: ManifestEntry | None) -> Toolspec | None:
        found = registry.toolspec_for(entry.manifest) if entry is not None else None
        return found.toolspec if found is not None else None

    return entitlement_diff(
        old.manifest if old is not None else None, new.manifest,
        old_toolspec=spec(old), new_toolspec=spec(new),
    )


# --- tier -------------------------------------------------------------------


def _tier(old: Manifest | None, new: Manifest) -> list[Change]:
    if old is None:
        summary = f"New server, {new.tier} tier"
        return [Change("tier", "added", "tier", None, new.tier, True, summary)]
    if old.tier == new.tier:
        return []
    if new.tier == "entrusted":
        summary = "Tier changed from sealed to entrusted: the server now holds its credentials"
    else:
        summary = f"Tier changed from {old.tier} to {new.tier}"
    # Only sealed -> entrusted grants more: an entrusted server sees the real secret.
    escalation = new.tier == "entrusted"
    return [Change("tier", "changed", "tier", old.tier, new.tier, escalation, summary)]


# --- egress -----------------------------------------------------------------


def _normal_host(entry: str) -> str:
    return entry.strip().lower().rstrip(".")


def _egress_noun(host: str) -> str:
    return "wildcard" if host.startswith("*.") else "host"


def _egress(old: Manifest | None, new: Manifest) -> list[Change]:
    before = sorted({_normal_host(h) for h in old.entitlements.egress}) if old else []
    after = sorted({_normal_host(h) for h in new.entitlements.egress})
    removed = [h for h in before if h not in after]
    added = [h for h in after if h not in before]
    consumed: set[str] = set()
    changes: list[Change] = []
    for host in added:
        # Reach grows only when no old entry already allowed every host this one allows.
        cover = next((o for o in before if egress_covers(o, host)), None)
        wider_than = [r for r in removed if egress_covers(host, r)]
        related = sorted(set(wider_than) | ({cover} if cover in removed else set()))
        consumed.update(related)
        shown = ", ".join(related)
        if cover is None and wider_than:
            changes.append(Change(
                "egress", "changed", host, shown, host, True,
                f"Egress widened from {shown} to {host}",
            ))
        elif cover is None:
            changes.append(Change(
                "egress", "added", host, None, host, True,
                f"New egress {_egress_noun(host)} {host}",
            ))
        elif cover in removed:
            changes.append(Change(
                "egress", "changed", host, shown, host, False,
                f"Egress narrowed from {shown} to {host}",
            ))
        elif related:
            changes.append(Change(
                "egress", "changed", host, shown, host, False,
                f"Egress {shown} replaced by {host}, still within {cover}",
            ))
        else:
            changes.append(Change(
                "egress", "added", host, None, host, False,
                f"New egress {_egress_noun(host)} {host}, already allowed by {cover}",
            ))
    for host in removed:
        if host not in consumed:
            changes.append(Change(
                "egress", "removed", host, host, None, False,
                f"Egress {_egress_noun(host)} {host} removed",
            ))
    return changes


# --- credentials, scopes, inject ----------------------------------------------


def _by_id(credentials: Iterable[Credential]) -> dict[str, Credential]:
    return {credential.id: credential for credential in credentials}


def _describe_credential(credential: Credential) -> str:
    text = f"{credential.type} from {credential.provider}"
    if credential.vendor:
        text += f" (vendor {credential.vendor})"
    inject = credential.inject
    if inject.env:
        text += f", in env {inject.env}"
    elif inject.header:
        text += f", in header {inject.header}"
    return text


def _credentials(old: Manifest | None, new: Manifest) -> list[Change]:
    before = _by_id(old.credentials) if old else {}
    after = _by_id(new.credentials)
    changes: list[Change] = []
    for cid in sorted(before.keys() | after.keys(), key=str.encode):
        was, now = before.get(cid), after.get(cid)
        if now is None:
            assert was is not None
            changes.append(Change(
                "credential", "removed", cid, _describe_credential(was), None, False,
                f"Credential {cid} is no longer requested",
            ))
            continue
        if was is None:
            described = _describe_credential(now)
            changes.append(Change(
                "credential", "added", cid, None, described, True,
                f"New credential {cid}: {described}",
            ))
        else:
            changes += _credential_fields(cid, was, now)
        changes += _scopes(cid, was.scopes if was else [], now.scopes)
        if was is not None:
            changes += _inject(cid, was, now)
    return changes


def credential_domains(manifest: Manifest) -> tuple[str, ...]:
    """The registrable domains that receive a sealed server's credentials.

    The gateway's egress proxy injects every sealed credential on every egress
    host, so each domain the egress reaches receives each credential. An
    entrusted server holds its secrets itself: none are injected.
    """
    if manifest.tier != "sealed" or not manifest.credentials:
        return ()
    return registrable_domains(manifest.entitlements.egress, public_suffixes())


def _credential_domains(old: Manifest | None, new: Manifest) -> list[Change]:
    before = set(credential_domains(old)) if old is not None else set()
    after = credential_domains(new)
    added = [domain for domain in after if domain not in before]
    if not added:
        return []
    ids = ", ".join(credential.id for credential in new.credentials)
    # Sealed before too: the same secrets now reach another party. From entrusted
    # (the server held them and reached the same hosts) it is informative only.
    escalation = old is not None and bool(before)
    return [Change(
        "credential", "added", "credentials.domains", ", ".join(sorted(before)) or None,
        ", ".join(after), escalation,
        f"The gateway now sends {ids} to {', '.join(added)}",
    )]


def _credential_fields(cid: str, was: Credential, now: Credential) -> list[Change]:
    changes: list[Change] = []
    if was.type != now.type:
        changes.append(Change(
            "credential", "changed", f"{cid}.type", was.type, now.type, False,
            f"Credential {cid} type changed from {was.type} to {now.type}",
        ))
    # A different provider or OAuth vendor means a different secret, issued to or by a
    # different party: for consent that is a new credential under an old id.
    if was.provider != now.provider:
        changes.append(Change(
            "credential", "changed", f"{cid}.provider", was.provider, now.provider, True,
            f"Credential {cid} provider changed from {was.provider} to {now.provider}",
        ))
    if was.vendor != now.vendor:
        changes.append(Change(
            "credential", "changed", f"{cid}.vendor", was.vendor or None, now.vendor or None,
            bool(now.vendor),
            f"Credential {cid} vendor changed from {was.vendor or '(none)'} "
            f"to {now.vendor or '(none)'}",
        ))
    return changes


def _scopes(cid: str, before: list[str], after: list[str]) -> list[Change]:
    changes: list[Change] = []
    for scope in sorted(set(after) - set(before), key=str.encode):
        changes.append(Change(
            "scope", "added", f"{cid}:{scope}", None, scope, True,
            f"Credential {cid} requests new scope {scope}",
        ))
    for scope in sorted(set(before) - set(after), key=str.encode):
        changes.append(Change(
            "scope", "removed", f"{cid}:{scope}", scope, None, False,
            f"Credential {cid} no longer requests scope {scope}",
        ))
    return changes


def _inject(cid: str, was: Credential, now: Credential) -> list[Change]:
    changes: list[Change] = []
    for name in ("header", "format", "env"):
        old_value: str = getattr(was.inject, name)
        new_value: str = getattr(now.inject, name)
        if old_value == new_value:
            continue
        kind: ChangeKind = "added" if not old_value else "removed" if not new_value else "changed"
        summary = {
            "added": f"Credential {cid} is now injected with {name} {new_value}",
            "removed": f"Credential {cid} is no longer injected with {name} {old_value}",
            "changed": f"Credential {cid} inject {name} changed from {old_value} to {new_value}",
        }[kind]
        changes.append(Change(
            "inject", kind, f"{cid}.inject.{name}", old_value or None, new_value or None,
            False, summary,
        ))
    return changes


# --- tools ------------------------------------------------------------------


def _tools(old: Manifest | None, new: Manifest) -> list[Change]:
    before = {tool.name: tool.default for tool in old.tools} if old else {}
    after = {tool.name: tool.default for tool in new.tools}
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys(), key=str.encode):
        if name not in after:
            changes.append(Change(
                "tool", "removed", name, _default_word(before[name]), None, False,
                f"Tool {name} removed",
            ))
        elif name not in before:
            default = after[name]
            exposed = "exposed by default" if default else "off by default"
            changes.append(Change(
                "tool", "added", name, None, _default_word(default), default,
                f"New tool {name}, {exposed}",
            ))
        elif before[name] != after[name]:
            now_default = after[name]
            summary = (
                f"Tool {name} is now exposed by default"
                if now_default
                else f"Tool {name} is no longer exposed by default"
            )
            changes.append(Change(
                "default", "changed", name, _default_word(before[name]),
                _default_word(now_default), now_default, summary,
            ))
    return changes


def _default_word(default: bool) -> str:
    return "default: true" if default else "default: false"


# --- image, source, builder, presentation --------------------------------------


def _scalar(
    area: Area,
    subject: str,
    label: str,
    before: str | None,
    after: str,
    *,
    escalation: bool = False,
) -> list[Change]:
    """A change of one string field; empty strings count as absent."""
    old_value, new_value = before or None, after or None
    if old_value == new_value:
        return []
    if old_value is None:
        assert new_value is not None
        return [Change(area, "added", subject, None, new_value, escalation,
                       f"{label} set to {new_value}")]
    if new_value is None:
        return [Change(area, "removed", subject, old_value, None, False, f"{label} removed")]
    return [Change(area, "changed", subject, old_value, new_value, escalation,
                   f"{label} changed from {old_value} to {new_value}")]


def _digest_summary(before: str | None, after: str) -> str:
    if after == PLACEHOLDER_DIGEST:
        return "Image digest is the placeholder: not installable until pinned"
    if before is None or before == PLACEHOLDER_DIGEST:
        return f"Image digest pinned to {after}"
    return f"Image digest changed from {before} to {after}"


def _image(old: Manifest | None, new: Manifest) -> list[Change]:
    was = old.image if old else None
    now = new.image
    changes = _scalar("image", "image.ref", "Image", was.ref if was else None, now.ref)
    if was is None or was.digest != now.digest:
        before = was.digest if was else None
        kind: ChangeKind = "added" if before is None else "changed"
        changes.append(Change("image", kind, "image.digest", before, now.digest, False,
                              _digest_summary(before, now.digest)))
    changes += _scalar("image", "image.entrypoint", "Image entrypoint",
                       was.entrypoint if was else None, now.entrypoint)
    changes += _scalar("builder", "image.builder", "Builder",
                       was.effective_builder if was else None, now.effective_builder)
    return changes


def _source(old: Manifest | None, new: Manifest) -> list[Change]:
    was = old.source if old else None
    now = new.source
    # The repository is where the code comes from: a new origin means code nobody
    # reviewed for earlier versions, so it escalates even though the manifest's
    # entitlements may be unchanged. A new tag or package in the same repo does not.
    changes = _scalar("source", "source.repo", "Source repository",
                      was.repo if was else None, now.repo, escalation=True)
    changes += _scalar("source", "source.tag", "Source tag", was.tag if was else None, now.tag)
    changes += _scalar("source", "source.package", "Source package",
                       (was.package or ".") if was else None, now.package or ".")
    return changes


_PRESENTATION = (
    ("displayName", "Display name"),
    ("category", "Category"),
    ("icon", "Icon"),
)


def _presentation(old: Manifest | None, new: Manifest) -> list[Change]:
    changes: list[Change] = []
    for field, label in _PRESENTATION:
        changes += _scalar("presentation", field, label,
                           getattr(old, field) if old else None, getattr(new, field))
    before = old.description if old else ""
    if before != new.description:
        # Descriptions are long: the sentence names the change, before/after hold the text.
        kind: ChangeKind = (
            "added" if not before else "removed" if not new.description else "changed"
        )
        changes.append(Change("presentation", kind, "description", before or None,
                              new.description or None, False, f"Description {kind}"))
    return changes
