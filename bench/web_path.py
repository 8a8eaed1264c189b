"""P7, the web path: first token through Gradio for the app and for a five-line Gradio app streaming the same
engine (the floor), by raw REST + SSE (/gradio_api/call/chat) and by gradio_client (queue/join + SSE, the path
the browser takes too), side by side in one run.

    python -m bench.web_path --standin                      # starts a stand-in engine here (CPU)
    python -m bench.web_path --engine URL --api-key KEY     # an engine that is already running (GPU host)
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from backend.plans.ports import free_port
from bench.soak.targets import REPO_ROOT, spawn_app, wait_engine_ready, wait_http

FLOOR_APP = textwrap.dedent('''
    import sys, gradio as gr, openai
    from collections.abc import Iterator
    client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key=sys.argv[2])
    def chat(text: str) -> Iterator[str]:
        stream = client.chat.completions.create(model=sys.argv[3], stream=True, max_tokens=16,
                                                messages=[{"role": "user", "content": text}])
        out = ""
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                out += chunk.choices[0].delta.content
                yield out
    with gr.Blocks() as demo:
        gr.api(chat, api_name="chat")
    demo.queue(default_concurrency_limit=32).launch(server_port=int(sys.argv[4]), prevent_thread_lock=False)
''')


def rest_sse_ttft(url: str, data: list) -> float:
    """Seconds from POST /gradio_api/call/chat to the first streamed event carrying text."""
    started = time.perf_counter()
    event = httpx.post(f"{url}gradio_api/call/chat", json={"data": data}, timeout=60).json()["event_id"]
    with httpx.stream("GET", f"{url}gradio_api/call/chat/{event}", timeout=60) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and json.loads(line[5:] or "null") not in (None, [""], [None]):
                return time.perf_counter() - started
    raise RuntimeError(f"{url}: no text streamed")


def client_ttft(client, args: tuple) -> float:
    """Seconds from gradio_client's submit to the first non-empty output."""
    started = time.perf_counter()
    job = client.submit(*args, api_name="/chat")
    while not (job.outputs() and job.outputs()[-1]):
        if job.done() and not (job.outputs() and job.outputs()[-1]):
            time.sleep(0.05)  # the last outputs may land just after done()
            if not (job.outputs() and job.outputs()[-1]):
                raise RuntimeError(f"no text: {job.exception()} {job.status()}")
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    job.cancel()
    return seconds


def measure(floor_url: str, app_url: str, repeats: int) -> dict:
    from gradio_client import Client

    paths = {
        "rest_sse": {"floor": lambda i: rest_sse_ttft(floor_url, [f"hello {i}"]),
                     "app": lambda i: rest_sse_ttft(app_url, [f"hello {i}", [], [], 16, 0.7])},
    }
    floor_client, app_client = Client(floor_url, verbose=False), Client(app_url, verbose=False)
    paths["gradio_client"] = {"floor": lambda i: client_ttft(floor_client, (f"hi {i}",)),
                              "app": lambda i: client_ttft(app_client, (f"hi {i}", [], [], 16, 0.7))}
    results = {}
    for path, sides in paths.items():
        samples: dict[str, list[float]] = {"floor": [], "app": []}
        for index in range(repeats + 1):  # alternate the sides; the first round warms both up
            for side, run in sides.items():
                seconds = run(index)
                if index:
                    samples[side].append(seconds * 1000)
        results[path] = {side: {"p50_ms": round(statistics.median(values), 1),
                                "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 1)}
                         for side, values in samples.items()}
        results[path]["app_minus_floor_ms"] = round(results[path]["app"]["p50_ms"] -
                                                    results[path]["floor"]["p50_ms"], 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_path", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--standin", action="store_true")
    parser.add_argument("--engine")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--model", default="default")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="web-path-"))
    (scratch / "tmp").mkdir()
    processes = []
    try:
        if args.standin:
            port, key, model = free_port(), "sk-" + secrets.token_hex(8), "Qwen/Qwen2.5-VL-7B-Instruct"
            processes.append(subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", key,
                                               "--served-model-name", model, "--load-seconds", "0.1", "--tpot-ms", "5"],
                                              cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            engine = f"http://127.0.0.1:{port}"
            wait_http(engine + "/health", 30, processes[-1])
        elif args.engine:
            engine, key, model = args.engine.rstrip("/"), args.api_key, args.model
        else:
            parser.error("--standin or --engine is required")
        floor_port, app_port = free_port(), free_port()
        processes.append(subprocess.Popen([sys.executable, "-c", FLOOR_APP, engine, key, model, str(floor_port)],
                                          cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        app = spawn_app(["--endpoint", engine, "--api-key", key, "--served-model-name", model], app_port, scratch)
        processes.append(app)
        floor_url, app_url = f"http://127.0.0.1:{floor_port}/", f"http://127.0.0.1:{app_port}/"
        wait_http(floor_url, 120, processes[-2])
        wait_http(app_url, 120, app)
        wait_engine_ready(app_url, time.monotonic() + 60, app)
        print(json.dumps({"P7": measure(floor_url, app_url, args.repeats), "repeats": args.repeats}, indent=1))
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
