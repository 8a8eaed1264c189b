"""Faults and a mini-soak against real SGLang (or vLLM) on a GPU host (no gradio needed); prints JSON lines.

    source .whl/carry/device_env.sh
    python3 -m bench.gpu.faults --model-path "$QWEN_MODEL_DIR" --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"
    # vLLM (bench/gpu/device_vllm_env.sh sourced: docs/research/vllm-gpu-rig.md)
    python3 -m bench.gpu.faults --engine vllm --model-path "$QWEN_MODEL_DIR" --engine-args "--load-format dummy" \
        --context-length 32768

Steps, all through the app's own backend (Supervisor, ChatSession, ImagePreparer):
1. plan for the detected GPUs and launch through the Supervisor; wait until ready (warm-up included);
2. mini-soak: --sessions concurrent ChatSession image conversations for --soak-seconds: 0 errors, p50/p99;
3. a visitor stops an answer mid-stream (ChatSession.stop) and one drops it (the update stream is closed, as when
   a browser tab goes away): within --abort-within-s the engine's /metrics must show the request gone
   (its running-requests gauge at 0, or its count of aborted requests up by one): no runaway generation;
4. a second launch of the same plan while the first engine holds the GPU: it fails with a cause that names the
   GPU's memory, and the first engine still answers;
5. kill -9 the engine mid-stream: the chat ends with ConnectionLost keeping the partial answer, the Supervisor
   reports the crash, and nvidia-smi lists no compute process within --gpu-free-within-s.
Ends with a "summary" line (every check, pass or fail); exit 1 when one failed. About 3 minutes after ready.
--standin rehearses the same steps on a CPU host with the stand-in engine.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from backend.chat.conversation import TurnStatus  # noqa: E402
from backend.chat.session import ChatSession, SamplingParams, StreamUpdate  # noqa: E402
from backend.engine.status import FailureKind, Phase  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.engines import ENGINE_NAMES, ENGINES, SGLANG, VLLM  # noqa: E402
from backend.errors import UserError  # noqa: E402
from backend.media.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer, PreparedImage  # noqa: E402
from backend.plans.planner import PlanRequest, make_plan  # noqa: E402
from backend.plans.ports import pick_port  # noqa: E402
from backend.plans.request import LaunchPlan  # noqa: E402
from bench.gpu.supervisor_check import emit, nvidia_smi  # noqa: E402

PHOTO_SIZES = ((1280, 720), (640, 480), (1024, 768), (720, 1280))
QUESTIONS = ("Describe this picture.", "Detect the rectangles and give their boxes as JSON.", "What colours are there?")
LONG_ANSWER = "Write a very long, detailed story about this picture."
# The counter of requests the engine aborted. vLLM 0.26.0 has none for a client's abort: OutputProcessor.abort_requests
# drops the request without recording stats (its request_success{finished_reason="abort"} counts only aborts of a
# paused engine), so for vLLM the running-requests gauge alone tells.
ABORTED = {SGLANG.name: "sglang:num_aborted_requests_total", VLLM.name: None}
METRIC = re.compile(r"^((?:sglang|vllm):[a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$")


def photos() -> list[PreparedImage]:
    """A few prepared photos (shapes on a gradient), as the app would send them."""
    preparer = ImagePreparer(ImageLimits(max_pixels=APP_MAX_PIXELS))
    prepared = []
    for index, (width, height) in enumerate(PHOTO_SIZES):
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for box in range(4):
            left, top = (index * 97 + box * 131) % (width - 120), (index * 53 + box * 89) % (height - 120)
            draw.rectangle((left, top, left + 110, top + 100), outline=(255, 200 - box * 40, 0), width=5)
        path = Path(f"/tmp/gpu-faults-{index}.png")
        image.save(path)
        prepared.append(preparer.prepare(path))
    return prepared


def metrics(base_url: str) -> dict[str, float]:
    """The engine's prometheus counters and gauges, summed over labels."""
    totals: dict[str, float] = {}
    text = httpx.get(base_url + "/metrics", timeout=10).text
    for line in text.splitlines():
        matched = METRIC.match(line.strip())
        if matched:
            totals[matched.group(1)] = totals.get(matched.group(1), 0.0) + float(matched.group(3))
    return totals


