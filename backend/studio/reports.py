"""The Studio's answers as JSON for scripts: the engine's state (/status) and a finished turn (/ask)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend.chat.conversation import Turn
from backend.chat.grounded import items_json, subject_of
from backend.chat.metrics import metrics_json
from backend.chat.session import NO_SERVER
from backend.endpoint import Endpoint
from backend.engine.status import LOADING_ORDER, Mode, Phase, ServerStatus
from backend.grounding import GroundingResult
from backend.grounding.moments import moments_json, parse_moments
from backend.media.video import PreparedVideo
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


def unavailable_text(status: ServerStatus, viewer: Viewer) -> str:
    """Why no answer can be had now, from a status already redacted for `viewer`: an attached server that stopped
    answering, an engine still loading, one that failed, or none at all; only what this viewer can act on."""
    where = f" at {status.base_url}" if status.base_url else ""
    if status.mode is Mode.ATTACHED:
        why = f" ({status.cause.evidence})" if status.cause and status.cause.evidence else ""
        then = ", or attach another server in the Server tab" if viewer.admin else ""
        return (f"The attached model server{where} is not answering{why}. The app keeps checking it: send again "
                f"once it is back{then}. Your conversation is kept.")
    if status.phase in LOADING_ORDER and status.phase is not Phase.READY:
        return (f"The model server is still starting ({status.phase.value}, {round(100 * status.progress)}%). "
                "Send again when it is ready; your message is kept.")
    if status.phase is Phase.STOPPING:
        return "The model server is stopping. Launch or attach one in the Server tab, then send again." \
            if viewer.admin else "This demo's model server is stopping. Try again later; your message is kept."
    if not viewer.admin:
        return ("No model server is running on this demo right now; only its admin can start one. Try again later; "
                "your message is kept.")
    if status.phase is Phase.FAILED and status.cause is not None:
        return (f"No model server is running: the last launch failed ({status.cause.summary.rstrip('.')}). Launch "
                "it again (or attach to a running server) in the Server tab, then send again.")
    return NO_SERVER


def video_moments(turn: Turn, turns: Sequence[Turn] = ()) -> list[dict[str, Any]]:
    """The moments the answer names in the (last) video it is about, in time order."""
    videos = subject_of(turn, turns).videos
    if not videos or not turn.answer:
        return []
    return moments_json(parse_moments(turn.answer, duration_s=videos[-1].info.duration_s).moments)


def answer_json(turn: Turn, grounding: GroundingResult | None, overlay: str | None,
                turns: Sequence[Turn] = ()) -> dict[str, Any]:
    """The /ask reply for a finished turn of the conversation `turns` (overlay: the drawn image's path, or None)."""
    notes = ([turn.notice] if turn.notice else []) + list(grounding.notes if grounding else ())
    subject = subject_of(turn, turns)
    if subject.note and not grounding and subject.videos:
        notes.append(subject.note)
    return {
        "answer": turn.answer,
        "reasoning": turn.reasoning,  # the model's thinking, kept out of the answer ("" when it had none)
        "status": turn.status.value,
        "metrics": metrics_json(turn.metrics),
        "items": items_json(grounding),
        "notes": notes,
        "images": [{"original_size": list(image.original_size), "sent_size": list(image.input_size)}
                   for image in subject.images],
        "videos": [video_json(video) for video in subject.videos],
        "moments": video_moments(turn, turns),
        "overlay": overlay,
    }


def video_json(video: PreparedVideo) -> dict[str, Any]:
    """How a video was sent: its length, sizes, frames and their real times (when the app sampled them)."""
    return {"name": Path(video.source_path).name, "duration_s": round(video.info.duration_s, 3),
            "original_size": list(video.original_size), "sent_size": list(video.input_size),
            "frames_sent": len(video.plan.frame_indices), "effective_fps": round(video.effective_fps, 4),
            "frame_times_s": [round(time, 3) for time in video.sent_times_s] or None}
