"""Entitlement diffs: what a new manifest version may do that the old one could not.

A version bump forces re-consent in every gateway that has the server
installed, so reviewers (in a pull request) and users (on the website) need
to see exactly what changed, with the changes that grant *more* marked as
escalations. :func:`entitlement_diff` compares two validated manifests and
returns every change in a fixed order; the renderers turn it into text, a
Markdown table (job summaries, site pages) or JSON.

This module is pure: models in, strings and dicts out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from registry.lint.hosts import egress_covers
from registry.load.schema import PLACEHOLDER_DIGEST, Credential, Manifest

ChangeKind = Literal["added", "removed", "changed"]

AREAS: tuple[str, ...] = (
    "tier",
    "egress",
    "credential",
    "scope",
    "inject",
    "tool",
    "default",
    "image",
    "source",
    "builder",
    "presentation",
)
_AREA_ORDER = {area: index for index, area in enumerate(AREAS)}


@dataclass(frozen=True)
class Change:
    """One difference between two manifests, with a sentence a person can read."""

    area: str
    kind: ChangeKind
    subject: str
    before: str | None
    after: str | None
    escalation: bool
    summary: str

    def to_json(self) -> dict[str, object]:
        return {
            "area": self.area,
            "kind": self.kind,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "escalation": self.escalation,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class EntitlementDiff:
    """Every change from ``old_ref`` (``None``: a new server) to ``new_ref``."""

    old_ref: str | None
    new_ref: str
    changes: tuple[Change, ...]

    @property
    def escalates(self) -> bool:
        """True when the new version may reach, hold or expose more than the old."""
        return any(change.escalation for change in self.changes)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def escalations(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.escalation)


def entitlement_diff(old: Manifest | None, new: Manifest) -> EntitlementDiff:
    """Compare two versions of a server; ``old=None`` means ``new`` is a new server.

    For a new server everything it asks for is reported as ``added`` and the
    tier change is an escalation, so installing a new server always counts as
    one. Changes are ordered by :data:`AREAS`, then by subject.
    """
    changes: list[Change] = []
    changes += _tier(old, new)
    changes += _egress(old, new)
    changes += _credentials(old, new)
    changes += _tools(old, new)
    changes += _image(old, new)
    changes += _source(old, new)
    changes += _presentation(old, new)
    # Stable sort: within an area the generators already emit a fixed order.
    changes.sort(key=lambda change: _AREA_ORDER[change.area])
    return EntitlementDiff(old.ref if old is not None else None, new.ref, tuple(changes))


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
    area: str,
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


# --- renderers --------------------------------------------------------------


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _headline(diff: EntitlementDiff) -> str:
    if diff.old_ref is None:
        title = f"{diff.new_ref} (new server)"
    else:
        title = f"{diff.old_ref} -> {diff.new_ref}"
    if diff.empty:
        return f"{title}: no entitlement changes"
    count = _plural(len(diff.changes), "change")
    return f"{title}: {count}, {_plural(len(diff.escalations), 'escalation')}"


def _printable(text: str) -> str:
    """Escape control, format and separator characters (terminal escapes, bidi tricks)."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def render_text(diff: EntitlementDiff) -> str:
    """One headline, then one line per change; ``!`` marks an escalation."""
    lines = [_printable(_headline(diff))]
    for change in diff.changes:
        mark = "!" if change.escalation else " "
        lines.append(f"  {mark} {change.area:<12} {change.kind:<7}  {_printable(change.summary)}")
    return "\n".join(lines) + "\n"


_MD_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "|": "&#124;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "(": "&#40;",
    ")": "&#41;",
    "\\": "&#92;",
    "*": "&#42;",
    "_": "&#95;",
    "~": "&#126;",
    "!": "&#33;",
    "#": "&#35;",
    "$": "&#36;",
    # ``@`` and ``:`` break e-mail, mention and scheme autolinks (``https://``).
    "@": "&#64;",
    ":": "&#58;",
}
_WWW = re.compile(r"(?i)\b(www)\.")
_MD_CELL_LIMIT = 300


def escape_markdown(text: str) -> str:
    """Make contributor text inert in Markdown and HTML: no tags, links or table breaks.

    Every character with a meaning is written as an HTML entity, line breaks
    become spaces, other control characters are shown escaped and ``www.`` is
    broken so autolinkers do not turn a bare domain into a link.
    """
    text = re.sub(r"[\r\n\u2028\u2029]+", " ", text)
    text = _printable(text)
    text = "".join(_MD_ENTITIES.get(char, char) for char in text)
    return _WWW.sub(r"\1&#46;", text)


def _cell(text: str | None) -> str:
    if not text:
        return ""
    if len(text) > _MD_CELL_LIMIT:
        text = text[: _MD_CELL_LIMIT - 1] + "…"
    return escape_markdown(text)


def render_markdown(diff: EntitlementDiff) -> str:
    """A headline and a table, safe for GitHub job summaries and the website."""
    if diff.old_ref is None:
        title = f"**{escape_markdown(diff.new_ref)}** (new server)"
    else:
        title = f"**{escape_markdown(diff.old_ref)} → {escape_markdown(diff.new_ref)}**"
    if diff.empty:
        return f"{title}: no entitlement changes.\n"
    escalations = len(diff.escalations)
    lines = [
        f"{title}: {_plural(len(diff.changes), 'change')}, "
        f"{_plural(escalations, 'escalation')}.",
        "",
        "| | Area | Change | Before | After |",
        "|---|---|---|---|---|",
    ]
    for change in diff.changes:
        mark = "⚠️" if change.escalation else ""
        lines.append(
            f"| {mark} | {change.area} | {_cell(change.summary)} "
            f"| {_cell(change.before)} | {_cell(change.after)} |"
        )
    if escalations:
        lines += ["", "⚠️ marks an escalation: the new version may reach, hold or expose more."]
    return "\n".join(lines) + "\n"


def to_json(diff: EntitlementDiff) -> dict[str, object]:
    """A stable, JSON-serialisable form of ``diff``."""
    return {
        "old_ref": diff.old_ref,
        "new_ref": diff.new_ref,
        "escalates": diff.escalates,
        "changes": [change.to_json() for change in diff.changes],
    }
