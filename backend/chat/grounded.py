"""A finished turn's answer grounded on the media it is about, in the frame each image was sent in: the one step
the chat, /ask and batch share. A turn that attaches nothing is about the newest media of the conversation (the
model sees them again with the follow-up), so its answer is drawn there, with a note that says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from backend.chat.conversation import Turn
from backend.families import Family
from backend.grounding import GroundedItem, GroundingResult, ground_turn
from backend.grounding.export import item_json
from backend.media.images import PreparedImage
from backend.media.uploads import upright_picture
from backend.media.video import PreparedVideo


@dataclass(frozen=True)
class Subject:
    """The media an answer is about: the turn's own, or (a follow-up) those of an earlier turn."""

    images: tuple[PreparedImage, ...] = ()
    videos: tuple[PreparedVideo, ...] = ()
    from_message: int | None = None  # 1-based number of the earlier message they came with (None: this turn's)

    @property
    def note(self) -> str:
        """What a follow-up's drawing says about where it is drawn (empty for the turn's own media)."""
        if self.from_message is None:
            return ""
        what = "image" if self.images else "video"
        return (f"This message attached nothing, so this is drawn on the {what} of message {self.from_message}, "
                f"the newest {what} of the conversation.")


def subject_of(turn: Turn, turns: Sequence[Turn] = ()) -> Subject:
    """The media `turn`'s answer is about: its own, else those of the newest earlier turn in `turns` (the
    conversation, `turn` included or not) that attached any."""
    if turn.images or turn.videos:
        return Subject(tuple(turn.images), tuple(turn.videos))
    position = next((index for index, kept in enumerate(turns) if kept is turn), len(turns))
    for number in range(position - 1, -1, -1):
        earlier = turns[number]
        if earlier.images or earlier.videos:
            return Subject(tuple(earlier.images), tuple(earlier.videos), number + 1)
    return Subject()


class UprightPictures(Sequence[Image.Image]):
    """The pictures, each decoded only when asked for (an answer is drawn on one image of several)."""

    def __init__(self, images: Sequence[PreparedImage]) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):  # type: ignore[override]
        return upright_picture(self.images[index])


def ground_turn_answer(turn: Turn, family: Family | str, turns: Sequence[Turn] = ()) -> GroundingResult | None:
    """The answer's boxes and points on the image they belong to (the last of the subject's images unless it
    says), drawn on the upright original; None when there is no answer or no image to draw on. `turns`: the
    conversation, so a follow-up that attaches nothing is drawn on the conversation's newest image."""
    subject = subject_of(turn, turns)
    if not subject.images or not turn.answer:
        return None
    sizes = [(image.original_size, image.input_size) for image in subject.images]
    result = ground_turn(turn.answer, sizes, family, images=UprightPictures(subject.images))
    result = replace(result, items=with_thought(result.items, turn.reasoning))
    if not subject.note or not (result.items or result.notes):
        return result
    return GroundingResult(result.items, (subject.note, *result.notes), result.formats, result.original_size,
                           result.input_size, result.family, result.overlay, result.image_index)


def with_thought(items: tuple[GroundedItem, ...], reasoning: str) -> tuple[GroundedItem, ...]:
    """The turn's reasoning as the thought of its first action, when the answer wrote none before it (an agent's
    `<think>…</think><tool_call>…` answer: the split took the thought out of the answer; nothing is parsed from it)."""
    thought = " ".join(reasoning.split())
    if not thought:
        return items
    return tuple(replace(item, attributes={"thought": thought, **item.attributes})
                 if item.kind == "action" and item.step == 1 else item for item in items)


def items_json(grounding: GroundingResult | None) -> list[dict[str, Any]]:
    """Each item in original-image pixels, with the (0-based) image of the turn it was placed on."""
    if grounding is None:
        return []
    index = grounding.image_index or 0
    return [{**item_json(item), "image_index": index} for item in grounding.items]
