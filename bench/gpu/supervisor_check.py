"""Check the supervisor against real SGLang on a GPU host; prints JSON lines.

    source .whl/carry/device_env.sh
    python3 bench/gpu/supervisor_check.py --model-path "$QWEN_MODEL_DIR" --extra-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"

Steps: plan for the detected GPU (backend.plans.planner.make_plan) -> launch through the Supervisor, printing each
phase with its timestamp -> one streamed image request -> kill -9 the scheduler child and time how long the
supervisor takes to report it -> relaunch -> stop, then nvidia-smi must list no process -> (unless --no-bare)
time a bare `sglang.launch_server` with the same command to /health 200 for comparison.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.engine.probes import probe  # noqa: E402
from backend.engine.process_tree import terminate_tree  # noqa: E402
from backend.engine.status import Phase  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan  # noqa: E402


def emit(event: str, **fields: object) -> None:
    """One JSON line on stdout."""
    def plain(value: object) -> object:
        return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)

    print(json.dumps({"event": event, "t": round(time.time(), 3), **fields}, default=plain), flush=True)


def follow_launch(supervisor: Supervisor, plan: LaunchPlan, timeout_s: float, label: str) -> float | None:
    """Launch, print each new phase (and progress changes) as it happens; return launch-to-ready seconds."""
    started = time.monotonic()
    supervisor.launch(plan)
    printed, last_message = 0, ""
    while time.monotonic() - started < timeout_s:
        status = supervisor.status()
        for mark in status.phase_marks[printed:]:
            emit("phase", run=label, phase=mark.phase.value, at=time.strftime("%H:%M:%S", time.localtime(mark.at)),
                 elapsed_s=mark.elapsed_s)
        printed = len(status.phase_marks)
        if status.message != last_message:
            emit("progress", run=label, phase=status.phase.value, progress=status.progress, message=status.message)
            last_message = status.message
        if status.phase == Phase.READY:
            return time.monotonic() - started
        if status.phase in (Phase.FAILED, Phase.STOPPED):
            emit("launch_failed", run=label, cause=status.cause, log_tail=status.log_tail, log_path=status.log_path)
            return None
        time.sleep(0.2)
    emit("launch_timeout", run=label, status=supervisor.status().message)
    return None


def image_request(supervisor: Supervisor) -> dict:
    """One streamed 1280x720 image request through the openai SDK; TTFT, TPOT, usage and the text."""
    import openai
    from PIL import Image, ImageDraw

    endpoint = supervisor.endpoint()
    assert endpoint is not None
    image = Image.new("RGB", (1280, 720), (30, 60, 90))
    ImageDraw.Draw(image).rectangle([400, 200, 800, 500], outline=(255, 255, 0), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    client = openai.OpenAI(base_url=endpoint.api_base, api_key=endpoint.api_key, max_retries=0)
    started = time.perf_counter()
    first = None
    pieces: list[str] = []
    usage = None
    stream = client.chat.completions.create(
        model=endpoint.model, max_tokens=64, temperature=0, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                               {"type": "text", "text": "Outline the yellow box as JSON."}]}],
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
    total = time.perf_counter() - started
    completion = (usage or {}).get("completion_tokens") or len(pieces)
    ttft = (first - started) if first else None
    tpot = (total - ttft) / max(completion - 1, 1) if ttft is not None else None
    return {"ttft_s": ttft, "tpot_ms": tpot * 1000 if tpot else None, "total_s": total, "usage": usage,
            "text": "".join(pieces)[:300]}


def wire_samples(supervisor: Supervisor, context_length: int) -> None:
    """Record what the real server sends, byte for byte, so standin/__init__.py can be held to it: a streamed
    chunk sequence with usage, a non-streamed body, an undecodable image, a prompt over the context length."""
    import httpx

    endpoint = supervisor.endpoint()
    assert endpoint is not None
    url, headers = endpoint.api_base + "/chat/completions", endpoint.headers
    text = [{"role": "user", "content": "Say hello."}]
    streamed = {"model": endpoint.model, "messages": text, "max_tokens": 4, "stream": True,
                "stream_options": {"include_usage": True}}
    with httpx.stream("POST", url, json=streamed, headers=headers, timeout=120) as response:
        events = [line for line in response.iter_lines() if line]
    emit("wire_stream", status=response.status_code, headers=dict(response.headers), events=events)
    plain = httpx.post(url, json={**streamed, "stream": False, "stream_options": None}, headers=headers, timeout=120)
    emit("wire_plain", status=plain.status_code, body=plain.text)
    corrupt = [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,bm90IGFuIGltYWdl"}},
        {"type": "text", "text": "hi"}]}]
    for stream in (True, False):
        bad = httpx.post(url, json={"model": endpoint.model, "messages": corrupt, "stream": stream}, headers=headers,
                         timeout=120)
        emit("wire_bad_image", stream=stream, status=bad.status_code, body=bad.text[:2000])
    long_prompt = [{"role": "user", "content": "word " * (context_length + 10)}]
    too_long = httpx.post(url, json={"model": endpoint.model, "messages": long_prompt, "stream": True},
                          headers=headers, timeout=300)
    emit("wire_too_long", status=too_long.status_code, body=too_long.text[:2000])
    health = httpx.get(endpoint.base_url + "/health", timeout=30)
    models = httpx.get(endpoint.api_base + "/models", headers=headers, timeout=30)
    emit("wire_misc", health_status=health.status_code, health_body=health.text, models=models.text,
         unauthorized=httpx.get(endpoint.api_base + "/models", timeout=30).text)


def scheduler_child(pid: int) -> tuple[int, str] | None:
    """The scheduler process SGLang started (its title says scheduler), else the first child."""
    import psutil

    children = psutil.Process(pid).children()
    for child in children:
        title = " ".join(child.cmdline()) + " " + child.name()
        if "scheduler" in title.lower():
            return child.pid, title.strip()[:120]
    return (children[0].pid, children[0].name()) if children else None


def nvidia_smi() -> dict:
    """What nvidia-smi lists: compute processes and memory used per GPU."""
    def run(query: str) -> str:
        try:
            result = subprocess.run(["nvidia-smi", f"--query-{query}", "--format=csv,noheader,nounits"],
                                    capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            return "(no nvidia-smi on this host)"
        return result.stdout.strip()
    return {"compute_apps": run("compute-apps=pid,used_memory"), "memory_used_mib": run("gpu=memory.used")}


def crash_check(supervisor: Supervisor) -> None:
    """kill -9 the scheduler child; report how fast and how the supervisor noticed."""
    status = supervisor.status()
    target = scheduler_child(status.pid or 0)
    if target is None:
        emit("crash_skipped", reason="engine has no child process")
        return
    killed_at = time.monotonic()
    subprocess.run(["kill", "-9", str(target[0])], check=False)
    emit("killed_scheduler", pid=target[0], process=target[1])
    failed = supervisor.wait_for(lambda s: s.phase == Phase.FAILED, 60.0)
    emit("crash_detected", detected=failed.phase == Phase.FAILED, after_s=round(time.monotonic() - killed_at, 3),
         cause=failed.cause, message=failed.message, log_tail=failed.log_tail[-8:])
    time.sleep(3.0)
    emit("after_crash_gpu", **nvidia_smi())


def bare_launch(plan: LaunchPlan, timeout_s: float, log_path: Path) -> None:
    """Time the same command without the supervisor: process start to /health 200."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    started = time.monotonic()
    proc = subprocess.Popen(list(plan.argv), env={**os.environ, **plan.env}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        while time.monotonic() - started < timeout_s and proc.poll() is None:
            if probe(plan.base_url, "/health", plan.api_key, 2.0).ok:
                emit("bare_ready", launch_to_health_s=round(time.monotonic() - started, 2))
                break
            time.sleep(0.5)
        else:
            emit("bare_failed", exit_code=proc.poll())
    finally:
        report = terminate_tree(proc.pid, proc.pid, 20.0)
        log.close()
        emit("bare_stopped", processes=len(report.pids), killed=len(report.killed), **nvidia_smi())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--extra-args", default="", help="engine flags, e.g. \"$SGLANG_DUMMY_FLAGS\"")
    parser.add_argument("--hardware", default="auto")
    parser.add_argument("--port", type=int, default=30000)
    parser.add_argument("--runs-dir", default="runs/gpu-check")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for each launch")
    parser.add_argument("--no-bare", action="store_true", help="skip timing a bare sglang.launch_server")
    parser.add_argument("--standin", action="store_true",
                        help="rehearse on a CPU host: run the stand-in engine (standin) instead of SGLang")
    args = parser.parse_args()

    plan = make_plan(PlanRequest(model=args.model_path, hardware=args.hardware, engine_args=args.extra_args,
                                 port=args.port, api_key="k" + secrets.token_hex(16)))
    if args.standin:
        from standin import standin_plan

        plan = standin_plan(plan, load_seconds=2, children=2)
    emit("plan", fits=plan.fits, refusal=plan.refusal, argv=" ".join(plan.argv), env=plan.env,
         explanation=plan.explanation)
    if not plan.fits:
        return 1
    supervisor = Supervisor(args.runs_dir)
    signal.signal(signal.SIGTERM, lambda *_: (supervisor.close(), sys.exit(143)))
    try:
        first = follow_launch(supervisor, plan, args.timeout, "first")
        if first is None:
            return 1
        emit("ready", run="first", launch_to_ready_s=round(first, 2), pid=supervisor.status().pid)
        emit("image_request", **image_request(supervisor))
        wire_samples(supervisor, plan.context_length)
        crash_check(supervisor)
        second = follow_launch(supervisor, plan, args.timeout, "relaunch")
        if second is None:
            return 1
        emit("ready", run="relaunch", launch_to_ready_s=round(second, 2), pid=supervisor.status().pid)
        emit("image_request", **image_request(supervisor))
        stopped = supervisor.stop()
        emit("stopped", message=stopped.message, gpu_release=stopped.gpu_release, **nvidia_smi())
    finally:
        supervisor.close()
    if not args.no_bare:
        bare_launch(plan, args.timeout, Path(args.runs_dir) / "bare_sglang.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
