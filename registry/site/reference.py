"""JSON Schemas and reference pages generated from the pydantic models.

The manifest and toolspec reference pages are Markdown written from the
models' fields and docstrings, so the documentation cannot drift from what
the loader accepts. The JSON Schemas let editors validate a manifest while
it is typed (``# yaml-language-server: $schema=…``).
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from registry.layout import DIGEST, NAME, VERSION
from registry.load.schema import ENTRYPOINT, Manifest, Toolspec
from registry.render.templates import markdown_environment
from registry.rules import GROUPS, RULES, Rule

PACKAGE = "registry.site"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

SchemaKind = Literal["manifest", "toolspec"]
SCHEMA_FILES: dict[SchemaKind, str] = {
    "manifest": "schemas/manifest.schema.json",
    "toolspec": "schemas/toolspec.schema.json",
}
ReferenceKind = Literal["manifest", "toolspec", "rules"]
REFERENCE_PAGES: dict[str, ReferenceKind] = {
    "reference/manifest.md": "manifest",
    "reference/toolspec.md": "toolspec",
    "reference/lint-rules.md": "rules",
}


def schema_url(kind: SchemaKind, site_url: str) -> str:
    """Where a schema is served: absolute when the site's URL is known."""
    path = SCHEMA_FILES[kind]
    return site_url.rstrip("/") + "/" + path if site_url else path


def _tighten(schema: dict[str, Any], kind: str) -> None:
    """Add the lint rules an editor can check on its own (patterns, constants)."""
    properties = schema["properties"]
    properties["name"]["pattern"] = NAME.pattern
    properties["version"]["pattern"] = VERSION.pattern
    properties["schemaVersion"]["const"] = 1
    if kind == "manifest":
        image = schema["$defs"]["Image"]["properties"]
        image["digest"]["pattern"] = DIGEST.pattern
        image["entrypoint"]["const"] = ENTRYPOINT


def json_schema(kind: SchemaKind, site_url: str = "") -> bytes:
    """``schemas/<kind>.schema.json``: the model's JSON Schema, deterministic bytes."""
    model: type[BaseModel] = Manifest if kind == "manifest" else Toolspec
    schema = model.model_json_schema(by_alias=True)
    _tighten(schema, kind)
    document = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_url(kind, site_url),
        **schema,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- reference pages ----------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _literal_values(annotation: Any) -> list[str] | None:
    """The allowed strings of a Literal or a union of Literals, else None."""
    origin = get_origin(annotation)
    if origin is Literal:
        return [str(value) for value in get_args(annotation)]
    if origin in (Union, types.UnionType):
        values: list[str] = []
        for member in get_args(annotation):
            member_values = _literal_values(member)
            if member_values is None:
                return None
            values.extend(member_values)
        return values
    return None


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_of(arg)]


def _type_text(annotation: Any) -> str:
    values = _literal_values(annotation)
    if values is not None:
        shown = ", ".join(f"`{value}`" for value in values if value)
        return f"one of {shown}" + (" (or empty)" if "" in values else "")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    origin = get_origin(annotation)
    if origin is list:
        (item,) = get_args(annotation)
        return f"list of {_type_text(item)}"
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return " or ".join(_type_text(a) for a in members)
    return {str: "string", int: "integer", bool: "boolean", float: "number"}.get(
        annotation, str(annotation)
    )


def _reachable_models(root: type[BaseModel]) -> list[type[BaseModel]]:
    order: list[type[BaseModel]] = []
    pending = [root]
    while pending:
        model = pending.pop(0)
        if model in order:
            continue
        order.append(model)
        for info in model.model_fields.values():
            pending.extend(_models_of(info.annotation))
    return order


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def _default_text(info: Any) -> str:
    if info.is_required():
        return "yes"
    default = info.get_default(call_default_factory=True)
    if default in ("", [], None):
        return "no"
    return f"no (default `{json.dumps(default)}`)"


@dataclass(frozen=True)
class FieldRow:
    name: str
    type: str
    required: str
    description: str


@dataclass(frozen=True)
class ModelSection:
    name: str
    doc: str
    fields: tuple[FieldRow, ...]


def _model_section(model: type[BaseModel]) -> ModelSection:
    rows = []
    for name, info in model.model_fields.items():
        description = info.description or ""
        if not description:
            nested = _models_of(info.annotation)
            description = _doc(nested[0]) if nested else ""
        rows.append(FieldRow(
            info.alias or name, _type_text(info.annotation), _default_text(info), _cell(description)
        ))
    return ModelSection(model.__name__, _doc(model), tuple(rows))


_INTROS = {
    "manifest": (
        "Manifest reference",
        "A manifest, `manifests/<name>/<version>.yaml`, declares one version of a "
        "server: where its code and image come from, its tier, the hosts it may reach, "
        "the credentials it needs and the tools it offers. Unknown fields are errors. "
        "This page is generated from the registry's own models, so it always matches "
        "what lint accepts; lint adds the cross-field rules listed on the "
        "[lint rules](lint-rules.md) page.",
    ),
    "toolspec": (
        "Toolspec reference",
        "A toolspec, `toolspecs/<name>/<version>.yaml`, maps each tool of a `toolpack` "
        "server to one HTTPS request, paired 1:1 with the manifest of the same name and "
        "version. Its tool set must equal the manifest's, and every base URL's host must "
        "be allowed by the manifest's egress. This page is generated from the registry's "
        "own models.",
    ),
}

_FIRST_LINES = {
    "manifest": "schemaVersion: 1\nname: example\nversion: 0.1.0",
    "toolspec": "schemaVersion: 1\nname: example\nversion: 0.1.0\nbaseUrl: https://api.example.com",
}


def reference_markdown(kind: SchemaKind, site_url: str = "") -> str:
    """The Markdown of ``reference/<kind>.md``, written from the model."""
    model: type[BaseModel] = Manifest if kind == "manifest" else Toolspec
    title, intro = _INTROS[kind]
    url = schema_url(kind, site_url) if site_url else (
        "https://<registry site>/" + SCHEMA_FILES[kind]
    )
    template = markdown_environment(PACKAGE).get_template("reference.md.j2")
    return template.render(
        title=title, intro=intro, schema_file=SCHEMA_FILES[kind], schema_url=url,
        first_lines=_FIRST_LINES[kind],
        sections=[_model_section(m) for m in _reachable_models(model)],
    )


def rules_markdown() -> str:
    """The Markdown of ``reference/lint-rules.md``: every rule by group, from :data:`RULES`."""
    groups: dict[str, list[Rule]] = {}
    for rule in RULES.values():
        groups.setdefault(rule.code[0], []).append(rule)
    template = markdown_environment(PACKAGE).get_template("lint-rules.md.j2")
    return template.render(
        groups=[(GROUPS[letter], sorted(rules, key=lambda r: r.code))
                for letter, rules in groups.items()],
    )
