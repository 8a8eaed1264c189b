"""Grounding written outside JSON: <points> XML, QwenVL HTML (data-bbox), <|box_start|> tokens, plain number lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

from backend.grounding.items import NUMBER, NUMBER_RE, RawItem, flat_numbers
from backend.grounding.jsonscan import as_number, iter_json_values

_CSS_CALL_RE = re.compile(
    r"(?:rgba?|hsla?|translate(?:3d|x|y)?|matrix(?:3d)?|scale|rotate|skew|cubic-bezier|rect|inset)\(\s*$",
    re.IGNORECASE)
_XML_POINTS_RE = re.compile(r"<points?\b([^<>]*)>([^<]*)(?:</points?>)?", re.IGNORECASE)
_XML_ATTR_RE = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_BOX_TOKENS_RE = re.compile(
    r"<\|object_ref_start\|>(?P<ref>.*?)<\|object_ref_end\|>|<\|box_start\|>(?P<box>.*?)<\|box_end\|>", re.DOTALL
)
# No two \s* meet around an optional bracket: that backtracks cubically on long runs of spaces.
_PLAIN_BOX_RE = re.compile(
    rf"(?<![\d.,])(?:[\[(]\s*)?(?:\(\s*)?({NUMBER})\s*,\s*({NUMBER})\s*(?:\)\s*)?,\s*(?:\(\s*)?({NUMBER})\s*,\s*"
    rf"({NUMBER})(?:\s*\))?(?:\s*[\])])?(?![\d.,]*\d)"
)
_LABEL_STRIP = " \t-*•:;,.=>|#\"'`[](){}"
_INLINE_TAGS = frozenset(("b", "i", "em", "strong", "span", "sub", "sup", "u", "a", "code", "small", "mark", "font"))
_VOID_TAGS = frozenset(("img", "br", "hr", "input", "meta", "link", "area", "source", "col", "wbr"))


def xml_point_items(text: str, notes: list[str]) -> list[RawItem]:
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
        numbers = tuple(float(number) for number in NUMBER_RE.findall(values["data-bbox"]))
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


def html_items(text: str, notes: list[str]) -> list[RawItem]:
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


def box_token_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    label = ""
    for match in _BOX_TOKENS_RE.finditer(text):
        if match.group("ref") is not None:
            label = match.group("ref").strip()
            continue
        numbers = tuple(float(number) for number in NUMBER_RE.findall(match.group("box")))
        if len(numbers) == 4:
            items.append(RawItem("box", numbers, label, "", {}, "box-tokens"))
        elif len(numbers) == 2:
            items.append(RawItem("point", numbers, label, "", {}, "box-tokens"))
        else:
            notes.append(f"Skipped a box token with {len(numbers)} numbers: {shorten(match.group('box'))!r}.")
    return items


def plain_items(text: str, notes: list[str]) -> list[RawItem]:
    items: list[RawItem] = []
    for line in _without_json_data(text).splitlines():
        matches = list(_PLAIN_BOX_RE.finditer(line))
        for position, match in enumerate(matches):
            if any(re.match(r"0\d", group) for group in match.groups()):
                continue  # "1,000,000,000" is a number with thousands separators, not a box
            if re.search(r"\d\s*,\s*$", line[:match.start()]) or re.match(r"\s*,\s*-?\d", line[match.end():]):
                continue  # four numbers out of a longer run ("5520, 2100, 1250, 1150, 1090, ..."): data, not a box
            if _CSS_CALL_RE.search(line[:match.start()]) or _CSS_CALL_RE.search(line[:match.start() + 1]):
                continue  # rgba(0,0,0,0.05) in code
            before_start = matches[position - 1].end() if position else 0
            after_end = matches[position + 1].start() if position + 1 < len(matches) else len(line)
            label = _clean_label(line[before_start:match.start()]) or _clean_label(line[match.end():after_end])
            coords = tuple(float(group) for group in match.groups())
            items.append(RawItem("box", coords, label, "", {}, "plain"))
    return items


def _without_json_data(text: str) -> str:
    """The text with JSON values blanked out, except bare coordinate lists ([x1, y1, x2, y2], [[x, y], [x, y]]):
    a key-value answer's address or a code answer's data list holds digits, not boxes."""
    pieces: list[str] = []
    position = 0
    for found in iter_json_values(text):
        coords = flat_numbers(found.value) if isinstance(found.value, (list, tuple)) else None
        if coords is not None and len(coords) == 4:
            continue
        pieces.append(text[position:found.start])
        pieces.append(re.sub(r"[^\n]+", " ", text[found.start:found.end]))
        position = found.end
    pieces.append(text[position:])
    return "".join(pieces)


def _clean_label(fragment: str) -> str:
    fragment = re.sub(r"^\s*(?:\d+[.)]\s+)", "", fragment)  # list numbering "1. "
    return fragment.strip(_LABEL_STRIP).strip()


def shorten(fragment: str, limit: int = 40) -> str:
    fragment = " ".join(fragment.split())
    return fragment if len(fragment) <= limit else fragment[: limit - 1] + "…"
