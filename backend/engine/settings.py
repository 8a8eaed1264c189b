"""How long the supervisor waits for what, and how much of the engine's log it keeps."""

from __future__ import annotations

from dataclasses import dataclass

from backend.media.images import APP_MAX_PIXELS


@dataclass(frozen=True)
class SupervisorSettings:
    """Timings and sizes the supervisor works with."""

    grace_s: float = 20.0  # SIGTERM -> SIGKILL
    ready_timeout_s: float = 3600.0  # launch -> ready (downloads of 72B weights take long)
    warmup: bool = True
    warmup_timeout_s: float = 600.0
    warmup_max_pixels: int = APP_MAX_PIXELS  # the app's image budget (--max-pixels): warm what it sends
    warmup_video: bool = True  # a short clip beside the photo requests of the warm-up
    poll_s: float = 0.25  # process checks; a crash is noticed within about this
    health_every_s: float = 1.0
    health_timeout_s: float = 1.0  # short: the watcher also checks the processes between probes
    unhealthy_after: int = 10  # consecutive failed /health probes while serving
    ring_lines: int = 2000
    tail_lines: int = 40
    gpu_release_timeout_s: float = 30.0
    vllm_program: str = ""  # the `vllm` to start vLLM plans with ("": backend.engines.vllm_program finds one)
