"""Structured exports of grounding results: JSON, AnnotatedImage sections and COCO."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.grounding.coords import GroundedItem, Size

_DECIMALS = 1
POINT_BOX_FRACTION = 0.01  # a point shows as a square this fraction of the short side in AnnotatedImage


def _rounded(values: Sequence[float]) -> list[float]:
    return [round(value, _DECIMALS) for value in values]


def item_json(item: GroundedItem) -> dict[str, Any]:
    """One item as JSON-able data, in original-image pixels."""
    data: dict[str, Any] = {"index": item.index, "kind": item.kind, "label": item.label}
    if item.text:
        data["text"] = item.text
    if item.box is not None:
        data["bbox"] = _rounded(item.box)
    if item.point is not None:
        data["point"] = _rounded(item.point)
    if item.kind == "action":
        data["action"], data["step"] = item.label, item.step
        if item.point2 is not None:
            data["point2"] = _rounded(item.point2)
    data["source"] = item.source
    data["model_coords"] = list(item.model_coords)
    if item.attributes:
        data["attributes"] = {key: _jsonable(value) for key, value in item.attributes.items()}
    return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(inner) for inner in value]
    return str(value)


def result_json(
    items: Sequence[GroundedItem],
    original_size: Size,
    input_size: Size,
    family: str,
    formats: Sequence[str] = (),
    notes: Sequence[str] = (),
    image_index: int | None = None,
) -> dict[str, Any]:
    """The whole result for download: sizes, coordinate system, items in original pixels, notes."""
    data: dict[str, Any] = {
        "image": {"width": original_size[0], "height": original_size[1]},
        "model_input": {"width": input_size[0], "height": input_size[1]},
        "family": family,
        "coordinates": "original image pixels, [x1, y1, x2, y2] / [x, y], origin top-left",
        "formats": list(formats),
        "items": [item_json(item) for item in items],
        "notes": list(notes),
    }
    if image_index is not None:
        data["image_index"] = image_index
    return data


def annotated_sections(
    items: Sequence[GroundedItem], original_size: Size
) -> list[tuple[tuple[int, int, int, int], str]]:
    """[((x1, y1, x2, y2), label), ...] as gr.AnnotatedImage takes them; points become small squares."""
    half = max(2, round(min(original_size) * POINT_BOX_FRACTION / 2))
    sections = []
    for item in items:
        if item.box is not None:
            x1, y1, x2, y2 = (round(value) for value in item.box)
        elif item.point is None:  # an action with no place on the screen (type, key, wait): listed, not drawn
            continue
        else:
            x, y = round(item.point[0]), round(item.point[1])
            x1, y1 = max(0, x - half), max(0, y - half)
            x2, y2 = min(original_size[0], x + half), min(original_size[1], y + half)
        sections.append(((x1, y1, x2, y2), item.display_label))
    return sections


def coco_json(
    items: Sequence[GroundedItem], original_size: Size, file_name: str = "image.png", image_id: int = 1
) -> dict[str, Any]:
    """A COCO-style detection file: one image, categories by label, boxes as [x, y, w, h]; points as keypoints."""
    items = [item for item in items if item.box is not None or item.point is not None]
    categories = {label: number for number, label in enumerate(dict.fromkeys(i.display_label for i in items), 1)}
    annotations = []
    for number, item in enumerate(items, start=1):
        annotation: dict[str, Any] = {
            "id": number,
            "image_id": image_id,
            "category_id": categories[item.display_label],
            "iscrowd": 0,
        }
        if item.box is not None:
            x1, y1, x2, y2 = item.box
            annotation["bbox"] = _rounded((x1, y1, x2 - x1, y2 - y1))
            annotation["area"] = round((x2 - x1) * (y2 - y1), _DECIMALS)
        elif item.point is not None:
            annotation["bbox"] = _rounded((item.point[0], item.point[1], 0.0, 0.0))
            annotation["area"] = 0.0
            annotation["keypoints"] = [*_rounded(item.point), 2]
            annotation["num_keypoints"] = 1
        if item.text:
            annotation["text"] = item.text
        annotations.append(annotation)
    return {
        "images": [{"id": image_id, "file_name": file_name, "width": original_size[0], "height": original_size[1]}],
        "annotations": annotations,
        "categories": [{"id": number, "name": label} for label, number in categories.items()],
    }
