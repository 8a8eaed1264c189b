"""Qwen3-VL and Qwen3.5 through the app's own launch path on a GPU host; prints JSON lines.

    source .whl/carry/device_env.sh
    python3 bench/gpu/family_check.py --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}" \
        /root/q3models/Qwen3-VL-8B-Instruct /root/q3models/Qwen3.5-9B ...

Each argument is a weight-less model folder holding the model's config.json, processor configs, chat template and
tokenizer (SGLang loads it with --load-format dummy). For each: the plan for one detected GPU -> Studio.launch ->
ready -> SGLang's own KV-cache token count (and linear-attention state slots) from its log beside the plan's ->
an image and a video through Studio.ask -> Studio.stop -> the GPU's compute processes afterwards.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image, ImageDraw  # noqa: E402

from backend.chat.session import SamplingParams  # noqa: E402
from backend.engine.settings import SupervisorSettings  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.hardware import detect_gpus  # noqa: E402
from backend.plans.planner import PlanRequest, make_plan  # noqa: E402
from backend.studio.settings import StudioSettings  # noqa: E402
from backend.studio.studio import Studio  # noqa: E402

KV_TOKENS = re.compile(r"KV Cache is allocated\..*?#tokens: (\d+)")
STATE_SLOTS = re.compile(r"max_mamba_cache_size[=:] ?(\d+)")
MAX_RUNNING = re.compile(r"max_running_requests=(\d+)")


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "t": round(time.time(), 3), **fields}, default=str), flush=True)


def photo(path: Path) -> str:
    image = Image.new("RGB", (1280, 720), (30, 60, 90))
    ImageDraw.Draw(image).rectangle([320, 180, 640, 360], fill=(250, 200, 0))
    image.save(path, quality=90)
    return str(path)


def clip(path: Path) -> str:
    import numpy as np

    from backend.media.clip import ClipWriter

    with ClipWriter((640, 360), 4.0) as writer:
        for index in range(40):  # 10 s of a square moving right
            frame = np.full((360, 640, 3), (90, 60, 30), np.uint8)
            frame[120:240, index * 12: index * 12 + 120] = (0, 200, 250)
            writer.add(frame)
        path.write_bytes(writer.finish())
    return str(path)


def engine_log(runs: Path) -> str:
    return "\n".join(log.read_text(errors="replace") for log in runs.rglob("*.log"))


def gpu_processes() -> list[str]:
    found = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader"],
                           capture_output=True, text=True, check=False)
    return [line for line in found.stdout.splitlines() if line.strip()]


def check(folder: str, engine_args: str, ready_timeout: float, work: Path, detected) -> None:
    name = Path(folder).name
    request = PlanRequest(model=folder, hardware="auto", gpus="1", engine_args=engine_args)
    plan = make_plan(request, offer_quantized=False)
    memory = plan.memory
    emit("plan", model=name, fits=plan.fits, tp=plan.tp, context=plan.context_length, refusal=plan.refusal,
         weights_gb=round(memory.weights_bytes / 1e9, 2) if memory else None,
         kv_tokens=memory.kv_capacity_tokens if memory else None,
         state_slots=memory.state_slots if memory else None,
         max_running=memory.max_running_requests if memory else None, argv=" ".join(plan.argv[3:]))
    if not plan.fits:
        return
    runs = work / name / "runs"
    supervisor = Supervisor(runs, SupervisorSettings(ready_timeout_s=ready_timeout))
    studio = Studio(supervisor, StudioSettings(work_dir=work / name / "studio", default_request=request), detected)
    admin = studio.viewer()
    started = time.monotonic()
    studio.launch(request, admin)
    status = supervisor.wait_for(lambda s: s.is_ready or s.phase.value in ("failed", "stopped"), ready_timeout)
    log = engine_log(runs)
    kv = [int(value) for value in KV_TOKENS.findall(log)]
    slots = [int(value) for value in STATE_SLOTS.findall(log)]
    emit("launch", model=name, ready=status.is_ready, seconds=round(time.monotonic() - started, 1),
         health_ok_s=status.health_ok_s, warmup_s=status.warmup_s, family=studio.family().name,
         sglang_kv_tokens=kv[-1] if kv else None,
         kv_ratio=round(memory.kv_capacity_tokens / kv[-1], 4) if kv else None,
         sglang_state_slots=slots[-1] if slots else None,
         sglang_max_running=(MAX_RUNNING.findall(log) or [None])[-1],
         log_lines=[line for line in log.splitlines() if "is allocated" in line or "Load weight end" in line],
         log_tail=[] if status.is_ready else list(status.log_tail[-25:]))
    try:
        if status.is_ready:
            greedy = SamplingParams(temperature=0.0, max_tokens=48)
            for kind, path in (("image", photo(work / f"{name}.jpg")), ("video", clip(work / f"{name}.mp4"))):
                began = time.monotonic()
                answer = studio.ask("Describe what you see.", [path], [], greedy, admin)
                emit("ask", model=name, media=kind, seconds=round(time.monotonic() - began, 2),
                     status=answer["status"], metrics=answer["metrics"], images=answer.get("images"),
                     videos=[{k: v for k, v in video.items() if k != "frame_times_s"}
                             for video in answer.get("videos", [])],
                     reasoning_chars=len(answer.get("reasoning", "")), answer_start=answer["answer"][:80])
    finally:
        studio.stop(admin)
        time.sleep(3)
        emit("stopped", model=name, phase=supervisor.status().phase.value, gpu_processes=gpu_processes())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--engine-args", default="")
    parser.add_argument("--ready-timeout", type=float, default=420.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="family-check-"))
    detected = tuple(detect_gpus())
    emit("gpus", gpus=[gpu.spec.label for gpu in detected])
    for folder in args.folders:
        check(folder, args.engine_args, args.ready_timeout, work, detected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
