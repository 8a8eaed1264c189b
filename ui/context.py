"""The app-wide context every handler shares: the one Supervisor, the hosting settings, the work folder."""

from __future__ import annotations

import hmac
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from backend.endpoint import Endpoint
from backend.engine.load_history import ServerMetricsHistory
from backend.engine.status import ServerStatus
from backend.engine.supervisor import Supervisor
from backend.hardware import DetectedGpu
from backend.media.images import APP_MAX_PIXELS
from backend.media.uploads import MediaPreparer
from backend.models import ModelError, catalog_spec
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan

# /ground overlays kept on disk: each new one past this deletes the oldest, so a client has that many later
# /ground calls' time to download its result (gradio_client fetches it right after the call).
API_OVERLAY_CAP = 64
PUBLIC_MODEL_REFUSAL = ("This public demo plans only its catalog models (3B, 7B, 32B, 72B) and the model it was "
                        "started with; other Hugging Face ids and local folders are not available here.")


class AdminRequired(Exception):
    """Public mode: launching and stopping need the admin token."""


class RecentFiles:
    """A folder that keeps only the newest `cap` files written through it (oldest deleted first); thread-safe."""

    def __init__(self, folder: Path, cap: int) -> None:
        self.folder = folder
        self.cap = cap
        self._kept: deque[Path] = deque()
        self._lock = threading.Lock()

    def write(self, suffix: str, save: Callable[[Path], None]) -> Path:
        """A fresh path filled by save(path); it stays until `cap` newer files have been written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}{suffix}"
        try:
            save(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        with self._lock:
            self._kept.append(path)
            stale = [self._kept.popleft() for _ in range(len(self._kept) - self.cap)]
        for old in stale:
            old.unlink(missing_ok=True)
        return path


@dataclass(frozen=True)
class UiSettings:
    """How the UI is hosted and what visitors may do."""

    public: bool = False  # launch panel read-only; launch/stop endpoints need admin_token
    admin_token: str = ""
    chat_concurrency: int = 32  # chat events at once, so the engine can batch them
    refresh_s: float = 1.0  # status / log / metrics polling
    work_dir: Path | None = None  # overlays and exports (None: a fresh temporary folder)
    examples_dir: Path | None = None  # generated example media (None: the backend's cache folder)
    image_max_pixels: int = APP_MAX_PIXELS  # per image sent to the model (the server's ceiling is 12,845,056)
    # Uploads and files the app returned are deleted from Gradio's cache once this old, checked this often
    # (Gradio's delete_cache); examples are kept. A public demo's disk would otherwise fill with strangers' files.
    cache_max_age_s: int = 24 * 3600
    cache_check_every_s: int = 3600
    default_request: PlanRequest = field(default_factory=PlanRequest)


@dataclass
class AppContext:
    """Everything the handlers share: the one engine supervisor, the detected GPUs and the settings."""

    supervisor: Supervisor
    settings: UiSettings
    detected: tuple[DetectedGpu, ...]
    work_dir: Path
    api_overlays: RecentFiles  # shared by the per-session copies
    media: MediaPreparer = field(default_factory=MediaPreparer)  # the one way uploads become what is sent
    server_metrics: ServerMetricsHistory = field(default_factory=ServerMetricsHistory)

    @classmethod
    def create(cls, supervisor: Supervisor, settings: UiSettings, detected: tuple[DetectedGpu, ...]) -> AppContext:
        """A context whose work folder exists."""
        work_dir = settings.work_dir or Path(tempfile.mkdtemp(prefix="qwen-vl-studio-"))
        work_dir.mkdir(parents=True, exist_ok=True)
        media = MediaPreparer(settings.image_max_pixels)
        overlays = RecentFiles(work_dir / "api-overlays", API_OVERLAY_CAP)
        return cls(supervisor, settings, detected, work_dir, overlays, media)

    def plan(self, request: PlanRequest) -> LaunchPlan:
        """The plan on the GPUs detected at start (public mode: only catalog models and the configured one)."""
        # One refusal for every other name: how a path is refused must not tell a visitor whether it exists here.
        if self.settings.public and not self._public_model(request.model):
            raise ModelError(PUBLIC_MODEL_REFUSAL)
        return self._plan(request)

    def _plan(self, request: PlanRequest) -> LaunchPlan:
        return make_plan(replace(request, detected=self.detected))

    def _public_model(self, model: str) -> bool:
        return catalog_spec(model) is not None or model.strip() == self.settings.default_request.model.strip()

    def check_admin(self, token: str | None) -> None:
        """Raise AdminRequired in public mode unless token is the admin token."""
        if not self.settings.public:
            return
        expected = self.settings.admin_token
        if not expected or not hmac.compare_digest((token or "").encode(), expected.encode()):
            raise AdminRequired("This is a public demo: launching and stopping the engine need the admin token.")

    def launch(self, request: PlanRequest, token: str | None = None) -> ServerStatus:
        """Launch the plan for request (returns at once; the status polls show the phases)."""
        self.check_admin(token)
        return self.supervisor.launch(self._plan(request))  # the admin may launch any model

    def stop(self, token: str | None = None) -> ServerStatus:
        """Stop (or detach from) the engine."""
        self.check_admin(token)
        return self.supervisor.stop()

    def endpoint(self) -> Endpoint | None:
        """Where chats go now (None until an engine is ready)."""
        return self.supervisor.endpoint()

    def for_session(self) -> AppContext:
        """This context with a work folder of its own, for one browser session (removed when the session ends)."""
        return replace(self, work_dir=self.work_dir / "sessions" / uuid.uuid4().hex)

    def new_file(self, folder: str, suffix: str) -> Path:
        """A fresh path in the work folder (gradio serves files from here once a handler returns them)."""
        target = self.work_dir / folder
        target.mkdir(parents=True, exist_ok=True)
        return target / f"{uuid.uuid4().hex}{suffix}"
