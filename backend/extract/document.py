"""A finished extraction turn read as a document: the answer against its schema, every bbox_2d field drawn on the
document's (last) image in the frame it was sent in, and the data with those boxes in original-image pixels."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backend.chat.conversation import Turn
from backend.chat.grounded import ground_turn_answer, items_json
from backend.chat.metrics import metrics_json
from backend.csv_files import write_table
from backend.extract.answer import Extraction, read_answer
from backend.extract.schema import ExtractSchema
from backend.extract.table import array_rows, boxes_answer, field_lines, field_row, own_columns
from backend.families import Family
from backend.grounding import GroundingResult
from backend.grounding.coords import frame_to_original
from backend.media.images import PreparedImage


@dataclass(frozen=True)
class ExtractedDocument:
    """One extraction: what the engine answered and how it reads, boxes in original pixels, what it cost."""

    extraction: Extraction  # its data holds bbox_2d in original-image pixels; raw keeps the model's own numbers
    grounding: GroundingResult | None  # the bbox_2d fields placed on the image (None without boxes or images)
    turn: Turn

    @property
    def images(self) -> tuple[PreparedImage, ...]:
        return self.turn.images

    def fields(self) -> list[list[Any]]:
        """[field, value] rows to show (flat fields first, then each array element's)."""
        return field_lines(self.extraction.data)

    def notes(self) -> list[str]:
        return ([self.turn.notice] if self.turn.notice else []) + list(self.extraction.notes) + \
            list(self.grounding.notes if self.grounding else ())

    def write_files(self, json_path: Path, csv_path: Path) -> list[str]:
        """The extraction as JSON (data, status, errors) and as CSV: its fields, then one row per element of each
        array of objects (columns: array, index, the element's fields)."""
        json_path.write_text(json.dumps(self.extraction.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
        data = self.extraction.data
        fields = {"array": "", "index": "", **own_columns(field_row(data), ("array", "index"))}
        write_table([fields, *array_rows(data)], ("array", "index"), csv_path)
        return [str(json_path), str(csv_path)]

    def to_json(self, overlay: str | None) -> dict[str, Any]:
        """The /extract reply: data, valid, status, errors, raw, metrics, items, images, notes, overlay."""
        return {**self.extraction.to_json(), "metrics": metrics_json(self.turn.metrics),
                "items": items_json(self.grounding), "notes": self.notes(),
                "images": [{"original_size": list(image.original_size), "sent_size": list(image.input_size)}
                           for image in self.images],
                "overlay": overlay}


@dataclass(frozen=True)
class ExtractionUpdate:
    """The raw answer so far while it streams; the last update also holds the document read from it."""

    text: str
    document: ExtractedDocument | None = None


def read_document(turn: Turn, schema: ExtractSchema, family: Family) -> ExtractedDocument:
    """Read a finished extraction turn (an answer cut at max_tokens, or stopped, reads as incomplete)."""
    # only an answer the engine ended itself ("stop") may be complete: max_tokens ("length"), Stop, an abort are not
    cut_off = turn.metrics is None or turn.metrics.finish_reason != "stop"
    extraction = read_answer(turn.answer, schema, cut_off)
    boxes = boxes_answer(extraction.data)
    if not boxes or not turn.images:
        return ExtractedDocument(extraction, None, turn)
    grounding = ground_turn_answer(replace(turn, answer=boxes), family)
    data = in_original_pixels(extraction.data, family, turn.images[-1])
    return ExtractedDocument(replace(extraction, data=data), grounding, turn)


def in_original_pixels(data: Any, family: Family, image: PreparedImage) -> Any:
    """A copy of data whose bbox_2d values are in the image's original pixels (rounded, clamped to the image)
    instead of the frame the model answered in."""
    frame = family.frame(image.input_size)
    width, height = image.original_size
    mapped = copy.deepcopy(data)

    def corner(x: float, y: float) -> list[int]:
        left, top = frame_to_original(x, y, frame, image.original_size)
        return [round(min(max(left, 0), width)), round(min(max(top, 0), height))]

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            box = value.get("bbox_2d")
            if isinstance(box, list) and len(box) == 4 and all(isinstance(n, (int, float)) for n in box):
                value["bbox_2d"] = corner(box[0], box[1]) + corner(box[2], box[3])
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(mapped)
    return mapped
