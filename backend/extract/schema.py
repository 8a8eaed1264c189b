"""What an extraction asks for: a JSON Schema — a stored template (invoice, receipt, form, table) or the user's own,
pasted, uploaded or derived from an example — checked before anything is sent, and turned into the request's
`response_format` (the engine constrains decoding to it) and the instruction the model reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError as JsonSchemaInvalid

from backend.errors import UserError
from backend.families import Family

TEMPLATE_FOLDER = Path(__file__).with_name("templates")
TEMPLATE_NAMES = ("receipt", "invoice", "form", "table")  # the order the picker shows
# Limits that keep a schema within what a grammar compiles quickly (xgrammar compiles each new schema once, on the
# engine's scheduler; a huge one stalls every request in flight meanwhile) and within a public demo's fair share.
MAX_SCHEMA_CHARS = 20_000
MAX_DEPTH = 8  # nested objects / arrays
MAX_PROPERTIES = 200  # property names in the whole schema
LENGTH_BOUNDS = ("maxLength", "minLength", "maxItems", "minItems")  # validated after decoding, not during


class SchemaRefused(UserError):
    """A schema that cannot be used, in words that say what to fix."""


@dataclass(frozen=True)
class ExtractSchema:
    """One JSON Schema to extract with: its name (a template's, or "custom") and the schema itself."""

    name: str
    schema: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.schema.get("title") or self.name)

    @property
    def text(self) -> str:
        """The schema as indented JSON (what the editor shows)."""
        return json.dumps(self.schema, indent=2, ensure_ascii=False)

    def response_format(self) -> dict[str, Any]:
        """The OpenAI `response_format` SGLang and vLLM constrain decoding with: the schema without its length
        bounds, which the answer is validated against afterwards instead (xgrammar turns a bound into a counted
        repetition whose token mask is costly to compute, once per request and token: on an H100, 16 receipts in
        flight decoded at 3.3x the free time per token with bounds, 1.00x without)."""
        return {"type": "json_schema",
                "json_schema": {"name": _identifier(self.name), "schema": self.grammar_schema(), "strict": True}}

    def grammar_schema(self) -> dict[str, Any]:
        """The schema the engine holds decoding to: this one without maxLength / minLength / maxItems / minItems."""
        return _without_bounds(self.schema)

    def asks_for_boxes(self) -> bool:
        """True when some field is a bbox_2d (drawn on the document)."""
        return "bbox_2d" in json.dumps(self.schema)

    def instruction(self, family: Family) -> str:
        """What the model reads: extract as JSON following the schema (decoding is held to it as well)."""
        lines = ["Extract the information in this document as JSON that follows this JSON Schema. Copy text as "
                 "printed; use null where a value is not visible.", json.dumps(self.schema, ensure_ascii=False)]
        if self.asks_for_boxes():
            frame = ("in pixels of the image" if family.absolute_pixels
                     else "on a 0-1000 scale of the image's width and height")
            lines.append(f"Each bbox_2d is [x1, y1, x2, y2] {frame}.")
        return "\n".join(lines)


@cache
def template(name: str) -> ExtractSchema:
    """A stored template by name (receipt, invoice, form, table)."""
    return ExtractSchema(name, json.loads((TEMPLATE_FOLDER / f"{name}.json").read_text(encoding="utf-8")))


def template_choices() -> list[tuple[str, str]]:
    """(title, name) of every template, for a picker."""
    return [(template(name).title, name) for name in TEMPLATE_NAMES]


def load_schema(text_or_name: str) -> ExtractSchema:
    """A template name, or JSON Schema text, checked: JSON, a valid schema (its own $schema draft, else the
    newest), an object at the top, within the size and depth limits. Raises SchemaRefused."""
    text = (text_or_name or "").strip()
    if text.lower() in TEMPLATE_NAMES:
        return template(text.lower())
    if not text:
        raise SchemaRefused(f"No schema: pick a template ({', '.join(TEMPLATE_NAMES)}) or paste a JSON Schema.")
    if len(text) > MAX_SCHEMA_CHARS:
        raise SchemaRefused(f"The schema is {len(text):,} characters; the limit is {MAX_SCHEMA_CHARS:,}. "
                            "Ask for fewer fields, or split it into two extractions.")
    try:
        schema = json.loads(text)
    except ValueError as error:
        hint = "" if text.startswith(("{", "[")) else \
            f" (or a template name: {', '.join(TEMPLATE_NAMES)})"
        raise SchemaRefused(f"The schema is not JSON{hint}: {error}.") from error
    return checked(schema, "custom")


