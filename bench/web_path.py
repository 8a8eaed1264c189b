"""P7, the web path: first token through Gradio for the app and for a five-line Gradio app streaming the same
engine (the floor), side by side in one run, by three paths: raw REST + SSE (/gradio_api/call/chat), the queue
protocol the browser speaks (queue/join + queue/data SSE, raw, a new session per event: the worst case), and
gradio_client (the same protocol through the client library). The raw paths keep one connection open, as a
browser does. gradio_client runs under a NetTrace, so a slow client shows where its time went (DNS, connects,
CA-bundle loads) apart from the servers. The floor closes its engine stream when Gradio closes the generator (a
client that leaves after the first token): without that, its leaked streams wedged it after ~80-130 calls.

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
from collections.abc import Callable
from pathlib import Path

import httpx

from backend.endpoint import Endpoint
from backend.plans.ports import free_port
from bench.net_trace import NetTrace, web_stack
from bench.readme_stream import READERS, measure_readers
from bench.soak.targets import REPO_ROOT, spawn_app, stop_processes, wait_engine_ready, wait_http
from bench.stats import Goal, Row, summarize

FLOOR_APP = textwrap.dedent('''
    import sys, gradio as gr, openai
    from collections.abc import Iterator
    client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key=sys.argv[2])
    def chat(text: str) -> Iterator[str]:
        with client.chat.completions.create(model=sys.argv[3], stream=True, max_tokens=16,
                                            messages=[{"role": "user", "content": text}]) as stream:
            out = ""
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    out += chunk.choices[0].delta.content
                    yield out
    with gr.Blocks() as demo:
        gr.api(chat, api_name="chat")
    demo.queue(default_concurrency_limit=32).launch(server_port=int(sys.argv[4]), prevent_thread_lock=False)
''')
PATHS = ("rest_sse", "queue_sse", "gradio_client")


def carries_text(value: object) -> bool:
    """Whether a streamed output holds any text (a full value, or sse_v3 diffs [[op, path, value], ...])."""
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, list) and value and all(isinstance(op, list) and len(op) == 3 and op[0] in
                                                 ("append", "replace", "add") for op in value):
        return any(carries_text(op[2]) for op in value)
    if isinstance(value, list | tuple):
        return any(carries_text(item) for item in value)
    if isinstance(value, dict):
        return any(carries_text(item) for item in value.values())
    return False


def rest_sse_ttft(http: httpx.Client, url: str, data: list) -> float:
    """Seconds from POST /gradio_api/call/chat to the first streamed event carrying text."""
    started = time.perf_counter()
    event = http.post(f"{url}gradio_api/call/chat", json={"data": data}).json()["event_id"]
    with http.stream("GET", f"{url}gradio_api/call/chat/{event}") as response:
        for line in response.iter_lines():
            if line.startswith("data:") and carries_text(json.loads(line[5:] or "null")):
                return time.perf_counter() - started
    raise RuntimeError(f"{url}: no text streamed")


def chat_fn_index(http: httpx.Client, url: str) -> int:
    """The dependency id of the app's /chat endpoint, from its config (what the browser and gradio_client use)."""
    config = http.get(f"{url}config").json()
    return next(dep.get("id", index) for index, dep in enumerate(config["dependencies"])
                if dep.get("api_name") == "chat")


def queue_sse_ttft(http: httpx.Client, url: str, fn_index: int, data: list, timeout_s: float = 60.0) -> float:
    """Seconds from POST queue/join to the first process_generating message of that event carrying text on
    queue/data, in a session of its own (a browser tab keeps one session for all its events, so a new session
    per event is the worst case: it pays the server's session start each time)."""
    session = secrets.token_hex(6)
    started = time.perf_counter()
    joined = http.post(f"{url}gradio_api/queue/join", json={"data": data, "event_data": None, "fn_index": fn_index,
                                                            "trigger_id": None, "session_hash": session})
    joined.raise_for_status()
    event = joined.json()["event_id"]
    with http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as response:
        for line in response.iter_lines():
            if time.perf_counter() - started > timeout_s:  # heartbeats keep alive a stream that may never deliver
                break
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("event_id") != event:
                continue
            if message.get("msg") == "process_generating" and carries_text(message.get("output", {}).get("data")):
                return time.perf_counter() - started
            if message.get("msg") == "process_completed":
                break
    raise RuntimeError(f"{url}: no text on the queue stream of event {event}")


