"""vLLM's start-up lines and failures, as data for the registries in log_patterns.py.

vLLM 0.34 (V1 engine, `vllm serve`) logs "(EngineCore_DP0 pid=123) INFO 12-07 20:00:01 [gpu_worker.py:796] ..."
(vllm/logger.py _FORMAT; tqdm bars go to stderr without the prefix). The lines read here, in start-up order:
  v1/worker/gpu/model_runner.py:412     "Loading model from scratch..."  (before 0.2x: "Starting to load model M...")
  model_loader/weight_utils.py:1140     "Loading safetensors checkpoint shards:  40% Completed | 2/5 [..]"
  model_loader/default_loader.py:544    "Loading weights took 5.43 seconds"
  v1/worker/gpu/model_runner.py:442     "Model loading took 15.6 GiB memory and 31.6 seconds"
  compilation/monitor.py:40,62          "Starting torch.compile", "torch.compile took 10.70 s in total" ("takes": older)
  compilation/backends.py:1168          "Dynamo bytecode transform time: 3.54 s"
  v1/worker/gpu_worker.py:796           "Available KV cache memory: 53.67 GiB"
  v1/core/kv_cache_utils.py:1169        "GPU KV cache size: 439,616 tokens, Maximum concurrency for 32,768 tokens per
                                        request: 13.42x"  (two lines before 0.3x)
  v1/worker/gpu/cudagraph_utils.py:496  "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE):  50%|..."
  v1/worker/gpu/model_runner.py:1217    "Graph capturing finished in 5 secs, took 0.45 GiB"
  v1/engine/core.py:459                 "init engine (profile, create kv cache, warmup model) took 90.84 s"
  launchers/api_server/entry.py:139     "Starting vLLM server on http://0.0.0.0:8000"  ("Starting vLLM API server 0 on"
                                        before 0.3x), then uvicorn's "Application startup complete."
vLLM compiles the model in its first forward pass, the memory-profiling run that sizes the KV cache: the compile
lines count as the start of the KV-cache phase.
"""

from __future__ import annotations

from backend.engine.status import FailureKind, Phase

# (phase, pattern, fraction within the phase; None: group 1 is a percentage). vLLM 0.34 also captures CUDA graphs
# once while it sizes the KV cache (gpu_worker.py:746, VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS) with the same
# progress bars: CAPTURE_BARS count only once the KV cache size is known.
CAPTURE_BARS = r"Capturing (?:\w+ )?CUDA graph(?:s| shapes)(?: \([^)]*\))?:\s+(\d+)%"
VLLM_PHASES: tuple[tuple[Phase, str, float | None], ...] = (
    (Phase.LOADING_WEIGHTS, r"Loading model from scratch|Starting to load model", 0.0),
    (Phase.LOADING_WEIGHTS, r"Loading weights took [\d.]+ s", 0.95),
    (Phase.LOADING_WEIGHTS, r"Model loading took [\d.]+ ?GiB", 1.0),
    (Phase.KV_CACHE, r"Starting torch\.compile|Dynamo bytecode transform time", 0.1),
    (Phase.KV_CACHE, r"torch\.compile (?:took|takes) [\d.]+ s in total", 0.4),
    (Phase.KV_CACHE, r"Available KV cache memory: [\d.]+ GiB", 0.6),
    (Phase.KV_CACHE, r"\bKV cache size: [\d,]+ tokens", 1.0),
    (Phase.CUDA_GRAPHS, CAPTURE_BARS, None),
    (Phase.CUDA_GRAPHS, r"Graph capturing finished in", 1.0),
    (Phase.WARMING_UP, r"init engine \(profile, create kv cache, warmup model\) took", 0.05),
    (Phase.WARMING_UP, r"Starting vLLM (?:API )?server (?:\d+ )?on ", 0.1),
)

# "GPU KV cache size: 439,616 tokens" (the pool vLLM sized; "GPU + host" with a host tier)
VLLM_KV_TOKENS = r"KV cache size: ([\d,]+) tokens"


def _kv_too_small(match_groups: dict[str, str | None]) -> str:
    estimated = match_groups.get("estimated")
    if estimated:
        return (f"vLLM estimates the KV cache holds a context of about {int(estimated):,} tokens: lower the context "
                f"length to {int(estimated)} or less (--max-model-len), raise --gpu-memory-utilization, or use more "
                "GPUs (tensor parallel).")
    return ("Lower the context length (--max-model-len), raise --gpu-memory-utilization, or use more GPUs "
            "(tensor parallel).")


