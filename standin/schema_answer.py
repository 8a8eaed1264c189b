"""What the stand-in answers under a JSON Schema `response_format`: a value that follows the schema, written the way
xgrammar with `--constrained-json-disable-any-whitespace` lets a model write it (", " and ": " separators), with
every bbox_2d inside the last image (its input pixels, or 0..1000 for relative families)."""

from __future__ import annotations

import json
from typing import Any

ARRAY_LENGTH = 2  # elements per array unless the schema's minItems / maxItems say otherwise
SHORT_TEXT = 8  # characters of a string value (within the templates' bounds, which the grammar leaves out)


def schema_of(request: dict) -> dict | None:
    """The JSON Schema a chat request's response_format holds (None without one)."""
    response_format = request.get("response_format") or {}
    if response_format.get("type") != "json_schema":
        return None
    schema = (response_format.get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else None


def answer_for(schema: dict, frame: tuple[int, int]) -> str:
    """A JSON text that validates against schema (the subset templates and derived schemas use)."""
    return json.dumps(_value(schema, frame, "", 0), ensure_ascii=False)


def _value(schema: dict, frame: tuple[int, int], name: str, index: int) -> Any:
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _value(schema[key][0], frame, name, index)
    kinds = schema.get("type", "object")
    kinds = [kind for kind in (kinds if isinstance(kinds, list) else [kinds]) if kind != "null"] or ["null"]
    kind = kinds[0]
    if name == "bbox_2d":
        width, height = frame
        step = index + 1
        return [width * step // 10, height * step // 10, width * (step + 3) // 10, height * (step + 3) // 10]
    if kind == "object":
        properties = schema.get("properties") or {}
        return {key: _value(part, frame, key, index) for key, part in properties.items()}
    if kind == "array":
        length = min(max(ARRAY_LENGTH, schema.get("minItems", 0)), schema.get("maxItems", ARRAY_LENGTH))
        item = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
        return [_value(item, frame, name if name == "bbox_2d" else "", number) for number in range(length)]
    if kind == "integer":
        return max(schema.get("minimum", 3 + index), 3 + index)
    if kind == "number":
        return max(schema.get("minimum", 0), 12.5 + index)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = f"{name or 'text'} {index + 1}"[:SHORT_TEXT].strip()  # short, as printed fields are
    return text[: schema.get("maxLength", len(text))]
