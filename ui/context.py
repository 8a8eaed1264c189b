"""The app-wide context every handler shares: the one Supervisor, the hosting settings, the work folder."""

from __future__ import annotations

import hmac
import re
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from backend.chat.fair_share import FairShare
from backend.endpoint import Endpoint
from backend.engine.load_history import ServerMetricsHistory
from backend.engine.status import Mode, ServerStatus
from backend.engine.supervisor import LaunchRefused, Supervisor
from backend.hardware import DetectedGpu, describe_gpus, find_gpu
from backend.media.images import APP_MAX_PIXELS
from backend.media.uploads import MediaPreparer
from backend.models import ModelError, catalog_spec
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan

# /ground overlays kept on disk: each new one past this deletes the oldest, so a client has that many later
# /ground calls' time to download its result (gradio_client fetches it right after the call).
API_OVERLAY_CAP = 64
# A public demo's fair share: this many answers in flight per visitor, so many visitors still fill the engine's batch.
PUBLIC_ANSWERS_PER_VISITOR = 4
ATTACHED_REFUSAL = ("Attached to a running server: this app does not launch its own while attached. Detach first "
                    "(Server tab) to launch here.")
NO_GPU_REFUSAL = "No GPU was detected on this host: attach to a running server below."
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
    # answers one visitor may have in flight at once (0: 4 in public mode, else chat_concurrency)
    answers_per_visitor: int = 0
    queue_size: int = 256  # events waiting in the queue at most; past that a visitor is told the demo is full
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
    fair_share: FairShare = field(default_factory=lambda: FairShare(PUBLIC_ANSWERS_PER_VISITOR))
    server_metrics: ServerMetricsHistory = field(default_factory=ServerMetricsHistory)

    @classmethod
    def create(cls, supervisor: Supervisor, settings: UiSettings, detected: tuple[DetectedGpu, ...]) -> AppContext:
        """A context whose work folder exists."""
        work_dir = settings.work_dir or Path(tempfile.mkdtemp(prefix="qwen-vl-studio-"))
        work_dir.mkdir(parents=True, exist_ok=True)
        media = MediaPreparer(settings.image_max_pixels)
        share = settings.answers_per_visitor or (PUBLIC_ANSWERS_PER_VISITOR if settings.public
                                                 else settings.chat_concurrency)
        overlays = RecentFiles(work_dir / "api-overlays", API_OVERLAY_CAP)
        return cls(supervisor, settings, detected, work_dir, overlays, media, FairShare(share))

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

    def launch_refusal(self, request: PlanRequest, plan: LaunchPlan) -> str:
        """Why this plan cannot be launched from here (empty when it can): attached to someone else's server,
        no GPU on this host, or GPUs this host does not have. Said before anyone clicks Launch."""
        if self.supervisor.status().mode is Mode.ATTACHED:
            return ATTACHED_REFUSAL
        if not self.detected:
            return NO_GPU_REFUSAL
        if not plan.fits:
            return plan.refusal
        here = {gpu.index: gpu.spec for gpu in self.detected}
        wanted = None if request.hardware == "auto" else find_gpu(request.hardware)
        if any(index not in here or (wanted is not None and here[index].name != wanted.name)
               for index in plan.gpu_ids):
            return (f"This host has {describe_gpus(self.detected)}; this plan is for {plan.hardware}, which it "
                    "does not have. Choose the “auto — detected …” entry under Hardware to plan for these GPUs.")
        return ""

    def launch(self, request: PlanRequest, token: str | None = None) -> ServerStatus:
        """Launch the plan for request (returns at once; the status polls show the phases). Raises LaunchRefused
        for a plan this host cannot run."""
        self.check_admin(token)
        plan = self._plan(request)  # the admin may launch any model
        refusal = self.launch_refusal(request, plan)
        if refusal:
            raise LaunchRefused(refusal)
        return self.supervisor.launch(plan)

    def attach(self, base_url: str, api_key: str = "", token: str | None = None) -> ServerStatus:
        """Endpoint mode: use someone else's OpenAI-compatible server (again, or another one)."""
        self.check_admin(token)
        url = base_url.strip()
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
            raise LaunchRefused(f"{url[:80]!r} is not a server URL; give one like http://gpu-host:30000")
        return self.supervisor.attach(url, api_key.strip())

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
