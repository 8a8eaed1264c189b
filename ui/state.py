"""The app-wide context (one shared Supervisor, hosting settings) and the per-browser session it hands out."""

from __future__ import annotations

import hmac
import shutil
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from backend.chat import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.grounding import GroundingResult
from backend.hardware import DetectedGpu
from backend.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer
from backend.messages import DEFAULT_SYSTEM_PROMPT
from backend.models import ModelError, catalog_spec
from backend.plans import LaunchPlan, PlanRequest, make_plan
from backend.server_status import ServerStatus
from backend.supervisor import Supervisor
from ui.server_metrics import ServerMetricsHistory

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
    # Rewrites every plan before it is launched (tests swap SGLang for the stand-in engine).
    plan_transform: Callable[[LaunchPlan], LaunchPlan] | None = None


@dataclass
class AppContext:
    """Everything the handlers share: the one engine supervisor, the detected GPUs and the settings."""

    supervisor: Supervisor
    settings: UiSettings
    detected: tuple[DetectedGpu, ...]
    work_dir: Path
    api_overlays: RecentFiles  # shared by the per-session copies
    images: ImagePreparer = field(default_factory=ImagePreparer)
    server_metrics: ServerMetricsHistory = field(default_factory=ServerMetricsHistory)

    @classmethod
    def create(cls, supervisor: Supervisor, settings: UiSettings, detected: tuple[DetectedGpu, ...]) -> AppContext:
        """A context whose work folder exists."""
        work_dir = settings.work_dir or Path(tempfile.mkdtemp(prefix="qwen-vl-studio-"))
        work_dir.mkdir(parents=True, exist_ok=True)
        images = ImagePreparer(ImageLimits(max_pixels=settings.image_max_pixels))
        overlays = RecentFiles(work_dir / "api-overlays", API_OVERLAY_CAP)
        return cls(supervisor, settings, detected, work_dir, overlays, images)

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
        plan = self._plan(request)  # the admin may launch any model
        if self.settings.plan_transform is not None and plan.fits:
            plan = self.settings.plan_transform(plan)
        return self.supervisor.launch(plan)

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


@dataclass
class TurnView:
    """What the chat shows for one turn besides its text: the user's files and what was drawn from the answer."""

    image_paths: tuple[str, ...] = ()
    video_paths: tuple[str, ...] = ()
    overlay_path: str | None = None
    grounding: GroundingResult | None = None
    grounding_image: str | None = None  # the uploaded image the grounding belongs to
    timeline: tuple[tuple[str, str], ...] = ()  # (thumbnail path, caption) per video moment


class BrowserSession:
    """One browser's conversation (held in a gr.State): the chat, its views, and recent answer speeds."""

    def __init__(self, context: AppContext) -> None:
        self.app_context = context
        self.context = context.for_session()  # the overlays, thumbnails and exports of this session go here
        self.chat = ChatSession(context.endpoint)
        self.views: list[TurnView] = []
        self.speeds: list[tuple[int, float]] = []  # (answer number, tok/s)
        self.answers = 0

    def __deepcopy__(self, memo: dict) -> BrowserSession:
        # gr.State hands each browser a deep copy of its initial value: a copy is a fresh, empty session.
        return BrowserSession(self.app_context)

    def configure(self, system_prompt: str, sampling: SamplingParams) -> None:
        """Use these settings from the next answer on."""
        self.chat.conversation.system_prompt = system_prompt.strip() or DEFAULT_SYSTEM_PROMPT
        self.chat.sampling = sampling

    def clear(self) -> None:
        """Forget the conversation (speeds stay, they describe the server)."""
        self.chat.clear()
        self.views.clear()

    def close(self) -> None:
        """The browser session ended (gradio deletes its state): stop its answer, forget it, remove its files."""
        self.clear()
        shutil.rmtree(self.context.work_dir, ignore_errors=True)

    def record_speed(self, tokens_per_s: float | None) -> None:
        """Keep the last 30 answers' decode speeds for the plot."""
        self.answers += 1
        if tokens_per_s is not None:
            self.speeds = [*self.speeds, (self.answers, round(tokens_per_s, 1))][-30:]
