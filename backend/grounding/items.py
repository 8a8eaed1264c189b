"""What a parsed answer holds: raw items in the model's own frame, and the number readers every format shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.grounding.jsonscan import as_number

BOX_KEYS = ("bbox_2d", "bbox", "box")
POINT_KEYS = ("point_2d", "point")
NUMBER = r"-?\d+(?:\.\d+)?"
NUMBER_RE = re.compile(NUMBER)
_NUMERIC_STRING_RE = re.compile(r"[\s\d.,;+\-\[\]()]*")


def display_label(label: str, text: str, kind: str) -> str:
    """What an item is called on screen: its label, else the text it spotted, else its kind."""
    return label or text or kind


@dataclass(frozen=True)
class RawItem:
    """One grounding item as the model wrote it, in the model's own coordinate frame."""

    kind: str  # "box" | "point" | "action"
    # (x1, y1, x2, y2) for a box, (x, y) for a point; for an action its points in order, flat: () when it has
    # none (type, key, wait, terminate...), (x, y) for its coordinate, (x, y, x2, y2) with its coordinate2.
    coords: tuple[float, ...]
    label: str = ""  # for an action: the action ("left_click", "swipe", "type"...)
    text: str = ""  # text_content of text spotting, a document element's text, or the text an action types
    attributes: Mapping[str, Any] = field(default_factory=dict)
    source: str = "json"  # "json" | "xml-points" | "qwenvl-html" | "box-tokens" | "plain" | "tool-call"

    @property
    def display_label(self) -> str:
        """The label to show: the label, else the spotted text, else the kind."""
        return display_label(self.label, self.text, self.kind)

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        """The coordinates as (x, y) pairs: a box's corners, a point, an action's coordinate then coordinate2."""
        return tuple((self.coords[i], self.coords[i + 1]) for i in range(0, len(self.coords) - 1, 2))


@dataclass(frozen=True)
class ParsedAnswer:
    """Every grounding item found in one answer, with notes on what had to be repaired or skipped."""

    items: tuple[RawItem, ...]
    notes: tuple[str, ...]
    formats: tuple[str, ...]


def flat_numbers(value: Any) -> tuple[float, ...] | None:
    """[x1, y1, x2, y2], [[x1, y1], [x2, y2]], ["243, 291"] or numeric strings, as floats; None if anything else.

    A string counts only when it holds nothing but numbers and separators: "12, Jalan Tampoi 7/4" is no box.
    """
    if isinstance(value, str):
        return string_numbers(value)
    if not isinstance(value, (list, tuple)):
        return None
    flat: list[float] = []
    for element in value:
        if isinstance(element, (list, tuple, str)):
            inner = flat_numbers(element)
            if inner is None:
                return None
            flat.extend(inner)
        else:
            number = as_number(element)
            if number is None:
                return None
            flat.append(number)
    return tuple(flat)


def string_numbers(value: str) -> tuple[float, ...] | None:
    if len(value) > 200 or not _NUMERIC_STRING_RE.fullmatch(value):
        return None
    numbers = tuple(float(number) for number in NUMBER_RE.findall(value))
    return numbers or None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)
