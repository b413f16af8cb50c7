"""What a toolspec tool does: its side effect, its MCP hints and its request body.

One reading of a tool's HTTP method for lint, the entitlement diff, the site
and the exported server.json, so they cannot disagree about whether a tool
writes or has a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from registry.load.schema import HttpMethod, ToolSpecTool

SideEffect = Literal["read", "write", "destructive"]
SIDE_EFFECTS: tuple[SideEffect, ...] = ("read", "write", "destructive")
"""In order of what they can do: a move to the right widens a tool."""

BODY_METHODS: frozenset[HttpMethod] = frozenset({"POST", "PUT", "PATCH"})
"""Methods whose requests carry a body; GET and DELETE send none."""
DEFAULT_ENCODING = "json"


@dataclass(frozen=True)
class ToolHints:
    """MCP tool annotations as a gateway derives them from the HTTP method."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True  # every toolpack tool calls a third-party API


_BY_METHOD: dict[HttpMethod, tuple[SideEffect, ToolHints]] = {
    "GET": ("read", ToolHints(read_only=True, destructive=False, idempotent=True)),
    "POST": ("write", ToolHints(read_only=False, destructive=False, idempotent=False)),
    "PUT": ("write", ToolHints(read_only=False, destructive=False, idempotent=True)),
    "PATCH": ("write", ToolHints(read_only=False, destructive=False, idempotent=False)),
    "DELETE": ("destructive", ToolHints(read_only=False, destructive=True, idempotent=True)),
}


def side_effect(method: HttpMethod) -> SideEffect:
    """``read`` (GET), ``write`` (POST, PUT, PATCH) or ``destructive`` (DELETE)."""
    return _BY_METHOD[method][0]


def tool_hints(method: HttpMethod) -> ToolHints:
    return _BY_METHOD[method][1]


def widens(before: SideEffect, after: SideEffect) -> bool:
    """Whether a tool moving from ``before`` to ``after`` can do more."""
    return SIDE_EFFECTS.index(after) > SIDE_EFFECTS.index(before)


def has_body(method: HttpMethod) -> bool:
    return method in BODY_METHODS


def body_encoding(tool: ToolSpecTool) -> str:
    """How the request body is encoded (``json`` or ``form``); empty when there is no body."""
    if not has_body(tool.method):
        return ""
    return tool.encoding or DEFAULT_ENCODING
