"""An extraction's data as tables and boxes: one row of fields (nested objects flattened to dotted names, lists of
plain values joined), one row per element of each array of objects (a second table), and every bbox_2d field as a
grounding item to draw on the document."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

LIST_JOIN = "; "
LABEL_KEYS = ("label", "name", "key", "description", "text", "value", "title")


def field_row(data: Any) -> dict[str, Any]:
    """The fields of an object as one row: {"vendor": …, "seller.name": …, "tags": "a; b"}; arrays of objects
    are left to array_rows (their count stands in the row)."""
    row: dict[str, Any] = {}
    if isinstance(data, dict):
        _flatten(data, "", row)
    return row


def array_rows(data: Any) -> list[dict[str, Any]]:
    """One row per element of each array of objects, however deep: {"array": "items", "index": 0, "name": …}
    (an array of arrays — a table's rows — gives one row per inner array, its cells as column_1…)."""
    rows: list[dict[str, Any]] = []
    _collect_arrays(data, "", rows)
    return rows


def own_columns(fields: dict[str, Any], taken: Iterable[str]) -> dict[str, Any]:
    """fields with any name that a table's own columns already use (file, status, index, ...) prefixed "data.",
    and values that are objects or lists written as JSON."""
    reserved = set(taken)
    return {(f"data.{name}" if name in reserved else name):
            json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
            for name, value in fields.items()}


def field_lines(data: Any) -> list[list[Any]]:
    """[field, value] pairs for showing an extraction: the flat fields, then each array element's fields."""
    lines = [[name, value] for name, value in field_row(data).items()]
    for row in array_rows(data):
        prefix = f"{row['array']}[{row['index']}]"
        lines += [[f"{prefix}.{name}", value] for name, value in row.items() if name not in ("array", "index")]
    return lines


def boxes_answer(data: Any) -> str:
    """Every object with a bbox_2d as a grounding answer (JSON list of {"bbox_2d", "label"}), labelled by its
    label / name / key / … field, else by where it sits ("items[2]"); "" when there is none."""
    found: list[dict[str, Any]] = []
    _collect_boxes(data, "", found)
    return json.dumps(found, ensure_ascii=False) if found else ""


def _flatten(value: dict[str, Any], prefix: str, row: dict[str, Any]) -> None:
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            _flatten(item, name + ".", row)
        elif isinstance(item, list) and any(isinstance(element, (dict, list)) for element in item):
            row[name] = f"{len(item)} rows" if len(item) != 1 else "1 row"
        elif isinstance(item, list):
            row[name] = LIST_JOIN.join("" if element is None else str(element) for element in item)
        else:
            row[name] = item


def _collect_arrays(value: Any, path: str, rows: list[dict[str, Any]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect_arrays(item, f"{path}.{key}" if path else key, rows)
    elif isinstance(value, list) and any(isinstance(element, (dict, list)) for element in value):
        for index, element in enumerate(value):
            row: dict[str, Any] = {"array": path or "(top)", "index": index}
            if isinstance(element, dict):
                fields = field_row(element)
            elif isinstance(element, list):
                fields = {f"column_{number}": cell for number, cell in enumerate(element, start=1)}
            else:
                fields = {"value": element}
            row.update(own_columns(fields, row))
            rows.append(row)
            if isinstance(element, dict):  # arrays inside an element get rows of their own
                _collect_arrays(element, f"{path}[{index}]", rows)


def _collect_boxes(value: Any, path: str, found: list[dict[str, Any]]) -> None:
    if isinstance(value, dict):
        box = value.get("bbox_2d")
        if isinstance(box, list) and len(box) == 4 and all(isinstance(number, (int, float)) for number in box):
            label = next((str(value[key]) for key in LABEL_KEYS if isinstance(value.get(key), (str, int, float))
                          and str(value[key]).strip()), path or "field")
            found.append({"bbox_2d": box, "label": label[:80]})
        for key, item in value.items():
            if key != "bbox_2d":
                _collect_boxes(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect_boxes(item, f"{path}[{index}]", found)
