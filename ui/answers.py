"""A finished turn as data: the /ask answer (answer, metrics, items, notes, image sizes, moments, overlay)."""

from __future__ import annotations

from typing import Any

from backend.chat.conversation import Turn
from backend.chat.grounded import items_json
from backend.chat.metrics import metrics_json
from backend.grounding import GroundingResult
from backend.grounding.moments import moments_json, parse_moments


def video_moments(turn: Turn) -> list[dict[str, Any]]:
    """The moments the answer names in the turn's (last) video, in time order."""
    if not turn.videos or not turn.answer:
        return []
    return moments_json(parse_moments(turn.answer, duration_s=turn.videos[-1].info.duration_s).moments)


def answer_json(turn: Turn, grounding: GroundingResult | None, overlay: dict | None,
                moments: list[dict[str, Any]]) -> dict[str, Any]:
    """The /ask reply for a finished turn."""
    notes = ([turn.notice] if turn.notice else []) + list(grounding.notes if grounding else ())
    return {
        "answer": turn.answer,
        "status": turn.status.value,
        "metrics": metrics_json(turn.metrics),
        "items": items_json(grounding),
        "notes": notes,
        "images": [{"original_size": list(image.original_size), "sent_size": list(image.input_size)}
                   for image in turn.images],
        "moments": moments,
        "overlay": overlay,
    }