def percentile(values: list[float], share: float) -> float | None:
    """The share-th percentile of values (None when empty)."""
    if len(values) < 2:
        return values[0] if values else None
    return round(statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1], 3)


def mini_soak(supervisor: Supervisor, images: list[PreparedImage], sessions: int, seconds: float,
              max_tokens: int) -> dict:
    """Concurrent image conversations through ChatSession; every fourth turn starts a fresh conversation."""
    latencies: list[float] = []
    firsts: list[float] = []
    errors: list[str] = []
    tokens = [0]
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def visitor(number: int) -> None:
        chat = ChatSession(supervisor.endpoint, sampling=SamplingParams(temperature=0.0, max_tokens=max_tokens))
        turn = 0
        while time.monotonic() < until:
            if turn % 4 == 0:
                chat.clear()
            begin = time.monotonic()
            question, image = QUESTIONS[(number + turn) % len(QUESTIONS)], images[(number + turn) % len(images)]
            final = _last(chat.send(question, [image]))
            with lock:
                if final.error:
                    errors.append(f"session {number} turn {turn}: {final.error_kind}: {final.error}"[:300])
                else:
                    latencies.append(time.monotonic() - begin)
                    if final.metrics is not None:
                        firsts.append(final.metrics.ttft_s or 0.0)
                        tokens[0] += final.metrics.completion_tokens
            turn += 1

    threads = [threading.Thread(target=visitor, args=(number,), daemon=True) for number in range(sessions)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 300)
    elapsed = time.monotonic() - started
    return {"sessions": sessions, "seconds": round(elapsed, 1), "turns": len(latencies), "errors": len(errors),
            "first_errors": errors[:5], "latency_p50_s": percentile(latencies, 0.5),
            "latency_p99_s": percentile(latencies, 0.99), "ttft_p50_s": percentile(firsts, 0.5),
            "ttft_p99_s": percentile(firsts, 0.99), "output_tokens_per_s": round(tokens[0] / elapsed, 1),
            "ok": bool(latencies) and not errors}


def abort_check(supervisor: Supervisor, image: PreparedImage, how: str, within_s: float, engine: str) -> dict:
    """Start a long answer, end it from the client side (`stop` or `drop`), and watch the engine let go of it."""
    base_url = supervisor.status().base_url
    chat = ChatSession(supervisor.endpoint, sampling=SamplingParams(temperature=0.7, max_tokens=4096))
    updates = chat.send(LONG_ANSWER, [image])
    seen = 0
    for update in updates:
        seen += 1
        if seen >= 30:
            break
    before = metrics(base_url)
    ended_at = time.monotonic()
    if how == "stop":
        chat.stop()
        final = _last(updates)  # the handler notices, closes the stream and marks the answer stopped
    else:
        updates.close()  # the consumer went away (GeneratorExit), as when the UI cancels the event
        final = None
    released_s = aborted_s = None
    running, aborted = ENGINES[engine].gauges.running, ABORTED[engine]
    while time.monotonic() - ended_at < within_s and (released_s is None or (aborted and aborted_s is None)):
        now, elapsed = metrics(base_url), round(time.monotonic() - ended_at, 3)
        if released_s is None and now.get(running, 0.0) == 0.0:
            released_s = elapsed
        if aborted and aborted_s is None and now.get(aborted, 0.0) > before.get(aborted, 0.0):
            aborted_s = elapsed
        time.sleep(0.05)
    turn = chat.turns[-1]
    # The engine aborts a request whose client left (SGLang: num_aborted_requests_total, where the version has it);
    # the running gauge may lag while the engine idles (older SGLang refreshes it every 30 s): either signal will do.
    return {"how": how, "chunks_before": seen, "running_before": before.get(running),
            "running_zero_after_s": released_s, "aborted_counted_after_s": aborted_s,
            "aborted_metric_present": bool(aborted) and aborted in before, "turn_status": turn.status.value,
            "partial_answer_chars": len(turn.answer), "final_error": final.error if final else "",
            "ok": (released_s is not None or aborted_s is not None) and turn.status is TurnStatus.STOPPED
                  and bool(turn.answer)}


