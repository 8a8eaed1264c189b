"""An hour-long video through the Studio over real SGLang on a GPU host; prints JSON lines.

    source .whl/carry/device_env.sh; export PYTHONPATH=/root/avsite:$PYTHONPATH   # PyAV, staged on the host
    python3 bench/gpu/video_check.py --model-path "$QWEN_MODEL_DIR" \
        --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"

Steps: a 60-minute 1080p H.264 clip (bench.long_video) -> plan -> Studio.launch -> the clip through Studio.ask
as an engine on another host gets it (the app's frames: preparation time, then TTFT) and as the engine on this
host gets it (the app sends frames there too for an hour: see backend.media.video) -> the file's own path sent
straight to SGLang, which samples the hour itself (its time to first token, for comparison) -> five videos in
one turn, as a remote and as a local engine gets them -> Studio.stop (`--five-only`: the five-videos turn alone).
Dummy weights: times, frame counts and token counts are what this checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import openai  # noqa: E402

from backend.chat.session import SamplingParams  # noqa: E402
from backend.endpoint import Endpoint  # noqa: E402
from backend.engine.settings import SupervisorSettings  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.hardware import detect_gpus  # noqa: E402
from backend.media.video import prepare_video, with_clip  # noqa: E402
from backend.plans.planner import PlanRequest  # noqa: E402
from backend.studio.fixed_endpoint import FixedEndpoint  # noqa: E402
from backend.studio.settings import StudioSettings  # noqa: E402
from backend.studio.studio import Studio  # noqa: E402
from bench.long_video import make_hour_clip  # noqa: E402

GREEDY = SamplingParams(temperature=0.0, max_tokens=32)


class SameEngine(FixedEndpoint):
    """The launched engine as seen from elsewhere: its status (plan, context) with another Endpoint."""

    def __init__(self, supervisor: Supervisor, endpoint) -> None:
        super().__init__(endpoint)
        self.supervisor = supervisor

    def status(self):
        return self.supervisor.status()


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "t": round(time.time(), 3), **fields}, default=str), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--engine-args", default="")
    parser.add_argument("--ready-timeout", type=float, default=420.0)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--five-only", action="store_true", help="only the five-videos turn (no hour clip)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="video-check-"))
    began = time.monotonic()
    clip = None if args.five_only else make_hour_clip(work, minutes=args.minutes)
    if clip is not None:
        emit("clip", path=str(clip), seconds=round(time.monotonic() - began, 1), bytes=clip.stat().st_size)
    detected = tuple(detect_gpus())
    request = PlanRequest(model=args.model_path, hardware="auto", gpus="1", engine_args=args.engine_args)
    supervisor = Supervisor(work / "runs", SupervisorSettings(ready_timeout_s=args.ready_timeout))
    studio = Studio(supervisor, StudioSettings(work_dir=work / "studio", default_request=request), detected)
    admin = studio.viewer()
    started = time.monotonic()
    studio.launch(request, admin)
    status = supervisor.wait_for(lambda s: s.is_ready or s.phase.value in ("failed", "stopped"), args.ready_timeout)
    emit("launch", ready=status.is_ready, seconds=round(time.monotonic() - started, 1),
         gpus=[gpu.spec.label for gpu in detected], log_tail=[] if status.is_ready else list(status.log_tail[-20:]))
    if not status.is_ready:
        return 1
    try:
        local = supervisor.endpoint()
        assert local is not None
        if clip is not None:
            hour_steps(studio, supervisor, local, clip, work)
        five = [str(make_hour_clip(work / f"five-{n}", minutes=2.0)) for n in range(5)]
        for where, endpoint in (("remote", replace(local, local=False)), ("local", local)):
            asker = Studio(SameEngine(supervisor, endpoint), StudioSettings(work_dir=work / f"five-{where}"))
            began = time.monotonic()
            answer = asker.ask("Compare the five videos.", five, [], GREEDY, asker.viewer())
            emit("five_videos", endpoint=where, seconds=round(time.monotonic() - began, 2),
                 ttft_s=answer["metrics"].get("ttft_s"), frames=[video["frames_sent"] for video in answer["videos"]],
                 prompt_tokens=answer["metrics"].get("prompt_tokens"), status=answer["status"])
    finally:
        studio.stop(admin)
        emit("stopped", phase=supervisor.status().phase.value)
    return 0


def hour_steps(studio: Studio, supervisor: Supervisor, local: Endpoint, clip: Path, work: Path) -> None:
    """The hour clip prepared by the app, asked about as a remote and as a local engine gets it, then sampled by
    SGLang itself from the file."""
    limits = studio.video_limits()
    began = time.monotonic()
    prepared = with_clip(prepare_video(clip, limits, encode=False))
    emit("prepare", seconds=round(time.monotonic() - began, 2), frames=len(prepared.plan.frame_indices),
         sent_size=prepared.input_size, clip_bytes=len(prepared.clip or b""), tokens=prepared.vision_tokens,
         duration_s=prepared.info.duration_s)
    for where, endpoint in (("remote", replace(local, local=False)), ("local", local)):
        asker = Studio(SameEngine(supervisor, endpoint), StudioSettings(work_dir=work / where))
        began = time.monotonic()
        try:
            answer = asker.ask("Describe the lecture.", [str(clip)], [], GREEDY, asker.viewer())
        except Exception as error:  # noqa: BLE001 - reported with the engine's own last lines
            emit("ask_failed", endpoint=where, seconds=round(time.monotonic() - began, 2), error=str(error),
                 log_tail=list(supervisor.status().log_tail[-30:]))
            continue
        metrics = answer["metrics"]
        emit("ask", endpoint=where, seconds=round(time.monotonic() - began, 2), ttft_s=metrics.get("ttft_s"),
             prompt_tokens=metrics.get("prompt_tokens"), vision_tokens=metrics.get("vision_tokens"),
             videos=[{k: v for k, v in video.items() if k != "frame_times_s"} for video in answer["videos"]])
    client = openai.OpenAI(base_url=local.api_base, api_key=local.api_key or "EMPTY", timeout=900)
    began = time.monotonic()
    try:
        stream = client.chat.completions.create(
            model=local.model, max_tokens=32, temperature=0.0, stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": [{"type": "video_url", "video_url": {"url": clip.as_uri()}},
                                                   {"type": "text", "text": "Describe the lecture."}]}])
        first, usage = None, None
        for chunk in stream:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.monotonic() - began
            usage = chunk.usage or usage
        emit("sglang_samples_the_file", ttft_s=round(first or -1, 2), seconds=round(time.monotonic() - began, 2),
             prompt_tokens=usage.prompt_tokens if usage else None)
    except openai.APIError as error:  # seen: CUDA out of memory for an hour sampled by SGLang's own rule
        emit("sglang_samples_the_file", error=str(error)[:400], seconds=round(time.monotonic() - began, 2))


if __name__ == "__main__":
    sys.exit(main())
