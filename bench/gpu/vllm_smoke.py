"""Smoke check of a running vLLM OpenAI server on the GPU host: /health, one image request, one video request.

    python3 -m bench.gpu.vllm_smoke --base http://127.0.0.1:8000 --wait 540 --out "$OUT/vllm_smoke.jsonl"

Needs only what the GPU image has (requests, numpy, pillow, opencv-python-headless), not the app's packages. The
image is a generated 1280x720 JPEG, the video a generated 2 s 320x240 MP4 (mp4v, 8 fps), both sent inline as data
URLs. With --load-format dummy the answers are random tokens; what counts is HTTP 200, a streamed first token, and
the server's prompt_tokens (Qwen2.5-VL: a 1280x720 image is resized to 1288x728 -> 46x26 merged patches = 1,196
image tokens). Prints one JSON line per check and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests


def alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited child that its shell has not reaped yet is a zombie: state Z
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def wait_health(base: str, wait: float, pid: int | None = None) -> dict:
    t0 = time.monotonic()
    last = ""
    while time.monotonic() - t0 < wait:
        if not alive(pid):
            return {"check": "health", "ok": False, "waited_s": round(time.monotonic() - t0, 1),
                    "last": f"server process {pid} exited"}
        try:
            r = requests.get(f"{base}/health", timeout=5)
            if r.status_code == 200:
                return {"check": "health", "ok": True, "waited_s": round(time.monotonic() - t0, 1)}
            last = f"HTTP {r.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(2)
    return {"check": "health", "ok": False, "waited_s": round(time.monotonic() - t0, 1), "last": last}


def image_url() -> str:
    from PIL import Image

    rng = np.random.default_rng(0)
    arr = (rng.random((720, 1280, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def video_url() -> str:
    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 8.0, (320, 240))
        for i in range(16):
            frame = np.zeros((240, 320, 3), np.uint8)
            cv2.rectangle(frame, (10 + 15 * i, 60), (60 + 15 * i, 180), (0, 200, 255), -1)
            writer.write(frame)
        writer.release()
        return "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode()


def chat(base: str, model: str, content: list, name: str, max_tokens: int) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens,
            "stream": True, "stream_options": {"include_usage": True}}
    t0 = time.monotonic()
    ttft = None
    text = []
    usage = None
    try:
        with requests.post(f"{base}/v1/chat/completions", json=body, stream=True, timeout=300) as r:
            if r.status_code != 200:
                return {"check": name, "ok": False, "status": r.status_code, "body": r.text[:500]}
            for line in r.iter_lines():
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                if chunk.get("usage"):
                    usage = chunk["usage"]
                for choice in chunk.get("choices", []):
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        if ttft is None:
                            ttft = time.monotonic() - t0
                        text.append(piece)
    except requests.RequestException as exc:
        return {"check": name, "ok": False, "error": repr(exc)[:500]}
    return {"check": name, "ok": ttft is not None, "ttft_s": None if ttft is None else round(ttft, 3),
            "total_s": round(time.monotonic() - t0, 3), "usage": usage, "text_head": "".join(text)[:80]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--wait", type=float, default=540.0, help="seconds to wait for /health")
    ap.add_argument("--pid", type=int, default=None, help="stop waiting once this server process is gone")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    results = [wait_health(args.base, args.wait, args.pid)]
    if results[0]["ok"]:
        model = requests.get(f"{args.base}/v1/models", timeout=10).json()["data"][0]["id"]
        results.append({"check": "models", "ok": True, "model": model})
        results.append(chat(args.base, model, [{"type": "text", "text": "Say hi."}], "text", args.max_tokens))
        img = [{"type": "image_url", "image_url": {"url": image_url()}}, {"type": "text", "text": "Describe it."}]
        results.append(chat(args.base, model, img, "image", args.max_tokens))
        results.append(chat(args.base, model, img, "image_again", args.max_tokens))
        vid = [{"type": "video_url", "video_url": {"url": video_url()}}, {"type": "text", "text": "What moves?"}]
        results.append(chat(args.base, model, vid, "video", args.max_tokens))
    for res in results:
        print(json.dumps(res), flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in results))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
