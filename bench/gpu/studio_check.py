"""The Studio over a real engine (SGLang, or vLLM) on a GPU host: every use case the UI and the named API call, in-process; prints
JSON lines.

    source .whl/carry/device_env.sh
    python3 bench/gpu/studio_check.py --model-path "$QWEN_MODEL_DIR" --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"
    # vLLM (bench/gpu/device_vllm_env.sh staged and sourced: docs/research/vllm-gpu-rig.md)
    python3 bench/gpu/studio_check.py --engine vllm --model-path "$QWEN_MODEL_DIR" --engine-args "--load-format dummy" \
        --context-length 32768

Steps: plan for the detected GPUs -> Studio.launch (phases to ready) -> Studio.ask with a 12 MP photo (sent size,
vision tokens, seconds) -> Studio.stream_chat (first partial, partial count) -> Studio.ground of a pasted answer in
this app's frame and in the server's default frame -> a browser session's turn drawn by Studio.finish_turn,
then a follow-up that attaches nothing -> a 12 MP EXIF-rotated phone photo through ask ->
five photos in one message -> a 10 s 720p clip -> a receipt extraction held to its schema by the engine ->
Studio.start_batch over 32 photos (files/s) -> a second app attached to the engine by URL (endpoint
mode) -> a public visitor's status and launch refusal -> Studio.stop.
Answers from dummy weights are random: sizes, counts and times are what this checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image, ImageDraw  # noqa: E402

from backend.chat.grounded import subject_of  # noqa: E402
from backend.chat.session import SamplingParams  # noqa: E402
from backend.endpoint import Endpoint  # noqa: E402
from backend.engine.probes import probe  # noqa: E402
from backend.engine.settings import SupervisorSettings  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.hardware import detect_gpus  # noqa: E402
from backend.plans.planner import PlanRequest  # noqa: E402
from backend.studio.session import TurnView  # noqa: E402
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio  # noqa: E402
from backend.studio.viewer import AdminRequired, Viewer  # noqa: E402
from bench.media import make_clip  # noqa: E402

PASTED = '[{"bbox_2d": [100, 120, 500, 600], "label": "box"}]'


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "t": round(time.time(), 3), **fields}, default=str), flush=True)


def photo(path: Path, size: tuple[int, int]) -> str:
    image = Image.new("RGB", size, (30, 60, 90))
    ImageDraw.Draw(image).rectangle([size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2], fill=(250, 200, 0))
    image.save(path, quality=90)
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--engine-args", default="")
    parser.add_argument("--engine", choices=("sglang", "vllm"), default="sglang",
                        help="vllm: the plan's `vllm` is $QWEN_STUDIO_VLLM (bench/gpu/device_vllm_env.sh sets it)")
    parser.add_argument("--context-length", type=int, default=None)
    parser.add_argument("--ready-timeout", type=float, default=420.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="studio-check-"))
    detected = tuple(detect_gpus())
    emit("gpus", gpus=[gpu.spec.label for gpu in detected])
    request = PlanRequest(model=args.model_path, hardware="auto", gpus="1", engine_args=args.engine_args,
                          engine=args.engine, context_length=args.context_length)
    supervisor = Supervisor(work / "runs", SupervisorSettings(ready_timeout_s=args.ready_timeout))
    studio = Studio(supervisor, StudioSettings(work_dir=work / "studio", default_request=request), detected)
    admin = studio.viewer()
    started = time.monotonic()
    studio.launch(request, admin)
    status = supervisor.wait_for(lambda s: s.is_ready or s.phase.value in ("failed", "stopped"), args.ready_timeout)
    emit("launch", ready=status.is_ready, seconds=round(time.monotonic() - started, 1),
         health_ok_s=status.health_ok_s, warmup_s=status.warmup_s, family=studio.family().name,
         phases=[(mark.phase.value, mark.elapsed_s) for mark in status.phase_marks],
         log_tail=[] if status.is_ready else list(status.log_tail[-20:]))
    if not status.is_ready:
        return 1
    try:
        greedy = SamplingParams(temperature=0.0, max_tokens=64)
        big = photo(work / "12mp.jpg", (4032, 3024))
        for attempt in range(2):
            began = time.monotonic()
            answer = studio.ask("Locate the yellow square.", [big], [], greedy, admin)
            emit("ask", attempt=attempt, seconds=round(time.monotonic() - began, 3), images=answer["images"],
                 status=answer["status"], metrics=answer["metrics"], items=len(answer["items"]))
        began, first, partials = time.monotonic(), None, 0
        for _text in studio.stream_chat("Describe the picture.", [big], [], greedy, admin):
            partials += 1
            first = first or time.monotonic() - began
        emit("stream_chat", first_partial_s=round(first or -1, 3), partials=partials,
             seconds=round(time.monotonic() - began, 3))
        ours = studio.ground(big, PASTED)
        servers = studio.ground(big, PASTED, max_pixels=12845056)
        emit("ground", app_frame=ours.input_size, app_box=ours.items[0].box, server_frame=servers.input_size,
             server_box=servers.items[0].box)
        session = studio.new_session()
        media = studio.prepare_media([big])
        updates = session.chat.send("Where is the yellow square? Answer with bbox_2d JSON.", media.images, ())
        view = TurnView()
        session.show(updates.turn, view)
        for _update in updates:
            pass
        studio.finish_turn(session, updates.turn, view)
        emit("browser_turn", status=updates.turn.status.value, tokens_per_s=session.speeds,
             sent=updates.turn.images[0].input_size, drawn=view.overlay_path is not None)
        follow_up = session.chat.send("Point to the yellow square.")  # attaches nothing: about the photo
        view = TurnView()
        session.show(follow_up.turn, view)
        for _update in follow_up:
            pass
        studio.finish_turn(session, follow_up.turn, view)
        metrics = follow_up.turn.metrics
        emit("follow_up", status=follow_up.turn.status.value, vision_tokens=metrics.vision_tokens if metrics else None,
             cached_tokens=metrics.cached_tokens if metrics else None,
             subject=subject_of(follow_up.turn, session.chat.turns).note,
             grounded_on=view.grounding.original_size if view.grounding else None)
        session.close()
        rotated = work / "phone-exif6.jpg"
        portrait = Image.open(big).transpose(Image.Transpose.ROTATE_90)  # stored sideways, EXIF says turn it
        exif = Image.Exif()
        exif[0x0112] = 6
        portrait.save(rotated, quality=90, exif=exif.tobytes())
        answer = studio.ask("Locate the yellow square.", [str(rotated)], [], greedy, admin)
        emit("ask_exif6", images=answer["images"], vision_tokens=answer["metrics"]["vision_tokens"])
        media_steps(studio, admin, work, big, greedy)
        files = [photo(work / f"batch-{index}.jpg", (1280, 720)) for index in range(32)]
        batch = studio.start_batch(files, "Describe this picture in one sentence.", work / "batch", admin,
                                   max_tokens=32, overlays=False)
        began, last = time.monotonic(), None
        for last in batch.progress():
            pass
        assert last is not None
        emit("batch", files=last.total, answered=last.answered, problems=len(last.problems),
             seconds=round(time.monotonic() - began, 2), files_per_s=round(last.total / (time.monotonic() - began), 1))
        attached_step(work, studio.endpoint(), greedy, detected)
        public = Studio(supervisor, StudioSettings(public=True, admin_token="t", work_dir=work / "public"), detected)
        visitor = public.viewer()
        shown = public.status_json(visitor)
        try:
            public.stop(visitor)
            refused = ""
        except AdminRequired as error:
            refused = str(error)
        emit("public_visitor", base_url=shown["base_url"], pid=shown["pid"], log_lines=len(shown["log_tail"]),
             stop_refused=refused)
    finally:
        stopped = studio.stop(admin)
        emit("stop", phase=stopped.phase.value, gpu_release=stopped.gpu_release)
        supervisor.close()
    return 0


def attached_step(work: Path, endpoint: Endpoint | None, greedy: SamplingParams, detected: tuple) -> None:
    """A second app attached to the running engine by URL and key (endpoint mode): which engine and family it
    recognises, an answer about a photo, and its stop leaving the engine serving."""
    began = time.monotonic()
    supervisor = Supervisor(work / "attached-runs")
    try:
        assert endpoint is not None
        attached = Studio(supervisor, StudioSettings(work_dir=work / "attached"), detected)
        admin = attached.viewer()
        attached.attach(endpoint.base_url, endpoint.api_key, admin)
        status = supervisor.wait_for(lambda s: s.is_ready or s.phase.value == "failed", 60.0)
        seen = attached.endpoint()
        answer = attached.ask("What colour is the square?", [photo(work / "attached.jpg", (1280, 720))], [], greedy,
                              admin)
        detached = attached.stop(admin)
        still = probe(endpoint.base_url, "/v1/models", endpoint.api_key, 10.0)
        emit("attached", seconds=round(time.monotonic() - began, 3), ready=status.is_ready,
             engine=seen.engine_name if seen else None, family=seen.family if seen else None,
             local=seen.local if seen else None, answer_status=answer["status"],
             vision_tokens=answer["metrics"]["vision_tokens"], after_stop=detached.phase.value,
             engine_still_serving=still.ok)
    except Exception as error:  # noqa: BLE001 - reported, and the next step runs
        emit("attached", error=f"{type(error).__name__}: {error}")
    finally:
        supervisor.close()


def media_steps(studio: Studio, admin: Viewer, work: Path, big: str, greedy: SamplingParams) -> None:
    """Five photos in one message, a 10 s clip, and a receipt extraction held to its schema by the engine; each
    step reports its own failure and the next still runs."""
    def five_images() -> dict:
        five = [photo(work / f"five-{index}.jpg", (1280, 720)) for index in range(5)]
        answer = studio.ask("Compare these five pictures.", five, [], greedy, admin)
        return {"status": answer["status"], "sent": [image["sent_size"] for image in answer["images"]],
                "vision_tokens": answer["metrics"]["vision_tokens"], "prompt_tokens": answer["metrics"]["prompt_tokens"]}

    def video() -> dict:
        clip = make_clip(10.0, (1280, 720), 30.0, folder=work)
        answer = studio.ask("Describe what happens in this video.", [str(clip)], [], greedy, admin)
        sent = answer["videos"][0]
        return {"status": answer["status"], "sent_size": sent["sent_size"], "frames_sent": sent["frames_sent"],
                "prompt_tokens": answer["metrics"]["prompt_tokens"], "ttft_s": answer["metrics"]["ttft_s"]}

    def extraction() -> dict:
        updates = list(studio.extract([big], "receipt", SamplingParams(temperature=0.0, max_tokens=256), admin))
        document = updates[-1].document
        assert document is not None
        return {"status": document.extraction.status, "valid": document.extraction.valid,
                "finish": document.turn.metrics.finish_reason if document.turn.metrics else None,
                "answer_head": updates[-1].text[:160]}

    for name, step in (("five_images", five_images), ("video", video), ("extract", extraction)):
        began = time.monotonic()
        try:
            fields = step()
            emit(name, seconds=round(time.monotonic() - began, 3), **fields)
        except Exception as error:  # noqa: BLE001 - reported, and the next step runs
            emit(name, error=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    sys.exit(main())