def busy_gpu_check(second_plan: LaunchPlan, supervisor: Supervisor, runs_dir: Path, within_s: float) -> dict:
    """Launch the same plan (on another port) while the first engine holds the GPU: the second must fail with a
    cause that names the GPU's memory, and the first must still answer."""
    second = Supervisor(runs_dir)
    began = time.monotonic()
    try:
        second.launch(second_plan)
        failed = second.wait_for(lambda status: status.phase in (Phase.FAILED, Phase.READY), within_s)
    except UserError as error:  # refused before it started: not the check this is
        return {"second_phase": "refused", "refusal": str(error), "ok": False}
    finally:
        second.stop()
        second.close()
    cause = failed.cause
    chat = ChatSession(supervisor.endpoint, sampling=SamplingParams(temperature=0.0, max_tokens=8))
    after = _last(chat.send("Say hello."))
    return {"second_phase": failed.phase.value, "after_s": round(time.monotonic() - began, 1),
            "cause": cause.kind if cause else None, "summary": cause.summary if cause else "",
            "suggestion": cause.suggestion if cause else "", "message": failed.message,
            "first_still_answers": not after.error, "first_error": after.error,
            "ok": failed.phase == Phase.FAILED and cause is not None
                  and cause.kind in (FailureKind.GPU_MEMORY_TAKEN, FailureKind.OOM) and not after.error}