def client_ttft(client, args: tuple, timeout_s: float = 60.0) -> float:
    """Seconds from gradio_client's submit to the first non-empty output."""
    started = time.perf_counter()
    job = client.submit(*args, api_name="/chat")
    while not (job.outputs() and job.outputs()[-1]):
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError(f"no text after {timeout_s:.0f} s: {job.status()}")
        if job.done() and not (job.outputs() and job.outputs()[-1]):
            time.sleep(0.05)  # the last outputs may land just after done()
            if not (job.outputs() and job.outputs()[-1]):
                raise RuntimeError(f"no text: {job.exception()} {job.status()}")
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    job.cancel()
    return seconds


def timed_joins(client) -> list[float]:
    """Wrap the client's queue/join POST so each call's seconds are recorded in the returned list."""
    joins: list[float] = []
    send_data = client.send_data

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return send_data(*args, **kwargs)
        finally:
            joins.append(time.perf_counter() - started)

    client.send_data = timed
    return joins


def alternate(sides: dict[str, Callable[[int], float]], repeats: int) -> dict[str, list[float]]:
    """Run the sides in turn, repeats + 1 rounds; the first round warms both up and is not kept. Milliseconds."""
    samples: dict[str, list[float]] = {side: [] for side in sides}
    for index in range(repeats + 1):
        for side, run in sides.items():
            seconds = run(index)
            if index:
                samples[side].append(seconds * 1000)
    return samples


def figures(samples: dict[str, list[float]]) -> dict:
    """p50 / p90 per side, the app's p50 minus the floor's, and the samples."""
    out: dict = {side: {"p50_ms": round(statistics.median(values), 1),
                        "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 1),
                        "samples_ms": [round(value, 1) for value in values]} for side, values in samples.items()}
    out["app_minus_floor_ms"] = round(out["app"]["p50_ms"] - out["floor"]["p50_ms"], 1)
    return out


def measure(floor_url: str, app_url: str, repeats: int) -> dict:
    """All three paths, floor and app alternating; gradio_client under a NetTrace, its queue/join POSTs timed."""
    from gradio_client import Client

    app_args = lambda i: [f"hello {i}", [], [], 16, 0.7, 0.0, 0, False]  # noqa: E731 — /chat, every input given
    results: dict = {}
    with httpx.Client(timeout=60) as http:
        results["rest_sse"] = figures(alternate(
            {"floor": lambda i: rest_sse_ttft(http, floor_url, [f"hello {i}"]),
             "app": lambda i: rest_sse_ttft(http, app_url, app_args(i))}, repeats))
        floor_fn, app_fn = chat_fn_index(http, floor_url), chat_fn_index(http, app_url)
        results["queue_sse"] = figures(alternate(
            {"floor": lambda i: queue_sse_ttft(http, floor_url, floor_fn, [f"hello {i}"]),
             "app": lambda i: queue_sse_ttft(http, app_url, app_fn, app_args(i))}, repeats))
    with NetTrace() as trace:
        started = time.perf_counter()
        floor_client, app_client = Client(floor_url, verbose=False), Client(app_url, verbose=False)
        init_ms = round((time.perf_counter() - started) * 500, 1)  # each of the two
        joins = {"floor": timed_joins(floor_client), "app": timed_joins(app_client)}
        results["gradio_client"] = figures(alternate(
            {"floor": lambda i: client_ttft(floor_client, (f"hi {i}",)),
             "app": lambda i: client_ttft(app_client, tuple(app_args(i)))}, repeats))
        results["readme"] = measure_readers(app_client, lambda i: tuple(app_args(i)), repeats)
    for side, seconds in joins.items():
        results["gradio_client"][side]["queue_join_p50_ms"] = round(statistics.median(seconds) * 1000, 1)
    results["gradio_client"]["client_init_ms"] = init_ms
    results["gradio_client"]["net_trace"] = trace.summary()
    results["web_stack"] = web_stack()
    return results