def checked(schema: Any, name: str) -> ExtractSchema:
    """A parsed schema, checked as load_schema does."""
    if not isinstance(schema, dict):
        raise SchemaRefused("A schema is a JSON object, like {\"type\": \"object\", \"properties\": {…}}.")
    if (size := len(json.dumps(schema))) > MAX_SCHEMA_CHARS:
        raise SchemaRefused(f"The schema is {size:,} characters; the limit is {MAX_SCHEMA_CHARS:,}. Ask for fewer "
                            "fields, or split it into two extractions.")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except JsonSchemaInvalid as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the top"
        raise SchemaRefused(f"This is not a valid JSON Schema (at {where}): {error.message}.") from error
    if schema.get("type") not in ("object", None) and schema.get("type") != ["object"]:
        raise SchemaRefused(f"The schema's top level must be an object (fields), not {schema.get('type')!r}.")
    depth, names = _shape(schema)
    if depth > MAX_DEPTH:
        raise SchemaRefused(f"The schema nests {depth} levels deep; the limit is {MAX_DEPTH}. Flatten it.")
    if names > MAX_PROPERTIES:
        raise SchemaRefused(f"The schema has {names} fields; the limit is {MAX_PROPERTIES}.")
    return ExtractSchema(name, schema)


def schema_from_example(text: str) -> ExtractSchema:
    """A schema that an example JSON answer satisfies: its keys required, the types of its values, an array's
    item shape from its first element; null values become nullable strings."""
    try:
        example = json.loads(text)
    except ValueError as error:
        raise SchemaRefused(f"The example is not JSON: {error}.") from error
    if not isinstance(example, dict):
        raise SchemaRefused("The example must be a JSON object, like {\"vendor\": \"ACME\", \"total\": 12.5}.")
    return checked(_describe(example), "custom")


def _describe(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"type": "object", "properties": {key: _describe(item) for key, item in value.items()},
                "required": list(value), "additionalProperties": False}
    if isinstance(value, list):
        return {"type": "array", "items": _describe(value[0])} if value else {"type": "array"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if value is None:
        return {"type": ["string", "null"]}
    return {"type": "string"}


def _shape(node: Any, depth: int = 0) -> tuple[int, int]:
    """(deepest nesting of objects and arrays, number of property names) in a schema."""
    if isinstance(node, list):
        shapes = [_shape(item, depth) for item in node]
        return max((deep for deep, _ in shapes), default=depth), sum(count for _, count in shapes)
    if not isinstance(node, dict):
        return depth, 0
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    here = depth + 1 if {"object", "array"} & set(types) or "properties" in node or "items" in node else depth
    deepest, names = here, 0
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            names += len(value)
            value = list(value.values())
        if isinstance(value, (dict, list)):
            child_depth, child_names = _shape(value, here)
            deepest, names = max(deepest, child_depth), names + child_names
    return deepest, names


def _without_bounds(node: Any) -> Any:
    if isinstance(node, dict):
        # a bound's value is a number; a field that happens to be named "maxLength" has a schema (an object)
        return {key: _without_bounds(value) for key, value in node.items()
                if not (key in LENGTH_BOUNDS and isinstance(value, int))}
    if isinstance(node, list):
        return [_without_bounds(value) for value in node]
    return node


def _identifier(name: str) -> str:
    """A json_schema name OpenAI accepts: letters, digits, _ and -, at most 64."""
    cleaned = "".join(char if char.isalnum() or char in "_-" else "_" for char in name)
    return (cleaned or "extraction")[:64]
