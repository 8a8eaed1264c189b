"""On a GPU host: the app (started here with its own real SGLang engine) through its named API with real-sized
photos — the frame each path uses, the engine's own token count for it, the agent preset's stated screen size.

    python3 -m bench.gpu.app_paths_check --app-args "--model $QWEN_MODEL_DIR --engine-args '$SGLANG_DUMMY_FLAGS' \
        --launch" --out "$OUT/app_paths.jsonl"

Dummy weights answer random tokens, so the boxes are checked with a scripted answer through /ground and the sizes
with the engine's usage: the same prompt on images of different sizes must differ in prompt tokens by exactly the
vision tokens of the frames the app says it sent (so SGLang cut the same grid the app resized to).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.grounding.presets import get_preset  # noqa: E402
from bench.photos import alpha_png, middle_half_box, phone_photo, plain_jpeg, within  # noqa: E402
from bench.soak.targets import start_app  # noqa: E402


def emit(out, record: dict) -> None:
    line = json.dumps(record)
    print(line, flush=True)
    out.write(line + "\n")
    out.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-args", required=True)
    parser.add_argument("--out", default="app_paths.jsonl")
    args = parser.parse_args()
    from gradio_client import Client, handle_file

    folder = Path(tempfile.mkdtemp(prefix="app-paths-"))
    photos = {"exif6-12mp": phone_photo(folder, 6), "exif3-12mp": phone_photo(folder, 3),
              "6000x4000": plain_jpeg(folder), "png-alpha": alpha_png(folder)}
    started = time.monotonic()
    target = start_app(args.app_args)
    ok = True
    with open(args.out, "w") as out:
        client = Client(target.url, verbose=False)
        status = client.predict(api_name="/status")
        emit(out, {"check": "app_ready", "seconds": round(time.monotonic() - started, 1), "phases": status["phases"],
                   "message": status["message"]})
        try:
            text_tokens = set()
            for name, photo in photos.items():
                reply = client.predict("Describe the image.", [handle_file(str(photo.path))], [], 8, 0.0,
                                       api_name="/ask")
                image = reply["images"][0]
                sent = tuple(image["sent_size"])
                metrics = reply["metrics"]
                text_tokens.add(metrics.get("text_tokens"))
                width, height = sent
                answer = json.dumps([{"bbox_2d": [width // 4, height // 4, 3 * width // 4, 3 * height // 4]}])
                _overlay, items = client.predict(handle_file(str(photo.path)), answer, "", 0, api_name="/ground")
                placed = within(items[0]["bbox"], middle_half_box(photo.upright, sent)) if items else False
                ok &= placed and tuple(image["original_size"]) == photo.upright
                emit(out, {"check": "frame", "photo": name, "original": image["original_size"], "sent": sent,
                           "vision_tokens": metrics.get("vision_tokens"), "prompt_tokens": metrics.get("prompt_tokens"),
                           "text_tokens": metrics.get("text_tokens"), "ttft_s": metrics.get("ttft_s"),
                           "box_within_2px": placed})
            same_text = len(text_tokens) == 1 and None not in text_tokens
            ok &= same_text
            emit(out, {"check": "engine_counts_the_sent_grid", "text_tokens_seen": sorted(map(str, text_tokens)),
                       "ok": same_text})
            preset = get_preset("phone-use")
            reply = client.predict(preset.prompt("Turn on dark mode"), [handle_file(str(photos["exif6-12mp"].path))],
                                   [{"role": "system", "content": preset.system_prompt}], 64, 0.0, api_name="/ask")
            emit(out, {"check": "phone_use_preset", "status": reply["status"], "sent": reply["images"][0]["sent_size"],
                       "prompt_tokens": reply["metrics"].get("prompt_tokens"), "items": len(reply["items"])})
        finally:
            target.close()
    print("ALL OK" if ok else "SOME CHECKS FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
