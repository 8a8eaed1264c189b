"""Reading vLLM's output: its start-up phases (V1 engine, `vllm serve`) and its failures in plain words."""

from __future__ import annotations

import pytest

from backend.engine.log_patterns import PhaseTracker, classify_failure, kv_cache_tokens, parse_phase_line
from backend.engine.status import Phase

# A Qwen-VL start under vLLM 0.11-0.2x, trimmed; tqdm bars without their "\r".
VLLM_START = [
    # github.com/gpustack/gpustack/issues/2967 (vLLM 0.11.0): the API process starts first
    "(APIServer pid=2436) INFO 11-02 23:54:17 [api_server.py:1839] vLLM API server version 0.11.0",
    # github.com/vllm-project/vllm/issues/38820 (a video-capable Qwen VL model, TP worker prefix)
    "Loading safetensors checkpoint shards:  56% Completed | 5/9 [00:13<00:11,  2.87s/it]",
    "Loading safetensors checkpoint shards: 100% Completed | 9/9 [00:29<00:00,  3.32s/it]",
    "(Worker_TP0 pid=34322) INFO 05-06 20:59:57 [default_loader.py:384] Loading weights took 24.84 seconds",
    "(Worker_TP0 pid=34322) INFO 05-06 20:59:59 [gpu_model_runner.py:4879] Model loading took 12.66 GiB memory and "
    "31.657031 seconds",
    "(Worker_TP0 pid=34322) INFO 05-06 21:00:16 [backends.py:1128] Dynamo bytecode transform time: 3.54 s",
    # github.com/zai-org/GLM-V/issues/204 (GLM-4.5V on vLLM 0.11)
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:11:56 [monitor.py:34] torch.compile takes 7.14 s in total",
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:11:57 [gpu_worker.py:298] Available KV cache memory: 16.23 GiB",
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:11:57 [kv_cache_utils.py:1087] GPU KV cache size: 425,424 tokens",
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:11:57 [kv_cache_utils.py:1091] Maximum concurrency for 65,536 tokens "
    "per request: 6.49x",
    "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE):  46%|████▌     | 31/67 [00:02<00:02, 15.18it/s]",
    "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE): 100%|██████████| 67/67 [00:04<00:00, 15.18it/s]",
    "Capturing CUDA graphs (decode, FULL): 100%|██████████| 35/35 [00:01<00:00, 17.82it/s]",
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:12:04 [gpu_model_runner.py:3480] Graph capturing finished in 7 secs, "
    "took 0.95 GiB",
    "(EngineCore_DP0 pid=188893) INFO 10-21 09:12:04 [core.py:210] init engine (profile, create kv cache, warmup "
    "model) took 25.99 seconds",
    # github.com/run-ai/runai-model-streamer/issues/67
    "INFO 06-02 11:03:56 [api_server.py:1336] Starting vLLM API server on http://0.0.0.0:8000",
    "INFO 06-02 11:03:56 [launcher.py:28] Available routes are:",
    # uvicorn's own line once it serves the socket vLLM bound earlier
    "INFO:     Application startup complete.",
]


def test_a_real_vllm_start_walks_the_phases_in_order() -> None:
    tracker = PhaseTracker()
    seen = [update.phase for line in VLLM_START if (update := tracker.feed(line)) is not None]
    assert list(dict.fromkeys(seen)) == [Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.WARMING_UP]


def test_progress_grows_through_a_vllm_start() -> None:
    tracker = PhaseTracker()
    progress = []
    for line in VLLM_START:
        tracker.feed(line)
        progress.append(tracker.progress)
    assert progress == sorted(progress) and 0 < progress[-1] < 1


@pytest.mark.parametrize(
    ("line", "phase", "fraction"),
    [
        # github.com/pytorch/serve/pull/3343 (vLLM 0.6's wording)
        ("INFO 10-07 22:54:57 model_runner.py:1014] Starting to load model meta-llama/Llama-3.2-3B-Instruct...",
         Phase.LOADING_WEIGHTS, 0.0),
        # vllm 0.34 v1/worker/gpu/model_runner.py:412
        ("(EngineCore pid=9) INFO 12-07 20:00:01 [model_runner.py:412] Loading model from scratch...",
         Phase.LOADING_WEIGHTS, 0.0),
        ("(EngineCore pid=9) INFO 12-07 20:00:30 [model_runner.py:442] Model loading took 15.6 GiB memory and "
         "29.1 seconds", Phase.LOADING_WEIGHTS, 1.0),
        # vllm 0.34 compilation/monitor.py:20 says "took" (0.1x-0.2x said "takes")
        ("(EngineCore pid=9) INFO 12-07 20:00:45 [monitor.py:62] torch.compile took 10.70 s in total",
         Phase.KV_CACHE, 0.4),
        # vllm 0.34 v1/core/kv_cache_utils.py:1169: one line for size and concurrency
        ("(EngineCore pid=9) INFO 12-07 20:00:47 [kv_cache_utils.py:1169] GPU KV cache size: 1,012,345 tokens, "
         "Maximum concurrency for 32,768 tokens per request: 30.89x", Phase.KV_CACHE, 1.0),
        # github.com/aivrar/vllm-windows-build/issues/17
        ("Capturing CUDA graphs (FULL): 100%|██████████| 1/1 [00:00<00:00,  4.98it/s]", Phase.CUDA_GRAPHS, 1.0),
        # github.com/vllm-project/vllm/issues/14452 (the 0.8 bar's name)
        ("Capturing CUDA graph shapes:  69%|█████▉  | 46/67", Phase.CUDA_GRAPHS, 0.69),
        # vllm 0.34 entrypoints/launchers/api_server/entry.py:139
        ("(APIServer pid=1) INFO 12-07 20:01:02 [entry.py:139] Starting vLLM server on http://127.0.0.1:8000",
         Phase.WARMING_UP, 0.1),
    ],
)
def test_vllm_lines_become_phases(line: str, phase: Phase, fraction: float) -> None:
    update = parse_phase_line(line)
    assert update is not None and (update.phase, update.fraction) == (phase, fraction)


