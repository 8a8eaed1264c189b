"""A finished turn's answer grounded on its images, in the frame each image was sent in: the one step the chat,
/ask and batch share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image

from backend.chat.conversation import Turn
from backend.grounding import GroundingResult, ground_turn
from backend.grounding.export import item_json
from backend.media.images import PreparedImage
from backend.media.uploads import upright_picture


class UprightPictures(Sequence[Image.Image]):
    """The turn's pictures, each decoded only when asked for (an answer is drawn on one image of several)."""

    def __init__(self, images: Sequence[PreparedImage]) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):  # type: ignore[override]
        return upright_picture(self.images[index])


def ground_turn_answer(turn: Turn, family: str) -> GroundingResult | None:
    """The answer's boxes and points on the turn's image they belong to (the last one unless it says), drawn on
    the upright original; None when the turn has no images or no answer."""
    if not turn.images or not turn.answer:
        return None
    sizes = [(image.original_size, image.input_size) for image in turn.images]
    return ground_turn(turn.answer, sizes, family, images=UprightPictures(turn.images))


def items_json(grounding: GroundingResult | None) -> list[dict[str, Any]]:
    """Each item in original-image pixels, with the (0-based) image of the turn it was placed on."""
    if grounding is None:
        return []
    index = grounding.image_index or 0
    return [{**item_json(item), "image_index": index} for item in grounding.items]
