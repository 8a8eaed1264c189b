"""Grounding: parse Qwen-VL answers, map them onto the original media, draw and export them.

The one call the UI and API need is `ground(...)` (or `ground_turn(...)` for several images).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from backend.families import Family, UnknownFamilyError
from backend.grounding.coords import (
    GroundedItem,
    Size,
    choose_target_image,
    family_from_model_name,
    map_items,
    normalize_family,
)
from backend.grounding.draw import draw_overlay
from backend.grounding.export import annotated_sections, coco_json, result_json
from backend.grounding.parse import DEFAULT_LABEL_LANGUAGES, ParsedAnswer, RawItem, parse_answer

__all__ = [
    "GroundedItem",
    "GroundingResult",
    "ParsedAnswer",
    "RawItem",
    "UnknownFamilyError",
    "family_from_model_name",
    "ground",
    "ground_turn",
    "parse_answer",
]


@dataclass(frozen=True)
class GroundingResult:
    """Everything found in one answer, in original-image pixels, with an overlay when an image was given."""

    items: tuple[GroundedItem, ...]
    notes: tuple[str, ...]
    formats: tuple[str, ...]
    original_size: Size
    input_size: Size
    family: str
    overlay: Image.Image | None = None
    image_index: int | None = None  # which image of the turn the items belong to (0-based), if several

    @property
    def found(self) -> bool:
        """True when at least one box, point or agent action survived mapping."""
        return bool(self.items)

    def to_json(self) -> dict[str, Any]:
        """JSON-able result for download and the API."""
        return result_json(
            self.items, self.original_size, self.input_size, self.family, self.formats, self.notes, self.image_index
        )

    def annotations(self) -> list[tuple[tuple[int, int, int, int], str]]:
        """Sections for gr.AnnotatedImage: [((x1, y1, x2, y2), label), ...]."""
        return annotated_sections(self.items, self.original_size)

    def coco(self, file_name: str = "image.png") -> dict[str, Any]:
        """COCO-style export of the items."""
        return coco_json(self.items, self.original_size, file_name)


def ground(
    answer_text: str,
    original_size: Size,
    input_size: Size,
    family: Family | str,
    image: Image.Image | None = None,
    label_languages: Sequence[str] = DEFAULT_LABEL_LANGUAGES,
) -> GroundingResult:
    """Parse an answer, map its boxes/points to original pixels and draw them on `image` if given.

    `original_size` and `input_size` are (width, height) of the image as uploaded (after EXIF rotation)
    and as the model saw it (smart_resize). `family` is a family or model name ("qwen2.5-vl", a served
    model name, a path). Never raises on model output; raises ValueError for bad sizes or family.
    """
    family = normalize_family(family)
    parsed = parse_answer(answer_text, label_languages=label_languages)
    mapped = map_items(parsed.items, original_size, input_size, family)
    notes = list(parsed.notes) + list(mapped.notes)
    if parsed.items and not mapped.items:
        notes.append("No box or point could be placed on the image.")
    overlay = None
    if image is not None:
        if image.size != tuple(original_size):
            notes.append(
                f"The image given for drawing is {image.size[0]}x{image.size[1]}, not the original "
                f"{original_size[0]}x{original_size[1]}; the overlay was drawn on a resized copy."
            )
            image = image.resize(tuple(original_size))
        overlay = draw_overlay(image, mapped.items)
    return GroundingResult(
        mapped.items, tuple(dict.fromkeys(notes)), parsed.formats, tuple(original_size), tuple(input_size),
        family, overlay,
    )


def ground_turn(
    answer_text: str,
    sizes: Sequence[tuple[Size, Size]],
    family: Family | str,
    target: int | None = None,
    images: Sequence[Image.Image] | None = None,
) -> GroundingResult:
    """Ground an answer in a turn with several images: `sizes` holds (original_size, input_size) per image.

    The answer is attributed to image `target` (0-based) or, by default, the last one; a note says which.
    """
    index, which = choose_target_image(len(sizes), target)
    original_size, input_size = sizes[index]
    image = images[index] if images is not None and index < len(images) else None
    result = ground(answer_text, original_size, input_size, family, image)
    notes = ((which,) if which else ()) + result.notes
    return GroundingResult(
        result.items, notes, result.formats, result.original_size, result.input_size, result.family,
        result.overlay, index if len(sizes) > 1 else None,
    )
