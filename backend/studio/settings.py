"""How the Studio is hosted (StudioSettings), its limits, and the refusals it words from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from backend.media.images import APP_MAX_PIXELS
from backend.plans.planner import PlanRequest

# /ground and /ask overlays kept on disk: each new one past this deletes the oldest, so a client has that many later
# calls' time to download its result (gradio_client fetches it right after the call).
API_OVERLAY_CAP = 64
# A public demo's fair share: this many answers in flight per visitor, so many visitors still fill the engine's batch.
PUBLIC_ANSWERS_PER_VISITOR = 4
NO_GPU = "No GPU was detected on this host"
ATTACHED_REFUSAL = ("Attached to a running server: this app does not launch its own while attached. Detach first "
                    "(Server tab) to launch here.")
NO_GPU_REFUSAL = f"{NO_GPU}: attach to a running server below."
PUBLIC_MODEL_REFUSAL = ("This public demo plans only its catalog models (3B, 7B, 32B, 72B) and the model it was "
                        "started with; other Hugging Face ids and local folders are not available here.")
NOTHING_TO_SEND = "Nothing to send: the message is empty. Type a message or attach an image or video."
NO_ENGINE_FOR_BATCH = ("No model server is running. Start one (or attach to one) on the Server tab, then run the "
                       "batch again.")
NO_DOCUMENT = "No document: add an image of it (a scan, photo or screenshot), then extract."
NO_SERVER_SNIPPET = "# No server is answering yet: launch or attach one."


@dataclass(frozen=True)
class StudioSettings:
    """How the app is hosted and what visitors may do."""

    public: bool = False  # launch panel read-only; launch/attach/stop need admin_token
    admin_token: str = ""
    chat_concurrency: int = 32  # chat events at once, so the engine can batch them
    # answers one visitor may have in flight at once (0: PUBLIC_ANSWERS_PER_VISITOR in public mode, else
    # chat_concurrency)
    answers_per_visitor: int = 0
    queue_size: int = 256  # events waiting in the queue at most; past that a visitor is told the demo is full
    refresh_s: float = 1.0  # status / log / metrics polling
    work_dir: Path | None = None  # overlays and exports (None: a fresh temporary folder)
    examples_dir: Path | None = None  # generated example media (None: the backend's cache folder)
    image_max_pixels: int = APP_MAX_PIXELS  # per image sent to the model
    # Uploads and files the app returned are deleted from Gradio's cache once this old, checked this often
    # (Gradio's delete_cache); examples are kept. A public demo's disk would otherwise fill with strangers' files.
    cache_max_age_s: int = 24 * 3600
    cache_check_every_s: int = 3600
    default_request: PlanRequest = field(default_factory=PlanRequest)
    # image links in an API history fetched by the app (SSRF-guarded): None: yes, but not on a public demo
    fetch_urls: bool | None = None
