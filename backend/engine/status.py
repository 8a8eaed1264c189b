"""What the supervisor tells the UI: phase, progress, failure cause, log tail."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.plans.planner import LaunchPlan


class Phase(StrEnum):
    """Where the engine is in its life; the order of the loading phases is the order they happen in."""

    IDLE = "idle"
    STARTING = "starting"
    DOWNLOADING = "downloading weights"
    LOADING_WEIGHTS = "loading weights"
    KV_CACHE = "allocating KV cache"
    CUDA_GRAPHS = "capturing CUDA graphs"
    WARMING_UP = "warming up"
    READY = "ready"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


LOADING_ORDER: tuple[Phase, ...] = (
    Phase.STARTING,
    Phase.DOWNLOADING,
    Phase.LOADING_WEIGHTS,
    Phase.KV_CACHE,
    Phase.CUDA_GRAPHS,
    Phase.WARMING_UP,
    Phase.READY,
)

# Share of the whole start-up bar each loading phase begins at (the phase's own percentage fills the gap).
PHASE_START_FRACTION: dict[Phase, float] = {
    Phase.STARTING: 0.0,
    Phase.DOWNLOADING: 0.05,
    Phase.LOADING_WEIGHTS: 0.25,
    Phase.KV_CACHE: 0.7,
    Phase.CUDA_GRAPHS: 0.75,
    Phase.WARMING_UP: 0.92,
    Phase.READY: 1.0,
}


class Mode(StrEnum):
    """How the supervisor holds the current engine."""

    NONE = "none"
    LAUNCHED = "launched"  # started by this supervisor: stopped on app exit
    ADOPTED = "adopted"  # started by an earlier run of the app: left running on app exit
    ATTACHED = "attached"  # someone else's endpoint: only watched


class FailureKind(StrEnum):
    """What went wrong, as the UI and the API name it."""

    OOM = "oom"
    PORT_IN_USE = "port_in_use"
    NO_GPU = "no_gpu"
    INVALID_ARGUMENT = "invalid_argument"
    MODEL_NOT_FOUND = "model_not_found"
    MODEL_GATED = "model_gated"
    NO_NETWORK = "no_network"
    ENGINE_NOT_INSTALLED = "engine_not_installed"
    KV_CACHE_TOO_SMALL = "kv_cache_too_small"  # vLLM: the pool cannot hold one full-length request
    GPU_MEMORY_TAKEN = "gpu_memory_taken"  # vLLM: other processes hold the memory the plan's share needs
    UNSUPPORTED_MODEL = "unsupported_model"
    ENGINE_INIT_FAILED = "engine_init_failed"  # vLLM's engine core died starting, for a reason no rule names
    CRASHED = "crashed"
    UNRESPONSIVE = "unresponsive"
    TIMEOUT = "timeout"
    WARMUP_FAILED = "warmup_failed"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FailureCause:
    """A failure in plain words, with what to try next and the log line that gave it away."""

    kind: FailureKind
    summary: str
    suggestion: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class PhaseMark:
    """When a phase began: wall-clock time and seconds since the launch."""

    phase: Phase
    at: float  # time.time()
    elapsed_s: float


@dataclass(frozen=True)
class ServerStatus:
    """A cheap snapshot of the engine for the UI to poll."""

    phase: Phase = Phase.IDLE
    progress: float = 0.0  # 0..1 over the whole start-up
    plan: LaunchPlan | None = None
    pid: int | None = None
    uptime_s: float = 0.0  # seconds since ready (0 when not serving)
    last_error: str = ""
    cause: FailureCause | None = None
    log_tail: tuple[str, ...] = ()
    mode: Mode = Mode.NONE
    base_url: str = ""
    message: str = ""  # one line for a progress label
    phase_marks: tuple[PhaseMark, ...] = ()
    log_path: str = ""
    attempts: int = 0  # launches of the current plan (2 after a port retry)
    gpu_release: str = ""  # what the last stop found about GPU memory
    health_ok_s: float | None = None  # seconds from launch to the first /health 200
    warmup_s: float | None = None  # the warm-up requests after it, together

    @property
    def is_ready(self) -> bool:
        """True when requests can be sent."""
        return self.phase == Phase.READY

    @property
    def is_busy(self) -> bool:
        """True while an engine is starting or serving (a launch of the same plan is a no-op)."""
        return self.phase in LOADING_ORDER
