"""What changed in the requests a toolpack server's tools send: the toolspec half of a diff.

Per tool: its method (and so its side effect), path, base URL, parameters
(added, removed, moved to another part of the request, retyped, made
required), and body encoding; for the whole toolspec, its base URL and the
header the engine puts an entrusted credential in. These escalate:

- a tool exposed by default whose side effect widens (read -> write ->
  destructive, read off the HTTP method);
- a request sent to a host no tool of the old version sent to.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from registry.load.schema import Manifest, Param, Toolspec, ToolSpecTool
from registry.review.changes import Change, ChangeKind
from registry.tools import body_encoding, side_effect, widens


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _tools(spec: Toolspec | None) -> dict[str, ToolSpecTool]:
    return {tool.name: tool for tool in spec.tools} if spec is not None else {}


def _base_url(spec: Toolspec, tool: ToolSpecTool) -> str:
    return tool.baseUrl or spec.baseUrl


def _hosts(spec: Toolspec | None) -> set[str]:
    if spec is None:
        return set()
    return {_host(_base_url(spec, tool)) for tool in spec.tools} | {_host(spec.baseUrl)}


def _request(spec: Toolspec, tool: ToolSpecTool) -> str:
    return f"{tool.method} {_base_url(spec, tool)}{tool.path}"


def _param_text(param: Param) -> str:
    required = ", required" if param.required else ""
    return f"{param.in_} {param.type}{required}"


def _defaults(manifest: Manifest | None) -> set[str]:
    return set(manifest.default_tools) if manifest is not None else set()


def request_changes(
    old: Manifest | None, old_spec: Toolspec | None, new: Manifest, new_spec: Toolspec | None
) -> list[Change]:
    """Every toolspec change from ``old_spec`` to ``new_spec``, in a fixed order."""
    changes: list[Change] = []
    before, after = _tools(old_spec), _tools(new_spec)
    old_hosts = _hosts(old_spec)
    defaults = _defaults(new)
    if old_spec is not None and new_spec is not None and old_spec.baseUrl != new_spec.baseUrl:
        changes.append(Change(
            "request", "changed", "baseUrl", old_spec.baseUrl, new_spec.baseUrl,
            _host(new_spec.baseUrl) not in old_hosts,
            f"Base URL changed from {old_spec.baseUrl} to {new_spec.baseUrl}",
        ))
    for name in sorted(after, key=str.encode):
        tool = after[name]
        assert new_spec is not None
        if name not in before:
            host = _host(_base_url(new_spec, tool))
            changes.append(Change(
                "request", "added", name, None, _request(new_spec, tool),
                old_spec is not None and host not in old_hosts,
                f"Tool {name} sends {_request(new_spec, tool)} "
                f"({side_effect(tool.method)})",
            ))
            continue
        assert old_spec is not None
        changes += _tool_changes(name, old_spec, before[name], new_spec, tool, old_hosts,
                                 exposed=name in defaults)
    changes += _auth_changes(old_spec, new_spec)
    return changes


def _tool_changes(
    name: str, old_spec: Toolspec, was: ToolSpecTool, new_spec: Toolspec, now: ToolSpecTool,
    old_hosts: set[str], *, exposed: bool,
) -> list[Change]:
    changes: list[Change] = []
    if was.method != now.method:
        old_effect, new_effect = side_effect(was.method), side_effect(now.method)
        effect = "" if old_effect == new_effect else f" ({old_effect} -> {new_effect})"
        exposure = ", exposed by default" if exposed else ""
        changes.append(Change(
            "request", "changed", f"{name}.method", was.method, now.method,
            exposed and widens(old_effect, new_effect),
            f"Tool {name} method changed from {was.method} to {now.method}{effect}{exposure}",
        ))
    if was.path != now.path:
        changes.append(Change(
            "request", "changed", f"{name}.path", was.path, now.path, False,
            f"Tool {name} path changed from {was.path} to {now.path}",
        ))
    old_url, new_url = _base_url(old_spec, was), _base_url(new_spec, now)
    if old_url != new_url and (was.baseUrl or now.baseUrl):
        changes.append(Change(
            "request", "changed", f"{name}.baseUrl", old_url, new_url,
            _host(new_url) not in old_hosts,
            f"Tool {name} now sends its requests to {new_url} (was {old_url})",
        ))
    old_body, new_body = body_encoding(was), body_encoding(now)
    if old_body != new_body:
        changes.append(Change(
            "request", "changed", f"{name}.encoding", old_body or None, new_body or None, False,
            f"Tool {name} body encoding changed from {old_body or 'none'} to {new_body or 'none'}",
        ))
    changes += _param_changes(name, was, now)
    return changes


def _param_changes(name: str, was: ToolSpecTool, now: ToolSpecTool) -> list[Change]:
    changes: list[Change] = []
    before = {param.name: param for param in was.params}
    after = {param.name: param for param in now.params}
    for pname in sorted(before.keys() | after.keys(), key=str.encode):
        old, new = before.get(pname), after.get(pname)
        subject = f"{name}.params.{pname}"
        if old is None:
            assert new is not None
            changes.append(Change(
                "request", "added", subject, None, _param_text(new), False,
                f"Tool {name} takes a new parameter {pname} ({_param_text(new)})",
            ))
        elif new is None:
            changes.append(Change(
                "request", "removed", subject, _param_text(old), None, False,
                f"Tool {name} no longer takes parameter {pname}",
            ))
        elif _param_text(old) != _param_text(new):
            moved = old.in_ != new.in_
            verb = f"moved from {old.in_} to {new.in_}" if moved else "changed"
            changes.append(Change(
                "request", "changed", subject, _param_text(old), _param_text(new), False,
                f"Tool {name} parameter {pname} {verb} ({_param_text(new)})",
            ))
    return changes


def _auth_changes(old_spec: Toolspec | None, new_spec: Toolspec | None) -> list[Change]:
    old = old_spec.auth if old_spec is not None else None
    new = new_spec.auth if new_spec is not None else None
    before = f"{old.header}: {old.format}" if old is not None else None
    after = f"{new.header}: {new.format}" if new is not None else None
    if before == after or old_spec is None:
        return []
    if after is None:
        return [Change("auth", "removed", "auth", before, None, False,
                       "The toolpack engine no longer sends the credential in a header")]
    kind: ChangeKind = "added" if before is None else "changed"
    return [Change("auth", kind, "auth", before, after, False,
                   f"The toolpack engine sends the credential as {after}")]
