"""P5 and the run's header: launch-to-ready through the Supervisor vs a bare engine process to /health 200,
the first two requests after ready on each, and what GPU / engine / model / flags were measured."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from backend.endpoint import Endpoint
from backend.engine.gpu_release import wait_gpu_released
from backend.engine.probes import probe
from backend.engine.process_tree import terminate_tree
from backend.engine.supervisor import Supervisor
from backend.media.images import PreparedImage
from backend.plans.planner import LaunchPlan
from bench.clients import (
    BenchError,
    Sampling,
    TimedAnswer,
    app_answer,
    app_session,
    direct_answer,
    direct_client,
    direct_messages,
    user_message,
)
from bench.scenarios import nonce


@dataclass(frozen=True)
class LaunchTiming:
    """How long one launch took and what its first two requests cost."""

    to_health_s: float  # process start -> /health 200
    to_ready_s: float  # process start -> usable (the Supervisor adds its warm-up; bare: same as to_health_s)
    first: TimedAnswer
    second: TimedAnswer


def gpu_names() -> str:
    """The GPUs' product names (NVML, else nvidia-smi), or a plain 'none'."""
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            names = [pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(index))
                     for index in range(pynvml.nvmlDeviceGetCount())]
        finally:
            pynvml.nvmlShutdown()
        return ", ".join(name.decode() if isinstance(name, bytes) else str(name) for name in names) or "none"
    except Exception as error:  # noqa: BLE001 - no NVML or no driver: try the CLI, then give up
        nvml_error = f"{type(error).__name__}"
    try:
        result = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                text=True, timeout=20, check=False)
        return ", ".join(line.strip() for line in result.stdout.splitlines() if line.strip()) or "none"
    except (OSError, subprocess.SubprocessError):
        return f"none (no NVIDIA GPU visible: {nvml_error}, no nvidia-smi)"


def engine_version(endpoint: Endpoint | None) -> str:
    """The serving engine's version: SGLang's /server_info (older: /get_server_info), vLLM's /version."""
    if endpoint is not None:
        for path, name in (("/server_info", "sglang"), ("/get_server_info", "sglang"), ("/version", "vllm")):
            try:
                response = httpx.get(endpoint.base_url + path, headers=endpoint.headers, timeout=10.0)
                if response.status_code == 200 and response.json().get("version"):
                    return f"{name} {response.json()['version']} (reported by the server)"
            except (httpx.HTTPError, ValueError, AttributeError):
                continue
    try:
        installed = f"installed sglang package here: {importlib.metadata.version('sglang')}"
    except importlib.metadata.PackageNotFoundError:
        installed = "no sglang package installed here"
    return f"unknown: the server did not report a version ({installed})"


def masked_command(plan: LaunchPlan) -> str:
    """The plan's command line with the API key hidden."""
    argv = list(plan.argv)
    for index, token in enumerate(argv[:-1]):
        if token == "--api-key":
            argv[index + 1] = "***"
    return " ".join(argv)


def supervisor_launch(supervisor: Supervisor, plan: LaunchPlan, timeout_s: float,
                      first_two: Callable[[Endpoint], tuple[TimedAnswer, TimedAnswer]],
                      log: Callable[[str], None]) -> tuple[LaunchTiming, Endpoint]:
    """Launch through the app's Supervisor; time launch -> ready (warm-up included) and the next two requests."""
    started = time.monotonic()
    supervisor.launch(plan)
    status = supervisor.wait_ready(timeout_s)
    ready_s = time.monotonic() - started
    endpoint = supervisor.endpoint()
    if endpoint is None:
        tail = "\n".join(status.log_tail[-15:])
        raise BenchError(f"the supervisor's launch did not become ready: {status.phase} {status.message}\n{tail}")
    first, second = first_two(endpoint)
    health_s = status.health_ok_s if status.health_ok_s is not None else ready_s
    log(f"P5: supervisor launch -> ready in {ready_s:.1f} s (/health 200 after {health_s:.1f} s, warm-up "
        f"{status.warmup_s or 0:.1f} s); {status.message} First two TTFTs {first.ttft_s:.3f} s, {second.ttft_s:.3f} s")
    for line in supervisor.status().log_tail:
        if line.startswith("[app]"):
            log(f"P5: {line}")
    return LaunchTiming(health_s, ready_s, first, second), endpoint


def bare_launch(plan: LaunchPlan, timeout_s: float, log_path: Path,
                first_two: Callable[[Endpoint], tuple[TimedAnswer, TimedAnswer]],
                log: Callable[[str], None]) -> LaunchTiming:
    """Run the plan's command as a plain process, time it to /health 200, send two requests, end it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    endpoint = Endpoint(plan.base_url, plan.api_key, plan.served_model_name, plan.family, local=True)
    with log_path.open("wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(list(plan.argv), env={**os.environ, **plan.env}, stdout=output,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            while not probe(plan.base_url, "/health", plan.api_key, timeout_s=1.0).ok:
                if process.poll() is not None:
                    raise BenchError(f"the bare engine exited with {process.returncode}; see {log_path}")
                if time.monotonic() - started > timeout_s:
                    raise BenchError(f"the bare engine was not healthy after {timeout_s:.0f} s; see {log_path}")
                time.sleep(0.1)
            health_s = time.monotonic() - started
            log(f"P5: bare engine -> /health 200 in {health_s:.1f} s")
            first, second = first_two(endpoint)
        finally:
            report = terminate_tree(process.pid, process.pid, 20.0)
            release = wait_gpu_released(report.pids, 60.0)
            log(f"P5: bare engine stopped ({len(report.pids)} processes). {release.message}")
    return LaunchTiming(health_s, health_s, first, second)


P5_PROMPT = "What is in this picture?"


def app_first_two(images: tuple[PreparedImage, PreparedImage]) -> Callable[[Endpoint], tuple[TimedAnswer, TimedAnswer]]:
    """The first two image requests after ready through the app path, each from a new chat session (two
    browsers): the first shows whether the warm-up spared the first user the engine's slow first request."""
    def run(endpoint: Endpoint) -> tuple[TimedAnswer, TimedAnswer]:
        answers = []
        for image in images:
            session = app_session(endpoint, Sampling(max_tokens=16))
            answers.append(app_answer(session, f"[{nonce()}] {P5_PROMPT}", [image]))
        return answers[0], answers[1]
    return run


def direct_first_two(image_urls: tuple[str, str]) -> Callable[[Endpoint], tuple[TimedAnswer, TimedAnswer]]:
    """The same two requests through a plain openai client (made before the clock starts)."""
    def run(endpoint: Endpoint) -> tuple[TimedAnswer, TimedAnswer]:
        client = direct_client(endpoint)
        answers = [direct_answer(client, endpoint.model, direct_messages([user_message(f"[{nonce()}] {P5_PROMPT}",
                                                                                       [url])]),
                                 Sampling(max_tokens=16)) for url in image_urls]
        return answers[0], answers[1]
    return run
