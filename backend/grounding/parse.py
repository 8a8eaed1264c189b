"""Layered parsing of Qwen-VL grounding answers; never raises on model output."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from backend.grounding.jsonscan import as_number, iter_json_values

BOX_KEYS = ("bbox_2d", "bbox", "box")
POINT_KEYS = ("point_2d", "point")
_CONSUMED_KEYS = frozenset((*BOX_KEYS, *POINT_KEYS, "label", "text_content"))
_NUMBER = r"-?\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_XML_POINTS_RE = re.compile(r"<points?\b([^<>]*)>([^<]*)(?:</points?>)?", re.IGNORECASE)
_XML_ATTR_RE = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_BOX_TOKENS_RE = re.compile(
    r"<\|object_ref_start\|>(?P<ref>.*?)<\|object_ref_end\|>|<\|box_start\|>(?P<box>.*?)<\|box_end\|>", re.DOTALL
)
_PLAIN_BOX_RE = re.compile(
    rf"(?<![\d.,])[\[(]?\s*\(?\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)?\s*,\s*\(?\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)?\s*[\])]?(?![\d.,]*\d)"
)
_COORDINATE_HINT_RE = re.compile(r"bbox_2d|point_2d|data-bbox|<points?\b|<\|box_start\|>", re.IGNORECASE)
_LABEL_STRIP = " \t-*•:;,.=>|#\"'`[](){}"
_INLINE_TAGS = frozenset(("b", "i", "em", "strong", "span", "sub", "sup", "u", "a", "code", "small", "mark", "font"))
_VOID_TAGS = frozenset(("img", "br", "hr", "input", "meta", "link", "area", "source", "col", "wbr"))


@dataclass(frozen=True)
class RawItem:
    """One grounding item as the model wrote it, in the model's own coordinate frame."""

    kind: str  # "box" | "point"
    coords: tuple[float, ...]  # (x1, y1, x2, y2) for a box, (x, y) for a point
    label: str = ""
    text: str = ""  # text_content of text spotting, or a document element's text
    attributes: Mapping[str, Any] = field(default_factory=dict)
    source: str = "json"  # "json" | "xml-points" | "qwenvl-html" | "box-tokens" | "plain"

    @property
    def display_label(self) -> str:
        """The label to show: the label, else the spotted text, else the kind."""
        return self.label or self.text or self.kind


@dataclass(frozen=True)
class ParsedAnswer:
    """Every grounding item found in one answer, with notes on what had to be repaired or skipped."""

    items: tuple[RawItem, ...]
    notes: tuple[str, ...]
    formats: tuple[str, ...]


def parse_answer(text: object) -> ParsedAnswer:
    """Find boxes and points in any format Qwen-VL writes; unreadable parts become notes."""
    if not isinstance(text, str) or not text.strip():
        return ParsedAnswer((), (), ())
    items: list[RawItem] = []
    notes: list[str] = []
    layers: tuple[tuple[str, Callable[[str, list[str]], list[RawItem]]], ...] = (
        ("JSON", _json_items),
        ("XML points", _xml_point_items),
        ("QwenVL HTML", _html_items),
        ("box tokens", _box_token_items),
    )
    for name, layer in layers:
        items.extend(_guarded(name, layer, text, notes))
    if not items:
        items.extend(_guarded("plain lines", _plain_items, text, notes))
    if not items and _COORDINATE_HINT_RE.search(text):
        notes.append("The answer mentions coordinates, but none could be read (malformed or cut off).")
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


def _json_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    for found in iter_json_values(text):
        found_items = items_from_value(found.value)
        if found.how == "lenient" and found_items:
            notes.append("Read JSON written loosely (single quotes or trailing commas).")
        if found.how == "repaired" and (found_items or _COORDINATE_HINT_RE.search(found.dropped_tail)):
            tail = f", dropped the unfinished tail {_shorten(found.dropped_tail)!r}" if found.dropped_tail else ""
            notes.append(
                f"The answer was cut off (max tokens?) before its JSON closed: "
                f"kept {len(found_items)} complete item(s){tail}."
            )
        items.extend(found_items)
    return items


def items_from_value(value: Any) -> list[RawItem]:
    """Grounding items inside a decoded JSON value (lists, objects, objects of lists)."""
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in items_from_value(element)]
    if not isinstance(value, dict):
        return []
    item = _item_from_object(value)
    if item is not None:
        return [item]
    nested = [item for element in value.values() for item in items_from_value(element)]
    return nested or _label_keyed_boxes(value)


def _item_from_object(obj: dict[str, Any]) -> RawItem | None:
    label = _text_of(obj.get("label"))
    text = _text_of(obj.get("text_content"))
    attributes = {key: val for key, val in obj.items() if key not in _CONSUMED_KEYS}
    for key in BOX_KEYS:
        coords = _flat_numbers(obj.get(key))
        if coords is not None and len(coords) == 4:
            return RawItem("box", coords, label, text, attributes, "json")
    for key in POINT_KEYS:
        coords = _flat_numbers(obj.get(key))
        if coords is not None and len(coords) == 2:
            return RawItem("point", coords, label, text, attributes, "json")
    return None


def _label_keyed_boxes(obj: dict[str, Any]) -> list[RawItem]:
    """{"car": [x1, y1, x2, y2], ...} shapes."""
    items = []
    for key, val in obj.items():
        coords = _flat_numbers(val)
        if coords is not None and len(coords) == 4:
            items.append(RawItem("box", coords, str(key), "", {}, "json"))
    return items


