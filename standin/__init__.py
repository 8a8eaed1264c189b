"""A stand-in for SGLang (or vLLM) at its HTTP boundary, for tests on machines without a GPU.

Run as `python -m standin --model-path M --port P [sglang flags...] [--load-seconds S] [--tpot-ms T]
[--script answers.json] [--fail-at-start KIND]`. Unknown sglang flags are accepted and ignored, so a real
launch plan's argv works once `-m sglang.launch_server` becomes `-m standin` (see standin_plan).
`python -m standin serve M [vllm serve flags...]` (or `--flavor vllm`) behaves as vLLM 0.34's `vllm serve`:
its start-up lines, error bodies, metrics and routes (standin/vllm_flavor.py); unknown flags are refused there,
as vLLM's argparse does.
A served model name with "Thinking" in it reasons before it answers, as Qwen3-VL *-Thinking does: the text holds
`reasoning</think>answer` (no opening tag: the template opened it), or with `--reasoning-parser qwen3` the reasoning
streams in `reasoning_content` deltas and the answer in `content`, as SGLang sends them.
Chunk format, error bodies and status codes follow sglang/srt/entrypoints/openai (serving_chat.py,
serving_base.py, sse_utils.py, protocol.py) and http_server.py (/health 503 until warmed up).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from standin.answers import load_script
from standin.boot import FAILURES, failure_lines, run_boot
from standin.http_api import StandinHandler, StandinState
from standin.vllm_boot import VLLM_ONLY_FAILURES
from standin.vllm_flavor import add_vllm_flags, serve_vllm

if TYPE_CHECKING:
    from backend.plans.planner import LaunchPlan

REPO_ROOT = Path(__file__).resolve().parent.parent
STANDIN_OPTIONS = ("load_seconds", "tpot_ms", "ttft_ms", "script", "fail_at_start", "children", "ignore_sigterm",
                   "compat", "own_warmup_seconds", "refuse_chat_before_ready")


def build_parser() -> argparse.ArgumentParser:
    """The sglang flags the stand-in reads, plus its own."""
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--flavor", choices=("sglang", "vllm"), default="sglang",
                        help="which engine to behave as (`serve MODEL` as the first words: vllm)")
    parser.add_argument("--model-path", "--model", default="Qwen/Qwen2.5-VL-7B-Instruct")
    parser.add_argument("--served-model-name", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=30000)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--context-length", "--max-model-len", type=int, default=128000)
    parser.add_argument("--enable-metrics", action="store_true")
    parser.add_argument("--grammar-backend", default="xgrammar", help="none: json_schema requests are refused")
    parser.add_argument("--reasoning-parser", default=None,
                        help="qwen3: a *Thinking* model's reasoning is sent in reasoning_content, not in the text")
    parser.add_argument("--load-seconds", type=float, default=0.5, help="/health answers 503 until this has passed")
    parser.add_argument("--own-warmup-seconds", type=float, default=None,
                        help="like SGLang's own warm-up: requests are answered, /health says 503 this long")
    parser.add_argument("--refuse-chat-before-ready", action="store_true",
                        help="during --own-warmup-seconds, the model list answers but chat requests get 503")
    parser.add_argument("--tpot-ms", type=float, default=5.0, help="delay between streamed tokens")
    parser.add_argument("--ttft-ms", type=float, default=0.0, help="delay before the first token")
    parser.add_argument("--script", default=None, help='JSON file: [{"match": regex, "answer": text}]')
    parser.add_argument("--fail-at-start", choices=FAILURES + VLLM_ONLY_FAILURES, default=None,
                        help=f"{', '.join(VLLM_ONLY_FAILURES)}: vllm flavour only")
    parser.add_argument("--children", type=int, default=0, help="helper processes to run (like SGLang's scheduler)")
    parser.add_argument("--ignore-sigterm", action="store_true", help="only SIGKILL ends it")
    parser.add_argument("--compat", choices=("0.5.23", "0.5.16"), default="0.5.23",
                        help="0.5.16 answers an undecodable image with HTTP 500 instead of 400")
    add_vllm_flags(parser)
    return parser


def standin_plan(plan: LaunchPlan, **options: object) -> LaunchPlan:
    """The plan with `-m sglang.launch_server` replaced by `-m standin` (`vllm serve` by `python -m standin serve`,
    the vllm flavour) and stand-in options appended.

    Options: load_seconds, tpot_ms, ttft_ms, script, fail_at_start, children, ignore_sigterm, compat,
    own_warmup_seconds, refuse_chat_before_ready.
    """
    argv = list(plan.argv)
    if argv[:2] == ["vllm", "serve"]:  # `vllm serve M ...` -> `python -m standin serve M ... --flavor vllm`
        argv = [sys.executable, "-m", "standin", *argv[1:], "--flavor", "vllm"]
    else:
        try:
            at = next(i for i in range(len(argv) - 1) if argv[i] == "-m" and argv[i + 1] == "sglang.launch_server")
        except StopIteration as error:
            raise ValueError(f"not a `python -m sglang.launch_server` or `vllm serve` plan: {argv[:4]}") from error
        argv[at + 1] = "standin"
    for name, value in options.items():
        if name not in STANDIN_OPTIONS:
            raise TypeError(f"unknown stand-in option {name!r}; known: {', '.join(STANDIN_OPTIONS)}")
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv += [flag] if value else []
        elif value is not None:
            argv += [flag, str(value)]
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), plan.env.get("PYTHONPATH", "")]))
    return dataclasses.replace(plan, argv=tuple(argv), env={**plan.env, "PYTHONPATH": python_path})


def _spawn_children(count: int) -> list[subprocess.Popen[bytes]]:
    code = "import time\nwhile True: time.sleep(3600)"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


class BackloggedHTTPServer(ThreadingHTTPServer):
    """Queues as many waiting connections as uvicorn does (2048; Python's default of 5 resets bursts of 32+
    streamed requests, each of which opens its own connection)."""

    request_queue_size = 2048


def main(argv: list[str] | None = None) -> int:
    """Bind, print the loading lines, then serve until killed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    serve_words = argv[:1] == ["serve"]
    if serve_words:  # `vllm serve MODEL ...`: the model is positional
        argv = argv[1:] if argv[1:2] == [] or argv[1].startswith("-") else ["--model", *argv[1:]]
    args, unknown = build_parser().parse_known_args(argv)
    if serve_words and "--flavor" not in argv:
        args.flavor = "vllm"
    served = args.served_model_name or args.model_path
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    state = StandinState(
        model=args.model_path, served_model_name=served, api_key=args.api_key, context_length=args.context_length,
        enable_metrics=args.enable_metrics, tpot_s=args.tpot_ms / 1000.0, ttft_s=args.ttft_ms / 1000.0,
        script=load_script(args.script), compat=args.compat, grammar_backend=args.grammar_backend,
        reasoning_parser=args.reasoning_parser, chat_before_ready=not args.refuse_chat_before_ready,
    )
    if args.flavor == "vllm":
        return serve_vllm(args, unknown, state)
    if args.fail_at_start in VLLM_ONLY_FAILURES:
        print(f"--fail-at-start {args.fail_at_start} is a vllm flavour failure", file=sys.stderr)
        return 2
    try:
        server = BackloggedHTTPServer((args.host, args.port), StandinHandler)
    except OSError as error:
        for line in failure_lines("port", args.host, args.port, args.model_path)[0]:
            print(line.replace("[Errno 98]", f"[Errno {error.errno}]"), flush=True)
        return 1
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, name="standin-http", daemon=True).start()
    children = _spawn_children(args.children)
    status = run_boot(args.load_seconds, args.model_path, served, args.host, args.port, args.context_length,
                      args.api_key, args.fail_at_start, state.ready.set, on_serving=state.serving.set,
                      own_warmup_s=args.own_warmup_seconds)
    if status is not None:
        for child in children:
            child.kill()
        return status
    threading.Event().wait()
    return 0

