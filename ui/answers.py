"""A finished turn as data: the /ask answer (answer, metrics, items, notes, image sizes, moments, overlay)."""

from __future__ import annotations

from typing import Any

from backend.chat.conversation import Turn
from backend.chat.metrics import AnswerMetrics
from backend.grounding import GroundingResult
from backend.grounding.export import item_json
from backend.grounding.moments import moments_json, parse_moments


def metrics_json(metrics: AnswerMetrics | None) -> dict[str, Any]:
    """What the answer cost; counts the server did not report are left out, never made up."""
    if metrics is None:
        return {}
    values: dict[str, Any] = {
        "ttft_s": round(metrics.ttft_s, 4) if metrics.ttft_s is not None else None,
        "tokens_per_s": round(metrics.tokens_per_s, 2) if metrics.tokens_per_s is not None else None,
        "total_s": round(metrics.total_s, 4),
        "completion_tokens": metrics.completion_tokens,
        "prompt_tokens": metrics.prompt_tokens,
        "text_tokens": metrics.text_tokens,
        "vision_tokens": metrics.vision_tokens,
        "cached_tokens": metrics.cached_tokens,
        "finish_reason": metrics.finish_reason,
    }
    return {key: value for key, value in values.items() if value is not None}


def items_json(grounding: GroundingResult | None) -> list[dict[str, Any]]:
    """Each item in original-image pixels, with the (0-based) image of the turn it was placed on."""
    if grounding is None:
        return []
    index = grounding.image_index or 0
    return [{**item_json(item), "image_index": index} for item in grounding.items]


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
