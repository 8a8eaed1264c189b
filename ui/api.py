"""Named API endpoints for gradio_client: /plan, /status, /chat (streamed), /ask, /ground, /extract, /launch,
/attach, /stop.
Each is a few lines over one Studio method; refusals reach the client as the Studio's own words.

Files arrive as gradio FileData dicts (gradio_client's handle_file uploads them; gradio checks they lie in its
upload folder before the handler sees them). /launch, /attach and /stop obey public mode (admin token)."""

# No `from __future__ import annotations` here: gr.api reads the real return types for the API docs.
import json
from collections.abc import Iterator
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from backend.chat.session import SamplingParams
from backend.errors import UserError
from backend.media.video_limits import VideoChoice
from backend.plans.render import render_plan
from backend.studio.studio import Studio
from ui.errors import shows_user_errors
from ui.launch_panel import ENGINE_CONCURRENCY_ID
from ui.plan_choices import plan_request


def register_api(studio: Studio) -> None:
    """Register the endpoints (inside the caller's Blocks context)."""

    def plan(model: str = "7B", hardware: str = "auto", gpus: str = "", engine: str = "sglang",
             context_length: int = 0, quantization: str = "none", kv_cache_dtype: str = "auto") -> tuple[str, bool]:
        """The launch plan for a model on hardware ("auto" or a GPU name) and GPUs (a count "2", or indices
        "0,2"; one GPU by index as "1,"): the plan as text (command, explanation) and whether it fits.
        Refusals say why, and name a quantized way that fits (quantization "fp8", kv_cache_dtype "fp8_e4m3", or an
        -AWQ model). A public demo plans only the catalog models and the model it was started with."""
        request = plan_request(studio.settings.default_request, engine, model, hardware, gpus, context_length,
                               quantization, kv_cache_dtype)
        viewer = studio.viewer()
        chosen = studio.shown_plan(request, viewer)
        if not chosen.fits:
            offer = f" {chosen.quantized.text}." if chosen.quantized else ""
            return f"cannot fit: {chosen.refusal}{offer}", False
        return viewer.plan_text(render_plan(chosen), chosen), True

    def status() -> dict:
        """The shared engine's state: phase, progress, model, plan summary, failure cause, log tail."""
        return studio.status_json(studio.viewer())

    def chat(text: str, files: list[FileData], history: list[dict] | str, max_tokens: int = 1024,
             temperature: float = 0.7, video_fps: float = 0.0, video_max_frames: int = 0,
             with_reasoning: bool = False, request: gr.Request = None) -> Iterator[str | dict]:
        """Stream an answer to `text` with image/video `files` (up to 5 of each), after `history` (OpenAI-style
        messages, as a list or as JSON text: system/user/assistant, text or [{"type": "text"} / {"type":
        "image_url", data URL}]). video_fps (at most 2) and video_max_frames (per video): how videos are sampled;
        0 for Qwen's rule (2 fps, at most 768 frames, fewer where the context needs it). Each update is the
        answer text so far, without a thinking model's reasoning; with_reasoning: {"answer", "reasoning"} so far."""
        sampling = SamplingParams(temperature=temperature, max_tokens=int(max_tokens))
        video = VideoChoice(float(video_fps or 0), int(video_max_frames or 0))
        yield from studio.stream_chat(text, paths_of(files), history, sampling, api_viewer(studio, request), video,
                                      bool(with_reasoning))

    def ask(text: str, files: list[FileData], history: list[dict] | str, max_tokens: int = 1024,
            temperature: float = 0.7, video_fps: float = 0.0, video_max_frames: int = 0,
            request: gr.Request = None) -> dict:
        """The finished answer as one JSON value: answer, reasoning (a thinking model's, kept out of the answer;
        "" when none), metrics, items (boxes / points in original-image pixels, with image_index), notes, images
        (original and sent size of each), videos (frames sent, their real times, effective fps), moments (per
        video), overlay. video_fps, video_max_frames: as /chat."""
        sampling = SamplingParams(temperature=temperature, max_tokens=int(max_tokens))
        video = VideoChoice(float(video_fps or 0), int(video_max_frames or 0))
        answer = studio.ask(text, paths_of(files), history, sampling, api_viewer(studio, request), video)
        return {**answer, "overlay": file_data(answer["overlay"]) if answer["overlay"] else None}

    def ground(image: FileData, answer: str, family: str = "", max_pixels: int = 0
               ) -> tuple[FileData | None, list[dict]]:
        """Draw a grounding answer on an image: the overlay image and the items ({label, bbox or point, ...})
        in original-image pixels (a thinking model's reasoning, before its </think>, is not drawn). family: qwen2.5-vl (absolute pixels), qwen2-vl / qwen3-vl (0-1000); empty:
        the running engine's. max_pixels: the pixel budget the image was sent with — 0 for this app's own
        (what /chat and /ask send), 12845056 for the server's default (answers from another client).
        The server keeps only the most recent overlays: download yours at once."""
        result = studio.ground(path_of(image), answer, family, int(max_pixels or 0))
        items = result.to_json()["items"]
        if not result.found:
            return None, items
        return file_data(studio.save_api_overlay(result)), items

    def extract(files: list[FileData], schema: str, max_tokens: int = 1024, temperature: float = 0.0,
                request: gr.Request = None) -> dict:
        """Extract fields from document images as JSON that follows a JSON Schema (the engine holds decoding to
        it). schema: JSON Schema text, or a template name (receipt, invoice, form, table). Returns {"data",
        "valid", "status" (valid | invalid | incomplete | not JSON), "errors", "raw", "metrics", "items" (bbox_2d
        fields in original-image pixels), "images", "notes", "overlay"}; data's bbox_2d are original pixels too."""
        sampling = SamplingParams(temperature=float(temperature or 0.0), max_tokens=int(max_tokens or 1024))
        *_, last = studio.extract(paths_of(files), schema, sampling, api_viewer(studio, request))
        document = last.document
        found = document.grounding is not None and document.grounding.found and document.grounding.overlay
        overlay = studio.save_api_overlay(document.grounding) if found else None
        return document.to_json(file_data(overlay) if overlay else None)

    def launch(model: str = "7B", hardware: str = "auto", gpus: str = "", engine: str = "sglang",
               context_length: int = 0, admin_token: str = "", quantization: str = "none",
               kv_cache_dtype: str = "auto") -> dict:
        """Launch the plan for these choices (returns at once; poll /status). Public mode needs admin_token."""
        request = plan_request(studio.settings.default_request, engine, model, hardware, gpus, context_length,
                               quantization, kv_cache_dtype)
        viewer = studio.viewer(admin_token)
        studio.launch(request, viewer)
        return studio.status_json(viewer)

    def attach(url: str, api_key: str = "", admin_token: str = "") -> dict:
        """Attach to a running OpenAI-compatible server (again, or another one). Public mode needs admin_token."""
        viewer = studio.viewer(admin_token)
        studio.attach(url, api_key, viewer)
        return studio.status_json(viewer)

    def stop(admin_token: str = "") -> dict:
        """Stop the engine (or detach from an attached one). Public mode needs admin_token."""
        viewer = studio.viewer(admin_token)
        studio.stop(viewer)
        return studio.status_json(viewer)

    chats = {"concurrency_limit": studio.settings.chat_concurrency, "concurrency_id": "chat"}
    engine_changes = {"concurrency_limit": 1, "concurrency_id": ENGINE_CONCURRENCY_ID}
    for handler, options in ((plan, {"concurrency_limit": 4}), (status, {"concurrency_limit": None}), (chat, chats),
                             (ask, chats), (extract, chats), (ground, {"concurrency_limit": 4}), (launch, engine_changes),
                             (attach, engine_changes), (stop, engine_changes)):
        gr.api(shows_user_errors(handler), api_name=handler.__name__, **options)


def api_viewer(studio: Studio, request: gr.Request | None):
    """The API client asking: a visitor of a public demo (its fair share is its Gradio session's)."""
    return studio.viewer(visitor=(request.session_hash if request else None) or "api")


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def paths_of(files: list[FileData] | None) -> list[str]:
    return [path_of(item) for item in files or []]


def path_of(item: Any) -> str:
    """The server path of an uploaded file (a FileData dict from the queue, or a FileData)."""
    if isinstance(item, dict) and item.get("path"):
        return str(item["path"])
    if isinstance(item, FileData):
        return item.path
    raise UserError(f"expected an uploaded file, got {json.dumps(item)[:80]}")
