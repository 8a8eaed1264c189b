"""Find JSON values anywhere in model text: strict, lenient (Python-literal style) and truncated."""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_OPENERS = {"[": "]", "{": "}"}
_MAX_FAILED_STARTS = 2000  # bounds the scan on long prose full of stray brackets
_LITERAL_WORDS = {"true": "True", "false": "False", "null": "None"}


@dataclass(frozen=True)
class JsonFind:
    """One JSON value found in text, with how it had to be read."""

    value: Any
    start: int
    end: int
    how: str  # "strict" | "lenient" | "repaired"
    dropped_tail: str  # for "repaired": the incomplete text that was cut off


def iter_json_values(text: str) -> Iterator[JsonFind]:
    """Yield every top-level JSON array/object in the text, left to right; never raises."""
    decoder = json.JSONDecoder()
    position = 0
    failed_starts = 0
    while failed_starts < _MAX_FAILED_STARTS:
        start = _next_opener(text, position)
        if start < 0:
            return
        found = _read_at(text, start, decoder)
        if found is None:
            failed_starts += 1
            position = start + 1
            continue
        yield found
        if found.how == "repaired":
            return  # a truncated value runs to the end of the text
        position = found.end


def _next_opener(text: str, position: int) -> int:
    candidates = [index for index in (text.find("[", position), text.find("{", position)) if index >= 0]
    return min(candidates) if candidates else -1


def _read_at(text: str, start: int, decoder: json.JSONDecoder) -> JsonFind | None:
    try:
        value, end = decoder.raw_decode(text, start)
        return JsonFind(value, start, end, "strict", "")
    except (ValueError, RecursionError):
        pass
    end, complete_ends = _scan_span(text, start)
    if end is not None:
        value = lenient_loads(text[start:end])
        return None if value is None else JsonFind(value, start, end, "lenient", "")
    return _repair_truncated(text, start, complete_ends)


def lenient_loads(fragment: str) -> Any | None:
    """Read JSON-like text with single quotes, trailing commas or Python literals; None if unreadable."""
    fragment = fragment.replace("\u201c", '"').replace("\u201d", '"')
    try:
        return json.loads(fragment)
    except (ValueError, RecursionError):
        pass
    try:
        value = ast.literal_eval(_pythonize_words(fragment))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (list, dict, tuple)) else None


def _pythonize_words(fragment: str) -> str:
    """Turn JSON's true/false/null (outside strings) into Python's literals."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(fragment):
        char = fragment[index]
        if quote:
            out.append(char)
            if char == "\\" and index + 1 < len(fragment):
                out.append(fragment[index + 1])
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
            out.append(char)
        elif char.isalpha():
            word_end = index
            while word_end < len(fragment) and (fragment[word_end].isalnum() or fragment[word_end] == "_"):
                word_end += 1
            word = fragment[index:word_end]
            out.append(_LITERAL_WORDS.get(word, word))
            index = word_end
            continue
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _scan_span(text: str, start: int) -> tuple[int | None, list[tuple[int, str]]]:
    """Match brackets from text[start]; return (end or None if unclosed, complete-element cut points).

    A cut point is (index just after an object, or an element of the outermost container, closed;
    the closers that would then complete the value).
    """
    stack: list[str] = []
    quote = ""
    complete_ends: list[tuple[int, str]] = []
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
            elif char == "\n" and quote == "'":
                quote = ""  # an apostrophe in prose, not a string
        elif char in "\"'":
            quote = char
        elif char in _OPENERS:
            stack.append(_OPENERS[char])
        elif char in "]}":
            if not stack or stack[-1] != char:
                return None, []
            stack.pop()
            if not stack:
                return index + 1, complete_ends
            if char == "}" or len(stack) == 1:
                complete_ends.append((index + 1, "".join(reversed(stack))))
        index += 1
    return None, complete_ends


def _repair_truncated(text: str, start: int, complete_ends: list[tuple[int, str]]) -> JsonFind | None:
    """Keep the complete elements of an outermost container that the text cut off mid-way."""
    for cut, closer in reversed(complete_ends):
        value = lenient_loads(text[start:cut] + closer)
        if value is not None:
            return JsonFind(value, start, len(text), "repaired", text[cut:].strip())
    return None


def as_number(value: Any) -> float | None:
    """A finite float from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
