"""Acceptance run for issues 4 and 5 on real SGLang: media go through the app's chat path and the server's own
prompt-token count proves it used exactly our model-input sizes. Prints JSON lines, then a summary.

    source .whl/carry/device_env.sh
    python -m bench.gpu.media_check --model-path "$QWEN_MODEL_DIR" --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"
    python -m bench.gpu.media_check --base-url http://127.0.0.1:30000 --api-key KEY   # a running server

Checks (each streams an answer through backend.chat.session.ChatSession): a 12 MP photo; a 3-image turn; a follow-up
turn on the same image (TTFT beside the first turn's); a short video sent as a local file path and as the
re-encoded clip (backend/media/video.py); a grounding prompt whose answer is parsed and mapped (backend.grounding).
Image tokens the server used = prompt_tokens(with media) - prompt_tokens(same text alone) - 2 per item
(<|vision_start|>, <|vision_end|>); each must equal sum((H/28)*(W/28)) of our resize.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import openai

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT
from backend.endpoint import Endpoint
from backend.engine.supervisor import Supervisor
from backend.grounding import ground
from backend.media.images import PreparedImage, prepare_image
from backend.media.video import PreparedVideo, VideoLimits, prepare_video
from backend.plans.planner import PlanRequest, make_plan
from bench.clients import Sampling, TimedAnswer, app_answer, app_session, direct_client
from bench.launch import engine_version, gpu_names, masked_command
from bench.media import PhotoMaker, make_clip, photo_pixels, write_jpeg

WRAP_TOKENS = 2  # <|vision_start|> ... <|vision_end|> around each image's or video's pad tokens
GROUNDING_PROMPT = "Detect every object in the image and output their bbox_2d coordinates in JSON format."


def emit(out: list[dict], record: dict) -> None:
    """Print one JSON line and keep it for the summary."""
    out.append(record)
    print(json.dumps(record, default=str), flush=True)


def text_only_prompt_tokens(client: openai.OpenAI, model: str, text: str) -> int:
    """prompt_tokens of the same message without media (system prompt as the app sends it)."""
    response = client.chat.completions.create(
        model=model, max_tokens=1, temperature=0.0,
        messages=[{"role": "system", "content": DEFAULT_SYSTEM_PROMPT}, {"role": "user", "content": text}])
    return int(response.usage.prompt_tokens)


def media_turn(endpoint: Endpoint, client: openai.OpenAI, name: str, text: str,
               images: Sequence[PreparedImage] = (), videos: Sequence[PreparedVideo] = (),
               max_tokens: int = 48) -> tuple[dict, TimedAnswer]:
    """Stream one message with media through the app path; compare the server's vision tokens with ours."""
    session = app_session(endpoint, Sampling(max_tokens=max_tokens))
    answer = app_answer(session, text, images, videos)
    baseline = text_only_prompt_tokens(client, endpoint.model, text)
    items = len(images) + len(videos)
    server = (answer.prompt_tokens or 0) - baseline - WRAP_TOKENS * items
    ours = sum(image.vision_tokens for image in images) + sum(video.vision_tokens for video in videos)
    metrics = session.turns[-1].metrics
    record = {
        "check": name, "ok": server == ours, "our_vision_tokens": ours, "server_vision_tokens": server,
        "server_reported_vision_tokens": metrics.server_vision_tokens if metrics else None,
        "prompt_tokens": answer.prompt_tokens, "text_only_prompt_tokens": baseline,
        "ttft_s": round(answer.ttft_s, 4), "tpot_ms": round(answer.tpot_s * 1000, 3) if answer.tpot_s else None,
        "completion_tokens": answer.completion_tokens,
        "images": [{"original": image.original_size, "input": image.input_size, "tokens": image.vision_tokens,
                    "sent_bytes": image.encoded_bytes} for image in images],
        "videos": [{"original": video.original_size, "input": video.input_size, "frames": len(video.plan.frame_indices),
                    "sample_fps": video.plan.sample_fps, "tokens": video.vision_tokens,
                    "sent": "clip" if not endpoint.local else "file path",
                    "clip_bytes": len(video.clip) if video.clip else None} for video in videos],
        "answer": answer.text[:200],
    }
    return record, answer