# With less than this free, no Qwen-VL plan fits (the smallest, 3B AWQ, needs ~3 GiB of weights plus its KV cache
# and activations), so lowering --gpu-memory-utilization is not offered: an H100 with another engine on it had
# 3.56 of 79.18 GiB free (2026-12-08).
TOO_LITTLE_FREE_GIB = 4.0


def _memory_taken(match_groups: dict[str, str | None]) -> str:
    free, total = match_groups.get("free"), match_groups.get("total")
    advice = "Stop what holds the GPU (nvidia-smi lists it; often an earlier engine that did not exit)"
    if free and total and float(total) > 0:
        share = int(float(free) / float(total) * 100 - 2) / 100  # a little under what is free
        if float(free) < TOO_LITTLE_FREE_GIB or share <= 0:
            return f"{advice}: only {free} of {total} GiB is free, too little for a model."
        return f"{advice}, or lower --gpu-memory-utilization to {share:.2f} or less ({free} of {total} GiB free)."
    return f"{advice}, or lower --gpu-memory-utilization."


def _too_long(match_groups: dict[str, str | None]) -> str:
    return (f"Use a context length of {match_groups.get('derived')} tokens or less (--max-model-len); the model's "
            "config.json allows no more.")


# (kind, pattern, summary, suggestion: text, or a function of the pattern's named groups). Checked before the
# general rules: a vLLM traceback also names the generic wrapper errors around its root cause.
VLLM_FAILURES: tuple[tuple[FailureKind, str, str, object], ...] = (
    (FailureKind.KV_CACHE_TOO_SMALL,
     r"To serve at least one request with the models?'s max seq len \((?P<wanted>\d+)\)"
     r"(?:.*?estimated maximum model length is (?P<estimated>\d+))?",
     "The KV cache left after the weights is too small for one request of the plan's full context length.",
     _kv_too_small),
    (FailureKind.KV_CACHE_TOO_SMALL,  # the V0 engine's wording (vLLM < 0.10)
     r"max seq len \((?P<wanted>\d+)\) is larger than the maximum number of tokens that can be stored in KV cache "
     r"\((?P<estimated>\d+)\)",
     "The KV cache left after the weights is too small for one request of the plan's full context length.",
     _kv_too_small),
    (FailureKind.KV_CACHE_TOO_SMALL,
     r"No available memory for the cache blocks",
     "Nothing was left for the KV cache after the weights and activations.",
     "Raise --gpu-memory-utilization, use more GPUs (tensor parallel), or a smaller or quantized model."),
    (FailureKind.GPU_MEMORY_TAKEN,
     r"Free memory on device(?: \S+)? \((?P<free>[\d.]+)/(?P<total>[\d.]+) GiB\) on startup is less than",
     "Other programs hold GPU memory: less is free than the plan's share (--gpu-memory-utilization).",
     _memory_taken),
    (FailureKind.UNSUPPORTED_MODEL,
     r"Model architectures? \[?[^\]]*\]? (?:are|is) not supported|is not supported in-tree anymore",
     "This vLLM does not support the model's architecture.",
     "Upgrade vLLM (pip install -U vllm), or serve the model with SGLang."),
    (FailureKind.INVALID_ARGUMENT,
     r"User-specified max_model_len \(\d+\) is greater than the derived max_model_len \(\w+=(?P<derived>\d+)",
     "The context length is longer than the model supports.",
     _too_long),
    (FailureKind.INVALID_ARGUMENT,
     r"Invalid `--allowed-local-media-path`",
     "The folder given to --allowed-local-media-path does not exist or is not a folder.",
     "Give an existing folder (the app's upload folder), or leave the flag out."),
)

# Checked after every other rule: pydantic's check of vLLM's config (EngineArgs -> *Config) names the bad setting.
VLLM_CONFIG_ERROR = (
    FailureKind.INVALID_ARGUMENT, r"\bValue error, |validation errors? for \w*Config\b",
    "vLLM rejected a setting (its configuration check failed).",
    "The line below says which setting; check the plan's flags and the extra arguments.",
)

# vLLM's API process reports a dead engine core with this line; the cause is the engine core's traceback above it.
ENGINE_INIT_FAILED = r"Engine core initialization failed|EngineCore failed to start"
EXCEPTION_LINE = r"\b(?:[A-Z]\w*(?:Error|Exception)|AssertionError)(?:\(\w*\))?: \S"
