"""The stand-in's start-up as vLLM 0.34 prints it (`vllm serve`, V1 engine), paced over --load-seconds, and its
scripted failures.

Logger format (vllm/logger.py _FORMAT): "(EngineCore_DP0 pid=123) INFO 12-07 20:00:01 [gpu_worker.py:796] ...";
the API server process is "APIServer", the engine core "EngineCore" ("EngineCore_DP<n>" with data parallelism).
The messages and the file:line they carry are vLLM 0.34.0's (see backend/engine/vllm_log.py for the list).
tqdm bars go to stderr without the prefix. uvicorn's lines come last, once the API server serves its socket.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

VLLM_VERSION = "0.34.0"
SHARDS = 5
GRAPH_BATCHES = 12
KV_CACHE_TOKENS = 1_012_345
VLLM_ONLY_FAILURES = ("kvcache", "busygpu", "arch")


def _log(stream: TextIO, process: str, where: str, message: str, level: str = "INFO") -> None:
    stream.write(f"({process} pid={os.getpid()}) {level} {time.strftime('%m-%d %H:%M:%S')} [{where}] {message}\n")
    stream.flush()


def _bar(stream: TextIO, description: str, done: int, total: int, completed: bool = False) -> None:
    percent = 100 * done // total
    middle = " Completed | " if completed else f"|{'█' * (percent // 10):<10}| "
    stream.write(f"\r{description}: {percent:3d}%{middle}{done}/{total} [00:00<00:00, 9.99it/s]")
    if done == total:
        stream.write("\n")
    stream.flush()


def argument_error(message: str) -> tuple[list[str], int]:
    """What FlexibleArgumentParser.error prints for `vllm serve` (argparse: usage, then "prog: error: ...")."""
    return (["usage: vllm serve [model_tag] [options]", f"vllm serve: error: {message}"], 2)


def port_error(host: str, port: int, errno: int = 98) -> list[str]:
    """setup_server binds the socket before the engine starts (launcher.py:380): the bind's OSError ends it."""
    return ["(APIServer pid={pid}) Traceback (most recent call last):".format(pid=os.getpid()),
            f'(APIServer pid={os.getpid()})   File "vllm/entrypoints/launchers/launcher.py", line 354, in '
            "create_server_socket",
            f"(APIServer pid={os.getpid()}) OSError: [Errno {errno}] Address already in use"]


