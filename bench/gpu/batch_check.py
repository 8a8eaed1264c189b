"""P8 on a GPU host: N photos through the app's /batch beside a direct concurrent openai client sending the same
prepared images to the same engine, in one run (the direct client is the floor). The app is driven three times:
with the photos as N files (gradio_client uploads each with a new httpx client, which loads the CA bundle each time),
the same with one TLS context passed as gradio_client's ssl_verify (the client usage the README advises), and as one
zip. upload_s is the time to the first progress update (uploads + discovery); batch_s is the batch's own elapsed time
as the app reports it (from the start of the requests); ratio_* compare end-to-end images/s, batch_ratio_* the
batch alone.

    python3 -m bench.gpu.batch_check --app-args "--model $QWEN_MODEL_DIR --engine-args '${SGLANG_DUMMY_FLAGS/--grammar-backend none/}' \
        --launch" --photos 200 --out "$OUT/batch.jsonl"
    python3 -m bench.gpu.batch_check --standin --photos 100 --out batch.jsonl   # CPU: the stand-in engine
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.batch.runner import DEFAULT_CONCURRENCY  # noqa: E402
from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT  # noqa: E402
from backend.endpoint import Endpoint  # noqa: E402
from backend.media.uploads import MediaPreparer  # noqa: E402
from bench.clients import Sampling, direct_answer, direct_client, direct_messages, user_message  # noqa: E402
from bench.media import PhotoMaker  # noqa: E402
from bench.soak import targets  # noqa: E402

PROMPT = "Detect every object and output its bbox coordinates in JSON format."


def emit(out, record: dict) -> None:
    line = json.dumps(record)
    print(line, flush=True)
    out.write(line + "\n")
    out.flush()


def direct_run(endpoint: Endpoint, urls: list[str], max_tokens: int, concurrency: int) -> dict:
    """The same prepared images, one request each, `concurrency` in flight, straight to the engine."""
    client = direct_client(endpoint)
    sampling = Sampling(temperature=0.0, top_p=1.0, max_tokens=max_tokens)

    def one(url: str) -> int:
        messages = direct_messages([user_message(PROMPT, [url])], DEFAULT_SYSTEM_PROMPT)
        return direct_answer(client, endpoint.model, messages, sampling).completion_tokens

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        tokens = list(pool.map(one, urls))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "images_per_s": round(len(urls) / seconds, 2), "tokens": sum(tokens)}


def app_run(url: str, uploads: list[Path], photos: int, max_tokens: int, ssl_verify: bool | ssl.SSLContext = True
            ) -> dict:
    """/batch through gradio_client with uploads (the photos, or one zip of them), timed from submit to the end."""
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, ssl_verify=ssl_verify)
    started = time.perf_counter()
    job = client.submit([handle_file(str(path)) for path in uploads], PROMPT, max_tokens, 0.0, api_name="/batch")
    while not job.outputs() and not job.done():
        time.sleep(0.01)
    upload_s = time.perf_counter() - started
    final = job.result(timeout=900)
    seconds = time.perf_counter() - started
    results = final["results"]
    answered = sum(1 for result in results if result.get("answer") and not result.get("error"))
    tokens = sum(int((result.get("metrics") or {}).get("completion_tokens") or 0) for result in results)
    batch_s = float(final["progress"]["elapsed_s"])
    return {"seconds": round(seconds, 2), "upload_s": round(upload_s, 2), "images_per_s": round(photos / seconds, 2),
            "batch_s": batch_s, "batch_images_per_s": round(photos / batch_s, 2), "answered": answered,
            "tokens": tokens, "files": sorted(final["files"])}


def zip_of(paths: list[Path], target: Path) -> Path:
    """The photos stored (not compressed: JPEGs do not shrink) in one zip."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-args", default=None, help="how to start app.py (with --launch: it starts the engine)")
    parser.add_argument("--standin", action="store_true", help="instead: the stand-in engine and app.py --endpoint")
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--out", default="batch.jsonl")
    args = parser.parse_args()
    if bool(args.app_args) == args.standin:
        parser.error("give --app-args or --standin")
    folder = Path(tempfile.mkdtemp(prefix="batch-check-"))
    maker = PhotoMaker(folder, (1600, 1200))
    paths = [maker.next("batch").path for _ in range(args.photos)]
    preparer = MediaPreparer()
    urls = [preparer.image(path).data_url for path in paths]
    archive = zip_of(paths, folder / "photos.zip")
    target, endpoint = start_standin_app() if args.standin else (targets.start_app(args.app_args), None)
    try:
        from gradio_client import Client

        status = Client(target.url, verbose=False).predict(api_name="/status")
        plan = status["plan"] or {}
        with open(args.out, "w") as out:
            emit(out, {"check": "ready", "model": status["model"], "plan": plan})
            endpoint = endpoint or engine_endpoint(target)
            # every photo once first, so each run below finds the engine's prefix cache alike (on the H100 the
            # first app run, alone on a cold cache, came out at 0.76 of the direct client where the next gave 1.02)
            direct_run(endpoint, urls, args.max_tokens, DEFAULT_CONCURRENCY)
            runs = {"app": app_run(target.url, paths, args.photos, args.max_tokens),
                    "app_shared_tls": app_run(target.url, paths, args.photos, args.max_tokens,
                                              ssl.create_default_context()),
                    "app_zip": app_run(target.url, [archive], args.photos, args.max_tokens)}
            direct = direct_run(endpoint, urls, args.max_tokens, DEFAULT_CONCURRENCY)
            ratios = {}
            for name, run in runs.items():
                suffix = name.removeprefix("app")
                ratios[f"ratio{suffix}"] = round(run["images_per_s"] / direct["images_per_s"], 3)
                ratios[f"batch_ratio{suffix}"] = round(run["batch_images_per_s"] / direct["images_per_s"], 3)
            emit(out, {"check": "P8", "photos": args.photos, "concurrency": DEFAULT_CONCURRENCY, **runs,
                       "direct": direct, **ratios})
    finally:
        target.close()
    return 0


def start_standin_app() -> tuple[targets.SoakTarget, Endpoint]:
    """The stand-in engine answering a detection prompt with five boxes, and app.py --endpoint on it."""
    script = Path(tempfile.mkdtemp(prefix="batch-check-answers-")) / "answers.json"
    boxes = [{"bbox_2d": [60 + 150 * i, 80 + 90 * i, 260 + 150 * i, 300 + 90 * i], "label": f"object {i}"}
             for i in range(5)]
    script.write_text(json.dumps([{"match": "Detect", "answer": "```json\n" + json.dumps(boxes) + "\n```"}]))
    target = targets.start_with_standin(tpot_ms=1, ttft_ms=50, script=script)
    assert target.engine is not None
    return target, target.engine


def engine_endpoint(target) -> Endpoint:
    """The engine the app launched, from its adoption record (the app's API never shows its key)."""
    for path in sorted((target.scratch / "runs").glob("engine-*.json")):
        data = json.loads(path.read_text())
        return Endpoint(f"http://127.0.0.1:{data['port']}", data["api_key"], data["served_model_name"])
    raise RuntimeError(f"no engine record under {target.scratch / 'runs'}")


if __name__ == "__main__":
    sys.exit(main())
