"""Find JSON values anywhere in model text: strict, lenient (Python-literal style) and truncated.

Objects that repeat a key (Qwen packs several objects into one: {"object_name": "monitor", "bbox": [...],
"object_name": "laptop", "bbox": [...]}) decode as RepeatedKeys, which keep every (key, value) pair.
"""

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


class RepeatedKeys(dict):  # a dict on purpose: code that ignores repeats sees json's last-wins object
    """A JSON object with a repeated key: the dict holds the last value (as json does), `pairs` every pair in order."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        super().__init__(pairs)
        self.pairs: tuple[tuple[Any, Any], ...] = tuple(pairs)


def object_from_pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """A dict, or a RepeatedKeys when a key comes twice (json's object_pairs_hook)."""
    keys = [key for key, _value in pairs]
    return RepeatedKeys(pairs) if len(set(keys)) < len(keys) else dict(pairs)


def split_repeated(obj: dict[Any, Any]) -> list[dict[Any, Any]]:
    """The objects packed into one with repeated keys, in order: a new one starts where a key repeats."""
    if not isinstance(obj, RepeatedKeys):
        return [obj]
    groups: list[dict[Any, Any]] = [{}]
    for key, value in obj.pairs:
        if key in groups[-1]:
            groups.append({})
        groups[-1][key] = value
    return groups


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
    decoder = json.JSONDecoder(object_pairs_hook=object_from_pairs)
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
        return json.loads(fragment, object_pairs_hook=object_from_pairs)
    except (ValueError, RecursionError):
        pass
    try:
        value = _literal(ast.parse(_pythonize_words(fragment).strip(), mode="eval"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (list, dict, tuple)) else None


def _literal(node: ast.AST) -> Any:
    """ast.literal_eval for containers, strings, numbers, booleans and None, keeping repeated dict keys."""
    if isinstance(node, ast.Expression):
        return _literal(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, ast.List):
        return [_literal(element) for element in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(element) for element in node.elts)
    if isinstance(node, ast.Dict) and all(key is not None for key in node.keys):
        return object_from_pairs([(_literal(key), _literal(value)) for key, value in zip(node.keys, node.values)])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _literal(node.operand)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return operand if isinstance(node.op, ast.UAdd) else -operand
    raise ValueError(f"not a literal: {type(node).__name__}")


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
