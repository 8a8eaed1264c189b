"""The stand-in engine's start-up: SGLang's loading log lines, paced over --load-seconds, and scripted failures.

The lines copy what sglang 0.5.x prints (logger format "[%(asctime)s TP0] %(message)s"): model_runner
"Load weight begin/end", the tqdm bar "Loading safetensors checkpoint shards: ..% Completed | n/N [..]",
memory_pool "KV Cache is allocated", "Memory pool end", cuda_graph_setup "Capture decode CUDA graph
begin/end" with the "Capturing batches (bs=.. avail_mem=..)" bar, uvicorn's start-up lines and
http_server "The server is fired up and ready to roll!".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

SHARDS = 5
GRAPH_BATCHES = (1, 2, 4, 8, 16, 24, 32)
FAILURES = ("oom", "port", "argument", "nogpu", "notfound", "gated", "offline")


def _stamp(prefix: str = " TP0") -> str:
    return f"[{time.strftime('%Y-%m-%d %H:%M:%S')}{prefix}]"


def _log(stream: TextIO, message: str, prefix: str = " TP0") -> None:
    stream.write(f"{_stamp(prefix)} {message}\n")
    stream.flush()


def _bar(stream: TextIO, description: str, done: int, total: int) -> None:
    percent = 100 * done // total
    stream.write(f"\r{description}: {percent:3d}% Completed | {done}/{total} [00:00<00:00, 9.99it/s]")
    if done == total:
        stream.write("\n")
    stream.flush()


def failure_lines(kind: str, host: str, port: int, model: str) -> tuple[list[str], int]:
    """The lines SGLang (or the library under it) prints for a failed start, and the exit status."""
    if kind == "argument":
        return ([
            "usage: launch_server.py [-h] --model-path MODEL_PATH [--tp-size TP_SIZE] ...",
            "launch_server.py: error: argument --tp-size: invalid int value: 'two'",
        ], 2)
    if kind == "port":
        return ([
            f"{_stamp('')} ERROR:    [Errno 98] error while attempting to bind on address ('{host}', {port}): "
            "address already in use",
        ], 1)
    if kind == "oom":
        return ([
            "Traceback (most recent call last):",
            '  File "sglang/srt/model_executor/model_runner.py", line 906, in load_model',
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.02 GiB. GPU 0 has a total capacity of "
            "79.19 GiB of which 512.00 MiB is free. Including non-PyTorch memory, this process has 78.66 GiB "
            "memory in use.",
        ], 1)
    if kind == "nogpu":
        return (["Traceback (most recent call last):", "RuntimeError: No CUDA GPUs are available"], 1)
    if kind == "notfound":
        return ([
            "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-standin)",
            f"Repository Not Found for url: https://huggingface.co/api/models/{model}/revision/main.",
        ], 1)
    if kind == "gated":
        return ([
            "huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-standin)",
            f"Cannot access gated repo for url https://huggingface.co/{model}/resolve/main/config.json.",
        ], 1)
    return ([
        "huggingface_hub.errors.LocalEntryNotFoundError: Cannot find an appropriate cached snapshot folder for the "
        "specified revision on the local disk and outgoing traffic has been disabled. To enable repo look-ups and "
        "downloads online, pass 'local_files_only=False' as input.",
    ], 1)


def run_boot(load_seconds: float, model: str, served_model_name: str, host: str, port: int, context_length: int,
             api_key: str | None, fail_at_start: str | None, on_ready: Callable[[], None],
             out: TextIO = sys.stdout, err: TextIO = sys.stderr, on_serving: Callable[[], None] = lambda: None,
             own_warmup_s: float | None = None) -> int | None:
    """Print the loading lines over load_seconds; return an exit status for a scripted failure, else None.
    on_serving: the HTTP API takes requests (SGLang's uvicorn is up); own_warmup_s later, on_ready: /health says
    200, as SGLang says only once its own warm-up request has answered."""
    step = max(load_seconds, 0.0) / (SHARDS + len(GRAPH_BATCHES) + 6)
    # Like SGLang, print every server argument, the API key included.
    _log(out, f"server_args=ServerArgs(model_path='{model}', served_model_name='{served_model_name}', host='{host}', "
              f"port={port}, api_key={api_key!r}, context_length={context_length}, tp_size=1)", prefix="")
    if fail_at_start in ("argument", "nogpu", "notfound", "gated", "offline"):
        lines, status = failure_lines(fail_at_start, host, port, model)
        for line in lines:
            err.write(line + "\n")
        err.flush()
        return status
    _log(out, "Init torch distributed begin.")
    time.sleep(step)
    _log(out, "Load weight begin. avail mem=78.52 GB")
    if fail_at_start == "oom":
        lines, status = failure_lines("oom", host, port, model)
        err.write("\n".join(lines) + "\n")
        err.flush()
        return status
    for shard in range(SHARDS + 1):
        _bar(err, "Loading safetensors checkpoint shards", shard, SHARDS)
        time.sleep(step)
    _log(out, "Load weight end. elapsed=1.23 s, type=Qwen2_5_VLForConditionalGeneration, avail mem=62.71 GB, "
              "mem usage=15.81 GB.")
    _log(out, "KV Cache is allocated. dtype: torch.bfloat16, #tokens: 1012345, K size: 27.03 GB, V size: 27.03 GB")
    _log(out, "Memory pool end. avail mem=7.60 GB")
    time.sleep(step)
    _log(out, "Capture decode CUDA graph begin. backend=triton, num_tokens_per_req=1, avail mem=7.12 GB")
    for index, batch in enumerate(GRAPH_BATCHES, start=1):
        percent = 100 * index // len(GRAPH_BATCHES)
        err.write(f"\rCapturing batches (bs={batch} avail_mem=6.90 GB): {percent:3d}%|{'#' * (percent // 10):<10}| "
                  f"{index}/{len(GRAPH_BATCHES)} [00:00<00:00, 9.99it/s]")
        err.flush()
        time.sleep(step)
    err.write("\n")
    _log(out, "Capture decode CUDA graph end. bs=[1, 2, 4, 8, 16, 24, 32], elapsed=0.52 s, mem usage=0.41 GB, "
              "avail mem=6.49 GB.")
    _log(out, f"max_total_num_tokens=1012345, chunked_prefill_size=8192, max_prefill_tokens=16384, "
              f"max_running_requests=2048, context_len={context_length}, available_gpu_mem=6.49 GB")
    if fail_at_start == "port":
        out.write("\n".join(failure_lines("port", host, port, model)[0]) + "\n")
        out.flush()
        return 1
    out.write("INFO:     Started server process\nINFO:     Waiting for application startup.\n"
              "INFO:     Application startup complete.\n"
              f"INFO:     Uvicorn running on http://{host}:{port} (Press CTRL+C to quit)\n")
    out.flush()
    on_serving()
    time.sleep(step if own_warmup_s is None else own_warmup_s)
    _log(out, "Prefill batch, #new-seq: 1, #new-token: 70, #cached-token: 0, token usage: 0.00, #running-req: 0",
         prefix="")
    on_ready()
    _log(out, "The server is fired up and ready to roll!", prefix="")
    return None