def kill_check(supervisor: Supervisor, image: PreparedImage, gpu_free_within_s: float) -> dict:
    """kill -9 the engine mid-stream; the chat, the supervisor and the GPUs must each say so."""
    pid = supervisor.status().pid or 0
    chat = ChatSession(supervisor.endpoint, sampling=SamplingParams(temperature=0.7, max_tokens=4096))
    updates = chat.send(LONG_ANSWER, [image])
    final: StreamUpdate | None = None
    killed_at = 0.0
    for count, update in enumerate(updates, start=1):
        final = update
        if count == 30:
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
    failed = supervisor.wait_for(lambda status: status.phase == Phase.FAILED, 60.0)
    detected_s = round(time.monotonic() - killed_at, 3)
    gpu = nvidia_smi()
    gpu_free_s = None
    while time.monotonic() - killed_at < gpu_free_within_s:
        gpu = nvidia_smi()
        if not gpu["compute_apps"].strip() or gpu["compute_apps"].startswith("(no nvidia-smi"):
            gpu_free_s = round(time.monotonic() - killed_at, 2)
            break
        time.sleep(1.0)
    turn = chat.turns[-1]
    return {"killed_pid": pid, "chat_error_kind": final.error_kind if final else "",
            "chat_error": final.error if final else "",
            "turn_status": turn.status.value, "partial_answer_chars": len(turn.answer),
            "supervisor_phase": failed.phase.value, "cause": failed.cause.kind if failed.cause else None,
            "cause_summary": failed.cause.summary if failed.cause else "", "detected_after_s": detected_s,
            "gpu_free_after_s": gpu_free_s, **gpu,
            "ok": (final is not None and final.error_kind == "ConnectionLost" and turn.status is TurnStatus.INTERRUPTED
                   and bool(turn.answer) and failed.phase == Phase.FAILED and gpu_free_s is not None)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--engine-args", default="", help='extra engine flags, e.g. "$SGLANG_DUMMY_FLAGS"')
    parser.add_argument("--engine", choices=ENGINE_NAMES, default=SGLANG.name,
                        help="vllm: the plan's `vllm` is $QWEN_STUDIO_VLLM (bench/gpu/device_vllm_env.sh sets it)")
    parser.add_argument("--context-length", type=int, default=None)
    parser.add_argument("--hardware", default="auto")
    parser.add_argument("--gpus", default=None, help="a count or indices (default: the fewest that fit)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--runs-dir", default="runs/gpu-faults")
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--sessions", type=int, default=32, help="mini-soak: concurrent conversations")
    parser.add_argument("--soak-seconds", type=float, default=90.0)
    parser.add_argument("--max-tokens", type=int, default=64, help="mini-soak answer length")
    parser.add_argument("--abort-within-s", type=float, default=10.0,
                        help="how soon the engine must let go of an answer whose client left (SGLang waits ~2 s)")
    parser.add_argument("--gpu-free-within-s", type=float, default=60.0)
    parser.add_argument("--busy-gpu-within-s", type=float, default=240.0,
                        help="how long a second launch on the busy GPU may take to fail")
    parser.add_argument("--standin", action="store_true", help="rehearse on a CPU host with standin")
    args = parser.parse_args(argv)

    request = PlanRequest(model=args.model_path, hardware=args.hardware, gpus=args.gpus, engine_args=args.engine_args,
                          port=args.port, api_key="k" + secrets.token_hex(16), engine=args.engine,
                          context_length=args.context_length)
    plan = make_plan(request)
    if args.standin:
        from standin import standin_plan

        plan = standin_plan(plan, load_seconds=1, tpot_ms=5, children=2)
    emit("plan", fits=plan.fits, refusal=plan.refusal, argv=" ".join(plan.argv), env=plan.env)
    if not plan.fits:
        return 1
    supervisor = Supervisor(args.runs_dir)
    signal.signal(signal.SIGTERM, lambda *_: (supervisor.close(), sys.exit(143)))
    checks: dict[str, bool] = {}
    try:
        started = time.monotonic()
        supervisor.launch(plan)
        status = supervisor.wait_ready(args.ready_timeout)
        emit("ready", ready=status.is_ready, launch_to_ready_s=round(time.monotonic() - started, 1), pid=status.pid,
             message=status.message, cause=status.cause, log_tail=[] if status.is_ready else status.log_tail[-15:])
        if not status.is_ready:
            return 1
        ready_at = time.monotonic()
        images = photos()
        soak = mini_soak(supervisor, images, args.sessions, args.soak_seconds, args.max_tokens)
        emit("mini_soak", **soak)
        for how in ("stop", "drop"):
            result = abort_check(supervisor, images[0], how, args.abort_within_s, args.engine)
            emit("client_abort", **result)
            checks[f"abort_{how}"] = result["ok"]
        second_plan = make_plan(replace(request, port=pick_port(plan.host, plan.port + 1)))
        if args.standin:  # no GPU to be busy: the stand-in fails as the engine would
            second_plan = standin_plan(second_plan, load_seconds=1,
                                       fail_at_start="busygpu" if args.engine == "vllm" else "oom")
        busy = busy_gpu_check(second_plan, supervisor, Path(args.runs_dir) / "second", args.busy_gpu_within_s)
        emit("second_launch_on_busy_gpu", **busy)
        checks["busy_gpu"] = busy["ok"]
        killed = kill_check(supervisor, images[0], args.gpu_free_within_s)
        emit("kill_9_mid_stream", **killed)
        checks.update(mini_soak=soak["ok"], kill_9=killed["ok"])
        emit("summary", checks=checks, ok=all(checks.values()), after_ready_s=round(time.monotonic() - ready_at, 1))
    finally:
        supervisor.stop()
        supervisor.close()
    return 0 if checks and all(checks.values()) else 1


def _last(updates: Iterator[StreamUpdate]) -> StreamUpdate:
    final = None
    for final in updates:
        pass
    assert final is not None
    return final


if __name__ == "__main__":
    sys.exit(main())
