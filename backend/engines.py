"""The inference engines the app plans for and talks to, as objects: what each exports as load gauges, how it
takes a video, how its /v1/models names itself, which program starts it.

SGLang and vLLM speak the same OpenAI chat API; these are the differences the app acts on (vLLM 0.34.0's source:
vllm/v1/metrics/loggers.py for the gauges; vllm/multimodal/video.py for its video loaders: the generic one takes 32
frames of any video, the Qwen2-VL / Qwen3-VL ones sample at 2 fps like SGLang; the chat request's
`media_io_kwargs` sets either)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

# The most images and videos one request carries (seed 000 serves with --limit-mm-per-prompt image=5,video=5):
# vLLM plans pass it to the engine, the app's MediaPolicy holds every request to it.
MEDIA_PER_REQUEST: dict[str, int] = {"image": 5, "video": 5}


@dataclass(frozen=True)
class LoadGauges:
    """Prometheus series of an engine's /metrics: running and queued requests, KV-cache use (0..1), and decode
    speed as a gauge (SGLang) or as a counter of generated tokens to take a rate of (vLLM)."""

    running: str
    queued: str
    kv_use: str
    decode_speed: str = ""
    generated_total: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every series read."""
        return tuple(name for name in (self.running, self.queued, self.kv_use, self.decode_speed,
                                       self.generated_total) if name)


@dataclass(frozen=True)
class Engine:
    """One inference engine."""

    name: str  # as plans and the command line name it
    label: str  # as people read it
    gauges: LoadGauges
    owned_by: str  # the owned_by of its /v1/models cards
    # the original file may go to an engine on this host: its own sampling of a short video equals the app's
    reads_original_videos: bool
    # request fields that make it take every frame of the app's clip, which are already the ones to send
    video_request_fields: dict[str, object] = field(default_factory=dict)

    def request_fields(self, has_video: bool) -> dict[str, object]:
        """Extra chat-request fields for a request that carries (or not) a video."""
        return dict(self.video_request_fields) if has_video else {}


SGLANG = Engine("sglang", "SGLang",
                LoadGauges("sglang:num_running_reqs", "sglang:num_queue_reqs", "sglang:token_usage",
                           decode_speed="sglang:gen_throughput"),
                owned_by="sglang", reads_original_videos=True)
VLLM = Engine("vllm", "vLLM",
              LoadGauges("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                         generated_total="vllm:generation_tokens_total"),
              owned_by="vllm", reads_original_videos=False,
              # every frame (num_frames -1) for the generic loader; at most 30 a second for the Qwen loaders, whose
              # 2 fps default keeps a clip of at most 2 frames a second whole too (vLLM 0.34), but not on releases
              # that read Qwen videos with the generic loader
              video_request_fields={"media_io_kwargs": {"video": {"num_frames": -1, "fps": 30}}})
ENGINES: dict[str, Engine] = {engine.name: engine for engine in (SGLANG, VLLM)}
ENGINE_NAMES: tuple[str, ...] = tuple(ENGINES)


def get_engine(name: str) -> Engine:
    """The engine of that name (SGLang for an unknown one: the app's default)."""
    return ENGINES.get(name, SGLANG)


def engine_for_owner(owned_by: str) -> Engine | None:
    """The engine whose /v1/models cards say owned_by, or None (another server)."""
    return next((engine for engine in ENGINES.values() if engine.owned_by == owned_by), None)


VLLM_PROGRAM_VARIABLE = "QWEN_STUDIO_VLLM"


def vllm_program(configured: str = "") -> str | None:
    """The `vllm` program to start: the one configured (--vllm or $QWEN_STUDIO_VLLM), else the one beside this
    Python (same environment), else the first on PATH; None when there is none. vLLM and SGLang pin different
    openai and torch releases, so vLLM often lives in an environment of its own."""
    for candidate in (configured, os.environ.get(VLLM_PROGRAM_VARIABLE, "")):
        if candidate:
            return candidate
    beside = Path(sys.executable).with_name("vllm")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("vllm")
