"""Named API endpoints for gradio_client: /plan, /status, /chat (streamed), /ask, /ground, /launch, /attach, /stop.

Files arrive as gradio FileData dicts (gradio_client's handle_file uploads them; gradio checks they lie in its
upload folder before the handler sees them). /launch and /stop obey public mode (admin token)."""

# No `from __future__ import annotations` here: gr.api reads the real return types for the API docs.
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from backend.chat.conversation import conversation_from_openai
from backend.chat.fair_share import VisitorBusy
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.engine.status import ServerStatus
from backend.engine.supervisor import LaunchRefused
from backend.media.images import MediaError
from backend.media.uploads import PreparedMedia
from backend.plans.errors import PlanInputError
from backend.plans.render import render_plan
from ui.answers import answer_json, video_moments
from ui.chat_flow import family_now, ground_answer, ground_file, prepare_media, save_api_overlay
from ui.context import AdminRequired, AppContext
from ui.launch_panel import ENGINE_CONCURRENCY_ID, plan_request
from ui.status_view import HIDDEN_URL, mask_secret, redact


def status_json(status: ServerStatus, public: bool, endpoint: Endpoint | None = None) -> dict[str, Any]:
    """The engine state as JSON (no API key; in public mode no internal address or pid either)."""
    plan = status.plan
    cause = status.cause

    def shown(text: str) -> str:
        return redact(text, status, public)

    return {
        "phase": status.phase.value, "ready": status.is_ready, "progress": round(status.progress, 3),
        "message": shown(status.message), "mode": status.mode.value,
        "base_url": None if public else status.base_url, "pid": None if public else status.pid,
        "uptime_s": status.uptime_s, "last_error": shown(status.last_error),
        "cause": ({"kind": cause.kind.value, "summary": shown(cause.summary), "suggestion": shown(cause.suggestion)}
                  if cause else None),
        "model": plan.served_model_name if plan else (endpoint.model if endpoint else None),
        "plan": {"hardware": plan.hardware, "tp": plan.tp, "dp": plan.dp, "context_length": plan.context_length,
                 "gpu_ids": list(plan.gpu_ids), "engine": plan.engine} if plan else None,
        "phases": [{"phase": mark.phase.value, "elapsed_s": mark.elapsed_s} for mark in status.phase_marks],
        "health_ok_s": status.health_ok_s, "warmup_s": status.warmup_s,
        "log_tail": [] if public else list(status.log_tail[-20:]),
    }


