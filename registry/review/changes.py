"""The shape of an entitlement diff: changes by area, each with a sentence and a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

ChangeKind = Literal["added", "removed", "changed"]

Area = Literal[
    "tier",
    "egress",
    "credential",
    "scope",
    "inject",
    "tool",
    "default",
    "request",
    "auth",
    "image",
    "source",
    "builder",
    "presentation",
]
AREAS: tuple[Area, ...] = get_args(Area)
AREA_ORDER = {area: index for index, area in enumerate(AREAS)}


@dataclass(frozen=True)
class Change:
    """One difference between two versions, with a sentence a person can read."""

    area: Area
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
        """True when the new version may reach, hold or do more than the old."""
        return any(change.escalation for change in self.changes)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def escalations(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.escalation)
