"""Reading an extraction's answer: parse tolerantly (code fences, raw control characters inside strings, as the
engines emit them), then validate against the schema with jsonschema. An answer cut by max_tokens is
"incomplete" with what parsed so far — never "valid", even when the part that arrived happens to validate."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from partial_json_parser import Allow
from partial_json_parser import loads as partial_loads

from backend.extract.schema import ExtractSchema

VALID, INVALID, INCOMPLETE, NOT_JSON = "valid", "invalid", "incomplete", "not JSON"
_FENCE = re.compile(r"```(?:json)?\s*\n?(.*?)(?:```|$)", re.DOTALL)
# what a cut answer keeps: finished values only (a cut string or number would be a wrong value, not a partial one)
_COMPLETE_VALUES = Allow.ALL & ~Allow.STR & ~Allow.NUM
MAX_ERRORS = 20


@dataclass(frozen=True)
class Extraction:
    """One answer read against its schema: the data (None when nothing parsed), whether it is valid, each problem
    as "where: what", and the raw text."""

    status: str  # valid | invalid | incomplete | not JSON
    data: Any
    errors: tuple[str, ...] = ()
    raw: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return self.status == VALID

    def headline(self) -> str:
        """One line for people: what came back and whether to trust it."""
        if self.status == VALID:
            return "Valid: the answer follows the schema."
        if self.status == INCOMPLETE:
            return ("Incomplete: the answer was cut off at Max tokens before the JSON closed; what parsed is "
                    "shown. Raise Max tokens and extract again.")
        if self.status == NOT_JSON:
            return "Not JSON: nothing in the answer could be read as a JSON object (the raw answer is below)."
        count = len(self.errors)
        return f"Invalid: the JSON does not follow the schema ({count} problem{'s' if count != 1 else ''})."

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "data": self.data, "valid": self.valid, "errors": list(self.errors),
                "raw": self.raw}


def read_answer(raw: str, schema: ExtractSchema, cut_off: bool = False) -> Extraction:
    """The extraction an answer holds. cut_off: the answer did not end by itself (max_tokens, stopped, aborted).
    Only JSON that closes can be valid; an answer whose JSON does not close is incomplete."""
    try:
        return _read(raw, schema, cut_off)
    except RecursionError:  # JSON nested thousands deep: Python's parser gives up, and so do we
        return Extraction(NOT_JSON, None, raw=raw, notes=("The answer's JSON is nested too deep to read.",))


def _read(raw: str, schema: ExtractSchema, cut_off: bool) -> Extraction:
    data = _whole(raw) if not raw.lstrip().startswith("```") else None  # backticks inside a string stay text
    text = _unfenced(raw) if data is None else raw
    if data is None:
        data = _whole(text)
    closes = data is not None
    if not closes:
        start = _first_bracket(text)
        if start < 0:
            return Extraction(NOT_JSON, None, raw=raw)
        try:
            data = partial_loads(text[start:], _COMPLETE_VALUES, parser=_lenient)
        except ValueError:
            return Extraction(INCOMPLETE if cut_off else NOT_JSON, None, raw=raw)
    errors = schema_errors(data, schema)
    if cut_off or not closes:
        notes = () if cut_off else ("The answer ended before its JSON closed; what parsed is shown.",)
        return Extraction(INCOMPLETE, data, errors, raw, notes)
    return Extraction(INVALID if errors else VALID, data, errors, raw)


def schema_errors(data: Any, schema: ExtractSchema) -> tuple[str, ...]:
    """Each way data breaks the schema, as "where: what" (the first MAX_ERRORS, in document order)."""
    validator = jsonschema.validators.validator_for(schema.schema)(schema.schema)
    problems = sorted(validator.iter_errors(data), key=lambda error: [(0, part, "") if isinstance(part, int)
                                                                      else (1, 0, str(part))
                                                                      for part in error.absolute_path])
    lines = [f"{_where(error.absolute_path)}: {error.message}" for error in problems[:MAX_ERRORS]]
    if len(problems) > MAX_ERRORS:
        lines.append(f"… and {len(problems) - MAX_ERRORS} more")
    return tuple(lines)


def _where(path: Any) -> str:
    parts = list(path)
    if not parts:
        return "(top)"
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")


def _unfenced(raw: str) -> str:
    match = _FENCE.search(raw)
    return match.group(1).strip() if match else raw.strip()


def _first_bracket(text: str) -> int:
    """Where a JSON value may start: the first { or [; -1 when there is none."""
    found = [index for index in (text.find("{"), text.find("[")) if index >= 0]
    return min(found) if found else -1


def _whole(text: str) -> Any:
    """The JSON value text holds, strings with raw control characters allowed; None when none parses. It starts
    at a { or [ and ends the text (so an object inside a broken list is not taken for the answer), or else is
    the value at the first bracket with prose after it."""
    decoder = json.JSONDecoder(strict=False)
    starts = sorted(index for index in (text.find("{"), text.find("[")) if index >= 0)
    for start in starts:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if not text[end:].strip() or start == starts[0]:
            return value
    return None


def _lenient(text: str) -> Any:
    return json.loads(text, strict=False)