def test_the_capture_that_sizes_the_kv_cache_does_not_skip_the_kv_phase() -> None:
    # vLLM 0.34 captures CUDA graphs once while it profiles memory (gpu_worker.py:746), with the same bars
    def line(text: str) -> str:
        return next(entry for entry in VLLM_START if text in entry)

    bar = line("Capturing CUDA graphs (decode, FULL)")
    tracker = PhaseTracker()
    tracker.feed(line("torch.compile takes"))
    assert tracker.feed(bar) is None and tracker.phase is Phase.KV_CACHE  # the profiling capture
    assert tracker.feed(line("Available KV cache memory")).fraction == 0.6
    tracker.feed(line("GPU KV cache size"))
    assert (tracker.phase, tracker.fraction) == (Phase.KV_CACHE, 1.0)
    assert tracker.feed(bar).phase is Phase.CUDA_GRAPHS  # the real capture, once the pool is sized


def test_the_kv_token_count_is_read_from_either_engine() -> None:
    assert kv_cache_tokens(VLLM_START) == 425424
    assert kv_cache_tokens(["[..] KV Cache is allocated. dtype: torch.bfloat16, #tokens: 1012345, K size: 27 GB"]) \
        == 1012345
    assert kv_cache_tokens(["nothing here"]) is None


# What the API process prints after the engine core dies (github.com/vllm-project/vllm/issues/44411)
ENGINE_CORE_FAILED = "(APIServer pid=395085) RuntimeError: Engine core initialization failed. See root cause above. " \
                     "Failed core proc(s): {}"
# github.com/xorbitsai/inference/issues/4926 (Qwen3-VL, vLLM 0.11)
KV_TOO_SMALL = (
    "(EngineCore_DP0 pid=494) ValueError: To serve at least one request with the models's max seq len (262144), "
    "(36.0 GiB KV cache is needed, which is larger than the available KV cache memory (6.94 GiB). Based on the "
    "available memory, the estimated maximum model length is 50512. Try increasing `gpu_memory_utilization` or "
    "decreasing `max_model_len` when initializing the engine. See "
    "https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details."
)


def _tail(root_cause: str) -> list[str]:
    return [
        "(EngineCore_DP0 pid=494) ERROR 05-20 00:55:14 [core.py:708] EngineCore failed to start.",
        "(EngineCore_DP0 pid=494) Traceback (most recent call last):",
        '(EngineCore_DP0 pid=494)   File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/core.py", line 699',
        root_cause,
        "(APIServer pid=395085) Traceback (most recent call last):",
        ENGINE_CORE_FAILED,
    ]


def test_a_kv_cache_too_small_for_the_context_suggests_the_length_vllm_estimated() -> None:
    cause = classify_failure(_tail(KV_TOO_SMALL), 1, engine="vllm")
    assert cause.kind == "kv_cache_too_small"
    assert cause.evidence == KV_TOO_SMALL
    assert "50512" in cause.suggestion and "--max-model-len" in cause.suggestion


def test_the_v0_engines_kv_cache_wording_is_read_too() -> None:
    # github.com/gpustack/gpustack/issues/1800 (Qwen2.5-VL-7B on a 24 GB 3090)
    line = ("ERROR 04-17 15:10:09 [engine.py:448] ValueError: The model's max seq len (8192) is larger than the "
            "maximum number of tokens that can be stored in KV cache (2400). Try increasing `gpu_memory_utilization` "
            "or decreasing `max_model_len` when initializing the engine.")
    cause = classify_failure([line], 1, engine="vllm")
    assert cause.kind == "kv_cache_too_small" and "2400" in cause.suggestion