def _flat_numbers(value: Any) -> tuple[float, ...] | None:
    """[x1, y1, x2, y2], [[x1, y1], [x2, y2]] or numeric strings, as floats; None if anything else."""
    if isinstance(value, str):
        numbers = _NUMBER_RE.findall(value)
        return tuple(float(number) for number in numbers) if numbers else None
    if not isinstance(value, (list, tuple)):
        return None
    flat: list[float] = []
    for element in value:
        if isinstance(element, (list, tuple)):
            inner = _flat_numbers(element)
            if inner is None:
                return None
            flat.extend(inner)
        else:
            number = as_number(element)
            if number is None:
                return None
            flat.append(number)
    return tuple(flat)


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def _xml_point_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    for match in _XML_POINTS_RE.finditer(text):
        attrs = {name.lower(): first or second for name, first, second in _XML_ATTR_RE.findall(match.group(1))}
        phrase = match.group(2).strip()
        alt = attrs.get("alt", "").strip()
        label = phrase or alt
        extra = {"alt": alt} if alt and alt != label else {}
        for x_key, y_key in _xml_coordinate_keys(attrs):
            x, y = as_number(attrs[x_key]), as_number(attrs[y_key])
            if x is None or y is None:
                notes.append(f"Skipped an XML point with unreadable coordinates ({x_key}={attrs[x_key]!r}).")
                continue
            items.append(RawItem("point", (x, y), label, "", dict(extra), "xml-points"))
    return items


def _xml_coordinate_keys(attrs: Mapping[str, str]) -> list[tuple[str, str]]:
    keys = [("x", "y")] if "x" in attrs and "y" in attrs else []
    suffixes = sorted({int(key[1:]) for key in attrs if re.fullmatch(r"x\d+", key)})
    keys.extend((f"x{n}", f"y{n}") for n in suffixes if f"y{n}" in attrs)
    return keys


class _BBoxHTMLParser(HTMLParser):
    """Collects elements carrying data-bbox, with the text inside them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_elements: list[tuple[str, str, tuple[float, ...], list[str], int]] = []
        self.done: list[tuple[int, str, str, tuple[float, ...], str]] = []
        self.opened = 0
        self.bad_boxes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._separate(tag)
        values = {name: value or "" for name, value in attrs}
        if "data-bbox" not in values:
            return
        numbers = tuple(float(number) for number in _NUMBER_RE.findall(values["data-bbox"]))
        if len(numbers) != 4:
            self.bad_boxes.append(values["data-bbox"])
            return
        label = values.get("class", "").strip() or tag  # Qwen marks figures as <div class="image">
        self.open_elements.append((tag, label, numbers, [], self.opened))
        self.opened += 1
        if tag in _VOID_TAGS:
            self._close_top()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        depth = len(self.open_elements)
        self.handle_starttag(tag, attrs)
        if len(self.open_elements) > depth:
            self._close_top()

    def handle_endtag(self, tag: str) -> None:
        self._separate(tag)
        if any(open_tag == tag for open_tag, *_ in self.open_elements):
            while self.open_elements:
                closed_tag = self.open_elements[-1][0]
                self._close_top()
                if closed_tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        for *_, parts, _order in self.open_elements:
            parts.append(data)

    def _separate(self, tag: str) -> None:
        """Block boundaries (cells, paragraphs, line breaks) separate words."""
        if tag not in _INLINE_TAGS:
            self.handle_data(" ")

    def _close_top(self) -> None:
        tag, label, numbers, parts, order = self.open_elements.pop()
        self.done.append((order, tag, label, numbers, " ".join("".join(parts).split())))

    def finish(self) -> None:
        self.close()
        while self.open_elements:
            self._close_top()


def _html_items(text: str, notes: list[str]) -> list[RawItem]:
    if "data-bbox" not in text:
        return []
    parser = _BBoxHTMLParser()
    parser.feed(text)
    parser.finish()
    for bad in parser.bad_boxes:
        notes.append(f"Skipped a document element whose data-bbox is not 4 numbers: {bad!r}.")
    return [
        RawItem("box", numbers, label, element_text, {"tag": tag}, "qwenvl-html")
        for _order, tag, label, numbers, element_text in sorted(parser.done)
    ]


def _box_token_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    label = ""
    for match in _BOX_TOKENS_RE.finditer(text):
        if match.group("ref") is not None:
            label = match.group("ref").strip()
            continue
        numbers = tuple(float(number) for number in _NUMBER_RE.findall(match.group("box")))
        if len(numbers) == 4:
            items.append(RawItem("box", numbers, label, "", {}, "box-tokens"))
        elif len(numbers) == 2:
            items.append(RawItem("point", numbers, label, "", {}, "box-tokens"))
        else:
            notes.append(f"Skipped a box token with {len(numbers)} numbers: {_shorten(match.group('box'))!r}.")
    return items


def _plain_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    for line in text.splitlines():
        matches = list(_PLAIN_BOX_RE.finditer(line))
        for position, match in enumerate(matches):
            if any(re.match(r"0\d", group) for group in match.groups()):
                continue  # "1,000,000,000" is a number with thousands separators, not a box
            before_start = matches[position - 1].end() if position else 0
            after_end = matches[position + 1].start() if position + 1 < len(matches) else len(line)
            label = _clean_label(line[before_start:match.start()]) or _clean_label(line[match.end():after_end])
            coords = tuple(float(group) for group in match.groups())
            items.append(RawItem("box", coords, label, "", {}, "plain"))
    return items


def _clean_label(fragment: str) -> str:
    fragment = re.sub(r"^\s*(?:\d+[.)]\s+)", "", fragment)  # list numbering "1. "
    return fragment.strip(_LABEL_STRIP).strip()


def _shorten(fragment: str, limit: int = 40) -> str:
    fragment = " ".join(fragment.split())
    return fragment if len(fragment) <= limit else fragment[: limit - 1] + "…"
