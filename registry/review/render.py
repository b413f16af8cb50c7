"""Entitlement diffs and reviews as text (terminals), Markdown (job summaries) and JSON."""

from __future__ import annotations

import json
from typing import Literal

from registry.errors import printable
from registry.render.templates import markdown_environment
from registry.review.against import Review
from registry.review.diff import EntitlementDiff

OutputFormat = Literal["text", "markdown", "json"]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def headline(diff: EntitlementDiff) -> str:
    if diff.old_ref is None:
        title = f"{diff.new_ref} (new server)"
    else:
        title = f"{diff.old_ref} -> {diff.new_ref}"
    if diff.empty:
        return f"{title}: no entitlement changes"
    count = plural(len(diff.changes), "change")
    return f"{title}: {count}, {plural(len(diff.escalations), 'escalation')}"


def render_text(diff: EntitlementDiff) -> str:
    """One headline, then one line per change; ``!`` marks an escalation."""
    lines = [printable(headline(diff))]
    for change in diff.changes:
        mark = "!" if change.escalation else " "
        lines.append(f"  {mark} {change.area:<12} {change.kind:<7}  {printable(change.summary)}")
    return "\n".join(lines) + "\n"


def render_markdown(diff: EntitlementDiff) -> str:
    """A headline and a table, safe for GitHub job summaries."""
    template = markdown_environment().get_template("diff.md.j2")
    return template.render(diff=diff, plural=plural).rstrip("\n") + "\n"


def to_json(diff: EntitlementDiff) -> dict[str, object]:
    """A stable, JSON-serialisable form of ``diff``."""
    return {
        "old_ref": diff.old_ref,
        "new_ref": diff.new_ref,
        "escalates": diff.escalates,
        "changes": [change.to_json() for change in diff.changes],
    }


def review_to_json(review: Review) -> dict[str, object]:
    """``{git_ref, escalates, diffs, removed, notes}``, JSON-serialisable."""
    return {
        "git_ref": review.git_ref,
        "escalates": review.escalates,
        "diffs": [to_json(diff) for diff in review.diffs],
        "removed": list(review.removed),
        "notes": list(review.notes),
    }


def render_diff(diff: EntitlementDiff, output_format: OutputFormat) -> str:
    if output_format == "json":
        return json.dumps(to_json(diff), indent=2, ensure_ascii=False) + "\n"
    return (render_markdown if output_format == "markdown" else render_text)(diff)


def render_review(review: Review, output_format: OutputFormat) -> str:
    """The review as ``text``, ``markdown`` (a job summary) or ``json``."""
    if output_format == "json":
        return json.dumps(review_to_json(review), indent=2, ensure_ascii=False) + "\n"
    if output_format == "markdown":
        template = markdown_environment().get_template("review.md.j2")
        text = template.render(
            review=review, diffs=review.diffs, render=lambda d: render_markdown(d).rstrip("\n")
        )
        return text.rstrip("\n") + "\n"
    parts = [render_text(diff) for diff in review.diffs]
    parts += [f"{printable(path)}: removed\n" for path in review.removed]
    if not parts:
        parts.append(f"no manifest changes against {printable(review.git_ref)}\n")
    return "\n".join(parts)