@pytest.mark.parametrize(
    ("line", "kind", "hint"),
    [
        # github.com/intel/llm-scaler/issues/616
        ("(EngineCore pid=548) ValueError: No available memory for the cache blocks. Try increasing "
         "`gpu_memory_utilization` when initializing the engine.", "kv_cache_too_small", "--gpu-memory-utilization"),
        # github.com/vllm-project/vllm/issues/25837
        ("(EngineCore_DP0 pid=17374) ERROR 09-28 15:47:24 [core.py:718] ValueError: Free memory on device (3.22/4.0 "
         "GiB) on startup is less than desired GPU memory utilization (0.9, 3.6 GiB). Decrease GPU memory "
         "utilization or reduce GPU memory used by other processes.", "gpu_memory_taken", "too little for a model"),
        # github.com/vllm-project/vllm-omni/pull/1842 (the device named, as vLLM 0.34 v1/worker/utils.py:790 does)
        ("(Worker pid=2291010) ERROR 03-12 08:22:28 [multiproc_executor.py:800] ValueError: Free memory on device "
         "cuda:0 (111.99/139.8 GiB) on startup is less than desired GPU memory utilization (0.95, 132.81 GiB). "
         "Decrease GPU memory utilization or reduce GPU memory used by other processes.", "gpu_memory_taken", "0.78"),
        # github.com/vllm-project/vllm/issues/24967
        ("(EngineCore_DP0 pid=3649085) ERROR 09-17 06:49:42 [core.py:718] ValueError: Model architectures "
         "['EagleQwen2ForCausalLM'] are not supported for now. Supported architectures: "
         "dict_keys(['ApertusForCausalLM'",
         "unsupported_model", "Upgrade vLLM"),
        # vllm 0.34 config/model.py:2708
        ("  Value error, User-specified max_model_len (262144) is greater than the derived max_model_len "
         "(max_position_embeddings=128000 or model_max_length=None in model's config.json). To allow overriding this "
         "maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1.", "invalid_argument", "128000"),
        # vllm 0.34 config/model.py:1487, inside pydantic's ValidationError for ModelConfig
        ("  Value error, Unknown quantization method: awqq. Must be one of ['awq', 'fp8', 'gptq'].",
         "invalid_argument", "setting"),
        # argparse through vllm 0.34 utils/argparse_utils.py FlexibleArgumentParser (prog "vllm serve")
        ("vllm serve: error: unrecognized arguments: --context-length 32768", "invalid_argument", "argument"),
        # vllm 0.34 entrypoints/launchers/launcher.py:354 binds before the engine starts
        ("(APIServer pid=1) OSError: [Errno 98] Address already in use", "port_in_use", "port"),
    ],
)
def test_vllm_failures_are_named(line: str, kind: str, hint: str) -> None:
    cause = classify_failure(_tail(line), 1, engine="vllm")
    assert cause.kind == kind
    assert cause.evidence == line.strip() and hint in cause.suggestion


def test_a_gpu_held_by_another_engine_is_not_answered_with_a_lower_memory_share() -> None:
    # H100, 2026-12-08: a second vLLM 0.26.0 started beside a running one (v1/worker/utils.py request_memory)
    line = ("(EngineCore pid=4101) ValueError: Free memory on device cuda:0 (3.56/79.18 GiB) on startup is less than "
            "desired GPU memory utilization (0.9, 71.26 GiB). Decrease GPU memory utilization or reduce GPU memory "
            "used by other processes.")
    cause = classify_failure(_tail(line), 1, engine="vllm")
    assert cause.kind == "gpu_memory_taken"
    assert "--gpu-memory-utilization" not in cause.suggestion
    assert "only 3.56 of 79.18 GiB is free" in cause.suggestion and "nvidia-smi" in cause.suggestion


def test_the_root_cause_wins_over_the_engine_core_line() -> None:
    line = "(EngineCore_DP0 pid=7) torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB."
    assert classify_failure(_tail(line), 1, engine="vllm").kind == "oom"


def test_an_unnamed_engine_core_failure_shows_its_root_cause() -> None:
    root = "(EngineCore_DP0 pid=7) KeyError: 'visual.blocks.0.attn.qkv.weight'"
    cause = classify_failure([*_tail(root), "(APIServer pid=395085) sys.exit(main())"], 1, engine="vllm")
    assert cause.kind == "engine_init_failed"
    assert cause.evidence == root


def test_sglang_lines_are_not_read_as_vllm_phases() -> None:
    update = parse_phase_line("Capturing batches (bs=160 avail_mem=6.95 GB):  50%|█████     | 18/36")
    assert update is not None and update.phase == Phase.CUDA_GRAPHS and update.fraction == 0.5
    assert parse_phase_line("[2026-01-05 10:00:12 TP0] Memory pool end. avail mem=7.60 GB").phase == Phase.KV_CACHE


def test_sglangs_own_unsupported_architecture_line_is_not_told_as_vllms():
    # sglang/srt/models/registry.py: "Model architectures [...] are not supported for now"
    line = "ValueError: Model architectures ['FooForCausalLM'] are not supported for now. Supported architectures: ..."
    cause = classify_failure(["Load weight begin.", line], 1)
    assert "vLLM" not in cause.summary and "vLLM" not in cause.suggestion
    assert classify_failure(["Load weight begin.", line], 1, engine="vllm").kind == "unsupported_model"


def test_a_pydantic_value_error_while_serving_is_not_a_vllm_setting():
    line = "pydantic_core._pydantic_core.ValidationError: 1 validation error for ChatRequest: Value error, bad image"
    assert classify_failure([line], None, while_serving=True, engine="vllm").kind == "crashed"