def start_web_apps(engine: Endpoint, scratch: Path) -> tuple[str, str, list[subprocess.Popen[bytes]]]:
    """The five-line floor app and `app.py --endpoint` on the same engine, both serving (floor URL, app URL,
    processes: stop them when done)."""
    (scratch / "tmp").mkdir(parents=True, exist_ok=True)
    floor_port, app_port = free_port(), free_port()
    with (scratch / "floor.log").open("wb") as log:
        floor = subprocess.Popen([sys.executable, "-c", FLOOR_APP, engine.base_url, engine.api_key, engine.model,
                                  str(floor_port)], cwd=scratch, stdout=log, stderr=subprocess.STDOUT)
    processes = [floor]
    try:
        app = spawn_app(["--endpoint", engine.base_url, "--api-key", engine.api_key, "--served-model-name",
                         engine.model], app_port, scratch)
        processes.append(app)
        floor_url, app_url = f"http://127.0.0.1:{floor_port}/", f"http://127.0.0.1:{app_port}/"
        wait_http(floor_url, 180, floor)
        wait_http(app_url, 180, app)
        wait_engine_ready(app_url, time.monotonic() + 120, app)
    except BaseException:
        stop(processes)
        raise
    return floor_url, app_url, processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the processes, the last started first."""
    stop_processes(processes[::-1])


def p7_rows(results: dict) -> list[Row]:
    """The table rows: each path, app beside the floor (goal: within 15 ms), and gradio_client beside raw SSE for
    the app (goal: within 100 ms)."""
    names = {"rest_sse": "REST + SSE (/gradio_api/call/chat)",
             "queue_sse": "queue/join + SSE, raw (the browser's protocol)",
             "gradio_client": "gradio_client (queue/join + SSE)"}
    rows = []
    for path in PATHS:
        app, floor = (summarize(results[path][side]["samples_ms"]) for side in ("app", "floor"))
        extra = {side: {k: v for k, v in results[path][side].items() if k != "samples_ms"} for side in ("app", "floor")}
        if path == "gradio_client":
            extra.update(net_trace=results[path]["net_trace"], client_init_ms=results[path]["client_init_ms"])
        rows.append(Row(f"p7_{path}_ttft_ms", f"P7 text TTFT via {names[path]}", "ms", app, floor,
                        Goal("delta_max", 15.0, "app - floor <= 15 ms"),
                        note="direct column: a five-line Gradio app streaming the same engine", extra=extra))
    rows.append(Row("p7_client_vs_sse_ms", "P7 app TTFT: gradio_client vs raw REST + SSE", "ms",
                    summarize(results["gradio_client"]["app"]["samples_ms"]),
                    summarize(results["rest_sse"]["app"]["samples_ms"]), Goal("delta_max", 100.0, "<= 100 ms more"),
                    note="direct column: the app's raw REST + SSE figure"))
    readme, for_in_job = (summarize(results["readme"][name]) for name in READERS)
    rows.append(Row("p7_readme_stream_ms", "P7 app TTFT: the README's stream(job) vs raw REST + SSE", "ms", readme,
                    summarize(results["rest_sse"]["app"]["samples_ms"]), Goal("delta_max", 100.0, "<= 100 ms more"),
                    note="the README's exact helper, compiled from its text"))
    rows.append(Row("p7_for_partial_in_job_ms", "P7 app TTFT: `for partial in job` vs the README's stream(job)", "ms",
                    for_in_job, readme, note="gradio_client's own iterator, which the README warns against"))
    return rows


def run_p7(engine: Endpoint, scratch: Path, repeats: int, log: Callable[[str], None]) -> tuple[list[Row], dict]:
    """Start both web apps on the engine, measure, stop them: the rows and the full figures."""
    log("P7: starting the five-line floor app and the app (--endpoint) on the same engine")
    floor_url, app_url, processes = start_web_apps(engine, scratch)
    try:
        results = measure(floor_url, app_url, repeats)
    finally:
        stop(processes)
    log(f"P7: web stack {results['web_stack']}; gradio_client trace {results['gradio_client']['net_trace']}")
    return p7_rows(results), results


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
    processes = []
    try:
        if args.standin:
            port, key, model = free_port(), "sk-" + secrets.token_hex(8), "Qwen/Qwen2.5-VL-7B-Instruct"
            processes.append(subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", key,
                                               "--served-model-name", model, "--load-seconds", "0.1", "--tpot-ms", "5"],
                                              cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            engine = Endpoint(f"http://127.0.0.1:{port}", key, model)
            wait_http(engine.base_url + "/health", 30, processes[-1])
        elif args.engine:
            engine = Endpoint(args.engine.rstrip("/"), args.api_key, args.model)
        else:
            parser.error("--standin or --engine is required")
        floor_url, app_url, apps = start_web_apps(engine, scratch)
        processes += apps
        print(json.dumps({"P7": measure(floor_url, app_url, args.repeats), "repeats": args.repeats}, indent=1))
    finally:
        stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