def _engine_core_error(kind: str, context_length: int, utilization: float) -> list[str]:
    """The root cause the engine core raises for a scripted failure."""
    if kind == "oom":
        return ["torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.02 GiB. GPU 0 has a total capacity "
                "of 79.19 GiB of which 512.00 MiB is free."]
    if kind == "nogpu":
        return ["RuntimeError: No CUDA GPUs are available"]
    if kind == "kvcache":  # v1/core/kv_cache_planning.py:125
        estimated = max(1024, context_length // 4)
        return [f"ValueError: To serve at least one request with the model's max seq len ({context_length}), "
                f"({context_length * 36 / 262144:.2f} GiB KV cache is needed, which is larger than the available KV "
                f"cache memory (6.94 GiB). Based on the available memory, the estimated maximum model length is "
                f"{estimated}. Try increasing `gpu_memory_utilization` when initializing the engine. Decreasing "
                "`max_model_len` also reduces what is needed. See "
                "https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details."]
    if kind == "busygpu":  # v1/worker/utils.py:790
        wanted = 79.19 * utilization
        return [f"ValueError: Free memory on device cuda:0 (31.44/79.19 GiB) on startup is less than desired GPU "
                f"memory utilization ({utilization}, {wanted:.2f} GiB). Decrease GPU memory utilization or reduce "
                "GPU memory used by other processes."]
    return ["ValueError: Model architectures ['Qwen9VLForConditionalGeneration'] are not supported for now. "
            "Supported architectures: dict_keys(['Qwen2_5_VLForConditionalGeneration', "
            "'Qwen3VLForConditionalGeneration'])"]


def _hub_error(kind: str, model: str) -> list[str]:
    """huggingface_hub's errors, as the API process meets them resolving the model's config."""
    if kind == "notfound":
        return ["huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-standin)",
                f"Repository Not Found for url: https://huggingface.co/api/models/{model}/revision/main."]
    if kind == "gated":
        return ["huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-standin)",
                f"Cannot access gated repo for url https://huggingface.co/{model}/resolve/main/config.json."]
    return ["huggingface_hub.errors.LocalEntryNotFoundError: Cannot find an appropriate cached snapshot folder for "
            "the specified revision on the local disk and outgoing traffic has been disabled."]


def _fail_engine_core(out: TextIO, core: str, kind: str, context_length: int, utilization: float) -> int:
    """v1/engine/core.py logs "EngineCore failed to start." with its traceback; the API process then raises
    "Engine core initialization failed" (v1/engine/utils.py:1478)."""
    _log(out, core, "core.py:1757", "EngineCore failed to start.", "ERROR")
    for line in ["Traceback (most recent call last):",
                 '  File "vllm/v1/engine/core.py", line 1700, in run_engine_core',
                 *_engine_core_error(kind, context_length, utilization)]:
        _log(out, core, "core.py:1757", line, "ERROR")
    out.write(f"(APIServer pid={os.getpid()}) RuntimeError: Engine core initialization failed. See root cause above. "
              "Failed core proc(s): {'EngineCore': 1}\n")
    out.flush()
    return 1


def run_vllm_boot(load_seconds: float, model: str, served_model_name: str, host: str, port: int,
                  context_length: int, utilization: float, data_parallel: int, non_default: dict[str, object],
                  fail_at_start: str | None, on_engine_ready: Callable[[], None],
                  out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int | None:
    """Print the engine's start-up over load_seconds; an exit status for a scripted failure, else None (the caller
    then starts serving and prints the API server's lines with api_server_lines)."""
    step = max(load_seconds, 0.0) / (SHARDS + GRAPH_BATCHES + 8)
    _log(out, "APIServer", "startup.py:38", f"vLLM server version {VLLM_VERSION}, serving model {model}")
    _log(out, "APIServer", "startup.py:96", f"non-default args: {non_default}")
    if fail_at_start in ("notfound", "gated", "offline"):
        for line in _hub_error(fail_at_start, model):
            out.write(f"(APIServer pid={os.getpid()}) {line}\n")
        out.flush()
        return 1
    core = "EngineCore_DP0" if data_parallel > 1 else "EngineCore"
    _log(out, core, "core.py:154", f"Initializing a V1 LLM engine (v{VLLM_VERSION}) with config: model='{model}', "
                                   f"max_seq_len={context_length}, served_model_name={served_model_name}")
    if fail_at_start in ("nogpu", "busygpu"):
        return _fail_engine_core(out, core, fail_at_start, context_length, utilization)
    time.sleep(step)
    _log(out, core, "model_runner.py:412", "Loading model from scratch...")
    if fail_at_start in ("oom", "arch"):
        return _fail_engine_core(out, core, fail_at_start, context_length, utilization)
    for shard in range(SHARDS + 1):
        _bar(err, "Loading safetensors checkpoint shards", shard, SHARDS, completed=True)
        time.sleep(step)
    _log(out, core, "default_loader.py:544", "Loading weights took 1.23 seconds")
    _log(out, core, "model_runner.py:442", "Model loading took 15.63 GiB memory and 2.345678 seconds")
    _log(out, core, "monitor.py:40", "Starting torch.compile")
    _log(out, core, "backends.py:1168", "Dynamo bytecode transform time: 3.54 s")
    time.sleep(step)
    _log(out, core, "monitor.py:62", "torch.compile took 10.70 s in total")
    _log(out, core, "gpu_worker.py:796", "Available KV cache memory: 53.67 GiB")
    if fail_at_start == "kvcache":
        return _fail_engine_core(out, core, fail_at_start, context_length, utilization)
    _log(out, core, "kv_cache_utils.py:1169", f"GPU KV cache size: {KV_CACHE_TOKENS:,} tokens, Maximum concurrency "
                                              f"for {context_length:,} tokens per request: "
                                              f"{KV_CACHE_TOKENS / context_length:.2f}x")
    for batch in range(GRAPH_BATCHES + 1):
        _bar(err, "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE)", batch, GRAPH_BATCHES)
        time.sleep(step)
    _log(out, core, "model_runner.py:1217", "Graph capturing finished in 5 secs, took 0.45 GiB")
    _log(out, core, "core.py:459", "init engine (profile, create kv cache, warmup model) took 12.34 s")
    on_engine_ready()
    return None


def api_server_lines(host: str, port: int, out: TextIO = sys.stdout) -> None:
    """The API server coming up (entry.py:139, launcher.py:188), then uvicorn on the socket bound at start."""
    _log(out, "APIServer", "entry.py:135", "Supported tasks: ['generate']")
    _log(out, "APIServer", "entry.py:139", f"Starting vLLM server on http://{host}:{port}")
    _log(out, "APIServer", "launcher.py:188", "Available routes are:")
    for route, methods in (("/health", "GET"), ("/metrics", "GET"), ("/version", "GET"), ("/v1/models", "GET"),
                           ("/v1/chat/completions", "POST")):
        _log(out, "APIServer", "launcher.py:197", f"Route: {route}, Methods: {methods}")
    out.write(f"INFO:     Started server process [{os.getpid()}]\nINFO:     Waiting for application startup.\n"
              "INFO:     Application startup complete.\n")
    out.flush()