def follow_up_check(endpoint: Endpoint, image: PreparedImage) -> dict:
    """Two turns on one image through one ChatSession: the follow-up's TTFT beside the first turn's."""
    session = app_session(endpoint, Sampling(max_tokens=32))
    first = app_answer(session, "Describe this photo.", [image])
    second = app_answer(session, "What colour is the largest object?")
    cached = session.turns[-1].metrics.cached_tokens if session.turns[-1].metrics else None
    # ok: both turns streamed an answer (app_answer raises otherwise); the speed-up is reported, not judged,
    # because only a real engine has a prefix cache (expect a ratio well under 0.5 on SGLang).
    return {"check": "follow_up_same_image", "ok": True, "follow_up_faster": second.ttft_s < first.ttft_s,
            "first_turn_ttft_s": round(first.ttft_s, 4), "follow_up_ttft_s": round(second.ttft_s, 4),
            "ratio": round(second.ttft_s / first.ttft_s, 3), "follow_up_prompt_tokens": second.prompt_tokens,
            "follow_up_cached_tokens": cached, "image_tokens": image.vision_tokens}


def grounding_check(endpoint: Endpoint, client: openai.OpenAI, photo: Path, expect_middle_box: bool) -> dict:
    """A grounding prompt on an off-grid photo: same token check, then the answer parsed and mapped back.
    expect_middle_box (stand-in): its answer [w/4, h/4, 3w/4, 3h/4] of the model input must land on the middle
    of the original within 2 px (real SGLang with dummy weights answers nonsense: only the tokens are checked)."""
    image = prepare_image(photo)
    record, answer = media_turn(endpoint, client, "grounding_input_size", GROUNDING_PROMPT, [image], max_tokens=128)
    result = ground(answer.text, image.original_size, image.input_size, endpoint.family)
    width, height = image.original_size
    record["grounding"] = {"family": result.family, "items": len(result.items), "formats": list(result.formats),
                           "notes": list(result.notes)[:3], "boxes": [item_box(item) for item in result.items[:3]]}
    if expect_middle_box:
        middle = (width / 4, height / 4, 3 * width / 4, 3 * height / 4)
        box = item_box(result.items[0]) if result.items else None
        landed = box is not None and all(abs(got - want) <= 2 for got, want in zip(box, middle))
        record["grounding"]["expected_box"] = [round(value, 1) for value in middle]
        record["ok"] = record["ok"] and landed
    return record


def item_box(item: object) -> list[float] | None:
    """An item's box or point in original pixels, as a plain list."""
    for name in ("box", "point"):
        value = getattr(item, name, None)
        if value is not None:
            return [round(float(number), 1) for number in value]
    return None


def run_checks(endpoint: Endpoint, work_dir: Path, context_length: int, video_seconds: float,
               standin: bool = False) -> list[dict]:
    """Every check, in order; one JSON line each."""
    out: list[dict] = []
    client = direct_client(endpoint)
    photo = PhotoMaker(work_dir / "photos").next("photo-12mp")
    twelve = prepare_image(photo.path)
    emit(out, media_turn(endpoint, client, "photo_12mp", "Describe this photo.", [twelve])[0])
    trio = [prepare_image(write_jpeg(photo_pixels(width, height, seed), work_dir / f"trio-{seed}.jpg").path)
            for seed, (width, height) in enumerate(((1280, 720), (1000, 667), (2448, 3264)))]
    emit(out, media_turn(endpoint, client, "three_images", "Compare these three pictures.", trio)[0])
    emit(out, follow_up_check(endpoint, prepare_image(PhotoMaker(work_dir / "photos").next("follow-up").path)))
    clip = make_clip(video_seconds, size=(1280, 720), folder=work_dir)
    limits = VideoLimits.for_context(context_length)
    local = dataclasses.replace(endpoint, local=True)
    emit(out, media_turn(local, client, "video_local_path", "What happens in this video?",
                         videos=[prepare_video(clip, limits, encode=False)])[0])
    remote = dataclasses.replace(endpoint, local=False)
    emit(out, media_turn(remote, client, "video_reencoded_clip", "What happens in this video?",
                         videos=[prepare_video(clip, limits, encode=True)])[0])
    off_grid = write_jpeg(photo_pixels(1366, 911, seed=21), work_dir / "grounding-1366x911.jpg")
    emit(out, grounding_check(endpoint, client, off_grid.path, expect_middle_box=standin))
    return out


