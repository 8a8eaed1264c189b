"""The Studio's answers as JSON for scripts: the engine's state (/status) and a finished turn (/ask)."""

from __future__ import annotations

from typing import Any

from backend.chat.conversation import Turn
from backend.chat.grounded import items_json
from backend.chat.metrics import metrics_json
from backend.endpoint import Endpoint
from backend.engine.status import ServerStatus
from backend.grounding import GroundingResult
from backend.grounding.moments import moments_json, parse_moments
from backend.studio.viewer import Viewer


def status_json(status: ServerStatus, endpoint: Endpoint | None, viewer: Viewer) -> dict[str, Any]:
    """The engine state as JSON as `viewer` may read it (no API key ever; a public visitor gets no internal
    address, pid or log either)."""
    plan = status.plan
    shown = viewer.shown(status)
    cause = shown.cause
    internals = viewer.sees_internals
    return {
        "phase": status.phase.value, "ready": status.is_ready, "progress": round(status.progress, 3),
        "message": shown.message, "mode": status.mode.value,
        "base_url": status.base_url if internals else None, "pid": status.pid if internals else None,
        "uptime_s": status.uptime_s, "last_error": shown.last_error,
        "cause": ({"kind": cause.kind.value, "summary": cause.summary, "suggestion": cause.suggestion}
                  if cause else None),
        "model": plan.served_model_name if plan else (endpoint.model if endpoint else None),
        "plan": {"hardware": plan.hardware, "tp": plan.tp, "dp": plan.dp, "context_length": plan.context_length,
                 "gpu_ids": list(plan.gpu_ids), "engine": plan.engine} if plan else None,
        "phases": [{"phase": mark.phase.value, "elapsed_s": mark.elapsed_s} for mark in status.phase_marks],
        "health_ok_s": status.health_ok_s, "warmup_s": status.warmup_s,
        "log_tail": list(status.log_tail[-20:]) if internals else [],
    }


def video_moments(turn: Turn) -> list[dict[str, Any]]:
    """The moments the answer names in the turn's (last) video, in time order."""
    if not turn.videos or not turn.answer:
        return []
    return moments_json(parse_moments(turn.answer, duration_s=turn.videos[-1].info.duration_s).moments)


def answer_json(turn: Turn, grounding: GroundingResult | None, overlay: str | None) -> dict[str, Any]:
    """The /ask reply for a finished turn (overlay: the drawn image's path, or None)."""
    notes = ([turn.notice] if turn.notice else []) + list(grounding.notes if grounding else ())
    return {
        "answer": turn.answer,
        "status": turn.status.value,
        "metrics": metrics_json(turn.metrics),
        "items": items_json(grounding),
        "notes": notes,
        "images": [{"original_size": list(image.original_size), "sent_size": list(image.input_size)}
                   for image in turn.images],
        "moments": video_moments(turn),
        "overlay": overlay,
    }