def register_api(context: AppContext) -> None:
    """Register the endpoints (inside the caller's Blocks context)."""
    public = context.settings.public

    def plan(model: str = "7B", hardware: str = "auto", gpus: str = "", engine: str = "sglang",
             context_length: int = 0, quantization: str = "none", kv_cache_dtype: str = "auto") -> tuple[str, bool]:
        """The launch plan for a model on hardware ("auto" or a GPU name) and GPUs (a count "2", or indices
        "0,2"; one GPU by index as "1,"): the plan as text (command, explanation) and whether it fits.
        Refusals say why, and name a quantized way that fits (quantization "fp8", kv_cache_dtype "fp8_e4m3", or an
        -AWQ model). A public demo plans only the catalog models and the model it was started with."""
        request = plan_request(context.settings.default_request, engine, model, hardware, gpus, context_length,
                               quantization, kv_cache_dtype)
        try:
            chosen = context.plan(request)
        except PlanInputError as error:
            raise gr.Error(str(error)) from None
        if not chosen.fits:
            offer = f" {chosen.quantized.text}." if chosen.quantized else ""
            return f"cannot fit: {chosen.refusal}{offer}", False
        text = render_plan(chosen)
        if public:  # the plan's address and key are the engine's own: a visitor never reads them
            text = mask_secret(text, chosen.api_key).replace(chosen.base_url, HIDDEN_URL)
        return text, True

    def status() -> dict:
        """The shared engine's state: phase, progress, model, plan summary, failure cause, log tail."""
        return status_json(context.supervisor.status(), public, context.endpoint())

    def api_session(files: list[FileData], history: list[dict] | str, max_tokens: int, temperature: float
                    ) -> tuple[ChatSession, PreparedMedia]:
        """A one-request chat session with the history and files prepared the way the browser's chat would."""
        sampling = SamplingParams(temperature=temperature, max_tokens=int(max_tokens))
        session = ChatSession(context.endpoint, sampling=sampling, name_server=not public)
        family = family_now(context)
        try:
            session.conversation = conversation_from_openai(history, lambda data: context.media.image(data, family))
            return session, prepare_media(context, [path_of(item) for item in files or []])
        except (MediaError, ValueError) as error:
            raise gr.Error(str(error)) from None

    @contextmanager
    def fair_slot(request: gr.Request | None) -> Iterator[None]:
        """One of this API client's in-flight answers (its fair share of the engine), or a clear refusal."""
        try:
            with context.fair_share.slot((request.session_hash if request else None) or "api"):
                yield
        except VisitorBusy as error:
            raise gr.Error(str(error)) from None

    def chat(text: str, files: list[FileData], history: list[dict] | str, max_tokens: int = 1024,
             temperature: float = 0.7, request: gr.Request = None) -> Iterator[str]:
        """Stream an answer to `text` with image/video `files`, after `history` (OpenAI-style messages, as a list
        or as JSON text: system/user/assistant, text or [{"type": "text"} / {"type": "image_url", data URL}])."""
        _refuse_empty(text, files)
        session, media = api_session(files, history, max_tokens, temperature)
        with fair_slot(request):
            for update in session.send(text, media.images, media.videos):
                if update.done and update.error:  # failed, or interrupted after the partial answer already sent
                    raise gr.Error(update.error)
                yield update.text

    def ask(text: str, files: list[FileData], history: list[dict] | str, max_tokens: int = 1024,
            temperature: float = 0.7, request: gr.Request = None) -> dict:
        """The finished answer as one JSON value: answer, metrics, items (boxes / points in original-image
        pixels, with image_index), notes, images (original and sent size of each), moments (videos), overlay."""
        _refuse_empty(text, files)
        session, media = api_session(files, history, max_tokens, temperature)
        with fair_slot(request):
            for update in session.send(text, media.images, media.videos):
                if update.done and update.error:
                    raise gr.Error(update.error)
        turn = session.turns[-1]
        grounding = ground_answer(context, turn)
        overlay = save_api_overlay(context, grounding) if grounding and grounding.overlay and grounding.found else None
        moments = video_moments(turn)
        return answer_json(turn, grounding, file_data(overlay) if overlay else None, moments)

    def ground(image: FileData, answer: str, family: str = "", max_pixels: int = 0
               ) -> tuple[FileData | None, list[dict]]:
        """Draw a grounding answer on an image: the overlay image and the items ({label, bbox or point, ...})
        in original-image pixels. family: qwen2.5-vl (absolute pixels), qwen2-vl / qwen3-vl (0-1000); empty:
        the running engine's. max_pixels: the pixel budget the image was sent with — 0 for this app's own
        (what /chat and /ask send), 12845056 for the server's default (answers from another client).
        The server keeps only the most recent overlays: download yours at once."""
        try:
            result = ground_file(context, path_of(image), answer, family or family_now(context), int(max_pixels or 0))
        except (MediaError, ValueError) as error:
            raise gr.Error(str(error)) from None
        items = result.to_json()["items"]
        if not result.found:
            return None, items
        return file_data(save_api_overlay(context, result)), items

    def launch(model: str = "7B", hardware: str = "auto", gpus: str = "", engine: str = "sglang",
               context_length: int = 0, admin_token: str = "", quantization: str = "none",
               kv_cache_dtype: str = "auto") -> dict:
        """Launch the plan for these choices (returns at once; poll /status). Public mode needs admin_token."""
        request = plan_request(context.settings.default_request, engine, model, hardware, gpus, context_length,
                               quantization, kv_cache_dtype)
        try:
            return status_json(context.launch(request, admin_token), public)
        except (AdminRequired, LaunchRefused, PlanInputError) as error:
            raise gr.Error(str(error)) from None

    def attach(url: str, api_key: str = "", admin_token: str = "") -> dict:
        """Attach to a running OpenAI-compatible server (again, or another one). Public mode needs admin_token."""
        try:
            return status_json(context.attach(url, api_key, admin_token), public)
        except (AdminRequired, LaunchRefused) as error:
            raise gr.Error(str(error)) from None

    def stop(admin_token: str = "") -> dict:
        """Stop the engine (or detach from an attached one). Public mode needs admin_token."""
        try:
            return status_json(context.stop(admin_token), public)
        except AdminRequired as error:
            raise gr.Error(str(error)) from None

    gr.api(plan, api_name="plan", concurrency_limit=4)
    gr.api(status, api_name="status", concurrency_limit=None)
    gr.api(chat, api_name="chat", concurrency_limit=context.settings.chat_concurrency, concurrency_id="chat")
    gr.api(ask, api_name="ask", concurrency_limit=context.settings.chat_concurrency, concurrency_id="chat")
    gr.api(ground, api_name="ground", concurrency_limit=4)
    gr.api(launch, api_name="launch", concurrency_limit=1, concurrency_id=ENGINE_CONCURRENCY_ID)
    gr.api(attach, api_name="attach", concurrency_limit=1, concurrency_id=ENGINE_CONCURRENCY_ID)
    gr.api(stop, api_name="stop", concurrency_limit=1, concurrency_id=ENGINE_CONCURRENCY_ID)


def _refuse_empty(text: str, files: list[FileData]) -> None:
    if not (text or "").strip() and not files:
        raise gr.Error("Nothing to send: the message is empty. Type a message or attach an image or video.")


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def path_of(item: Any) -> str:
    """The server path of an uploaded file (a FileData dict from the queue, or a FileData)."""
    if isinstance(item, dict) and item.get("path"):
        return str(item["path"])
    if isinstance(item, FileData):
        return item.path
    raise gr.Error(f"expected an uploaded file, got {json.dumps(item)[:80]}")
