"""Layered parsing of Qwen-VL grounding answers; never raises on model output.

Besides boxes and points, agent answers (<tool_call>{"name": "computer_use"|"mobile_use", "arguments":
{"action": ...}}</tool_call>, or the bare arguments object) become items of kind "action", numbered in
answer order (attribute "step").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from backend.grounding.actions import action_item, is_action, number_actions, tool_call, with_agent_context
from backend.grounding.items import BOX_KEYS, POINT_KEYS, ParsedAnswer, RawItem, flat_numbers, text_of
from backend.grounding.jsonscan import iter_json_values, split_repeated
from backend.grounding.text_formats import box_token_items, html_items, plain_items, shorten, xml_point_items

TEXT_KEYS = ("text_content", "text")
DEFAULT_LABEL_LANGUAGES = ("en", "zh")  # which name a bilingual answer is labelled with, first found wins
NAME_KEYS = ("name", "object_name", "category", "class", "description")  # after "label" and per-language names
_NAME_DICT_KEYS = ("names", "labels", "label", "name")  # {"names": {"en": ..., "zh": ...}}
_ANY_LANGUAGE_KEY_RE = re.compile(r"(?:label|name)_([a-z]{2})|([a-z]{2})_(?:label|name)")
_CONSUMED_KEYS = frozenset((*BOX_KEYS, *POINT_KEYS, "label", *TEXT_KEYS))
_COORDINATE_HINT_RE = re.compile(r"bbox_2d|point_2d|data-bbox|<points?\b|<\|box_start\|>|<tool_call>", re.IGNORECASE)


def parse_answer(text: object, *, label_languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES) -> ParsedAnswer:
    """Find boxes, points and agent actions in any format Qwen-VL writes; unreadable parts become notes.

    `label_languages` orders the names of a multilingual answer ({"name_en": ..., "name_zh": ...}): the first
    language present labels the item; every name stays in its attributes.
    """
    if not isinstance(text, str) or not text.strip():
        return ParsedAnswer((), (), ())
    items: list[RawItem] = []
    notes: list[str] = []
    languages = tuple(str(language).lower() for language in label_languages)
    layers: tuple[tuple[str, Callable[[str, list[str]], list[RawItem]]], ...] = (
        ("JSON", lambda answer, found_notes: _json_items(answer, found_notes, languages)),
        ("XML points", xml_point_items),
        ("QwenVL HTML", html_items),
        ("box tokens", box_token_items),
    )
    for name, layer in layers:
        items.extend(_guarded(name, layer, text, notes))
    if not items:
        items.extend(_guarded("plain lines", plain_items, text, notes))
    if not items and _COORDINATE_HINT_RE.search(text):
        notes.append("The answer mentions coordinates, but none could be read (malformed or cut off).")
    items = number_actions(items)
    formats = tuple(dict.fromkeys(item.source for item in items))
    return ParsedAnswer(tuple(items), tuple(dict.fromkeys(notes)), formats)


def _guarded(
    name: str, layer: Callable[[str, list[str]], list[RawItem]], text: str, notes: list[str]
) -> list[RawItem]:
    # Last-resort net: one odd answer must cost a note, never the chat turn.
    try:
        return layer(text, notes)
    except Exception as error:  # noqa: BLE001
        notes.append(f"Skipped the {name} part of the answer: {type(error).__name__}: {error}")
        return []


def _json_items(text: str, notes: list[str], languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES) -> list[RawItem]:
    items: list[RawItem] = []
    founds = list(iter_json_values(text))
    for position, found in enumerate(founds):
        found_items = items_from_value(found.value, label_languages=languages)
        if any(item.kind == "action" for item in found_items):
            found_items = with_agent_context(found_items, text, founds, position)
        if _mentions_key(found.value, "bbox_3d"):
            notes.append("The answer holds 3D boxes (bbox_3d); they need camera parameters and are not drawn.")
        if found.how == "lenient" and found_items:
            notes.append("Read JSON written loosely (single quotes or trailing commas).")
        if found.how == "repaired" and (found_items or _COORDINATE_HINT_RE.search(found.dropped_tail)):
            tail = f", dropped the unfinished tail {shorten(found.dropped_tail)!r}" if found.dropped_tail else ""
            notes.append(
                f"The answer was cut off (max tokens?) before its JSON closed: "
                f"kept {len(found_items)} complete item(s){tail}."
            )
        items.extend(found_items)
    return items


def items_from_value(value: Any, *, label_languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES) -> list[RawItem]:
    """Grounding items inside a decoded JSON value (lists, objects, objects of lists, tool calls)."""
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in items_from_value(element, label_languages=label_languages)]
    if not isinstance(value, dict):
        return []
    groups = split_repeated(value)
    if len(groups) > 1:  # several objects packed into one with repeated keys
        return [item for group in groups for item in items_from_value(group, label_languages=label_languages)]
    call = tool_call(value)
    if call is not None:
        tool, arguments = call
        if is_action(arguments, in_tool_call=True):
            return [action_item(arguments, tool)]
        return items_from_value(arguments, label_languages=label_languages)
    item = _item_from_object(value, label_languages)
    if item is not None:
        return [item]
    if is_action(value, in_tool_call=False):
        return [action_item(value, "")]
    nested = [item for element in value.values() for item in items_from_value(element, label_languages=label_languages)]
    return nested or _label_keyed_boxes(value)


def _item_from_object(obj: dict[str, Any], languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES) -> RawItem | None:
    for kind, keys, size in (("box", BOX_KEYS, 4), ("point", POINT_KEYS, 2)):
        for key in keys:
            coords = flat_numbers(obj.get(key))
            if coords is not None and len(coords) == size:
                text_key = next((key for key in TEXT_KEYS if isinstance(obj.get(key), str)), None)
                consumed = _CONSUMED_KEYS - {key for key in TEXT_KEYS if key != text_key}
                attributes = {name: val for name, val in obj.items() if name not in consumed}
                text = text_of(obj.get(text_key)) if text_key else ""
                return RawItem(kind, coords, label_of(obj, languages), text, attributes, "json")
    return None


def label_of(obj: Mapping[str, Any], languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES) -> str:
    """The name an object gives itself: "label", then a name in the first language of `languages` present
    (label_en, name_en, {"names": {"en": ...}}), then any other language, then name / object_name / category /
    class / description."""
    if "label" in obj and not isinstance(obj["label"], Mapping):
        label = text_of(obj["label"])
        if label:
            return label
    by_language = _names_by_language(obj)
    for language in (*languages, *by_language):
        if by_language.get(language):
            return by_language[language]
    for key in NAME_KEYS:
        value = obj.get(key)
        if value is not None and not isinstance(value, (Mapping, list, tuple)):
            name = text_of(value)
            if name:
                return name
    return ""


def _names_by_language(obj: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key in _NAME_DICT_KEYS:
        inner = obj.get(key)
        if isinstance(inner, Mapping):
            for language, value in inner.items():
                if isinstance(value, (str, int, float)) and text_of(value):
                    names.setdefault(str(language).lower(), text_of(value))
    for key, value in obj.items():
        match = _ANY_LANGUAGE_KEY_RE.fullmatch(str(key).lower())
        if match is not None and isinstance(value, (str, int, float)) and text_of(value):
            names.setdefault(match.group(1) or match.group(2), text_of(value))
    return names


def _mentions_key(value: Any, key: str, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if isinstance(value, dict):
        return key in value or any(_mentions_key(inner, key, depth + 1) for inner in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions_key(inner, key, depth + 1) for inner in value)
    return False


def _label_keyed_boxes(obj: dict[str, Any]) -> list[RawItem]:
    """{"car": [x1, y1, x2, y2], ...} shapes; a string value counts only if it is nothing but numbers."""
    items = []
    for key, val in obj.items():
        coords = flat_numbers(val)
        if coords is not None and len(coords) == 4:
            items.append(RawItem("box", coords, str(key), "", {}, "json"))
    return items