def summary_table(records: list[dict]) -> str:
    """The checks as a markdown table."""
    lines = ["| check | ok | our vision tokens | server's | TTFT s |", "|---|---|---|---|---|"]
    for record in records:
        ttft = record.get("ttft_s", record.get("first_turn_ttft_s"))
        if record["check"] == "follow_up_same_image":
            ttft = f"{record['first_turn_ttft_s']} first, {record['follow_up_ttft_s']} follow-up"
        lines.append(f"| {record['check']} | {'yes' if record['ok'] else 'NO'} | "
                     f"{record.get('our_vision_tokens', record.get('image_tokens', '-'))} | "
                     f"{record.get('server_vision_tokens', '-')} | {ttft} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu.media_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-path", default=None)
    parser.add_argument("--engine-args", default="", help='extra engine flags, e.g. "$SGLANG_DUMMY_FLAGS"')
    parser.add_argument("--hardware", default="auto")
    parser.add_argument("--base-url", default=None, help="check a running server instead of launching one")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--standin", action="store_true", help="rehearse on CPU with the stand-in engine")
    parser.add_argument("--video-seconds", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=Path("gpu-media-check.jsonl"))
    args = parser.parse_args(argv)
    if not (args.model_path or args.standin or args.base_url):
        parser.error("--model-path is required (or --standin, or --base-url)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work_dir = Path(tempfile.mkdtemp(prefix="qwen-vl-media-check-"))
    supervisor = Supervisor(work_dir / "runs")
    try:
        context_length = 128000
        if args.base_url:
            supervisor.attach(args.base_url, args.api_key)
            flags = f"attached to {args.base_url}"
        else:
            hardware = "H100" if args.standin and args.hardware == "auto" else args.hardware
            plan = make_plan(PlanRequest(model=args.model_path or "7B", hardware=hardware,
                                         engine_args=args.engine_args, api_key="k" + secrets.token_hex(16)))
            if args.standin:
                from standin import standin_plan

                plan = standin_plan(plan, load_seconds=0.5, tpot_ms=2)
            context_length, flags = plan.context_length, masked_command(plan)
            started = time.monotonic()
            supervisor.launch(plan)
        status = supervisor.wait_ready(args.timeout)
        endpoint = supervisor.endpoint()
        if endpoint is None:
            print(json.dumps({"event": "not_ready", "message": status.message, "log_tail": status.log_tail[-15:]}))
            return 1
        engine = "stand-in engine (standin), not SGLang" if args.standin else engine_version(endpoint)
        header = {"event": "header", "device": gpu_names(), "engine": engine,
                  "model": endpoint.model, "flags": flags,
                  "launch_to_ready_s": None if args.base_url else round(time.monotonic() - started, 2)}
        print(json.dumps(header), flush=True)
        records = run_checks(endpoint, work_dir, context_length, args.video_seconds, args.standin)
    finally:
        supervisor.close()
    args.out.write_text("\n".join(json.dumps(line, default=str) for line in [header, *records]) + "\n")
    passed = all(record["ok"] for record in records)
    print(json.dumps({"event": "summary", "all_ok": passed, "checks": len(records),
                      "failed": [record["check"] for record in records if not record["ok"]]}), flush=True)
    print("\n" + summary_table(records), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
