"""Qwen2.5-VL demo studio: entry point.

`python app.py --dry-run --model 7B --hardware H100 --gpus 2` prints the launch plan (exit 0), or the reason it
cannot fit (exit 3); bad arguments exit 2. Without --dry-run the web UI starts (see `python app.py --help`).
`python app.py batch --endpoint URL --prompt "..." FILES_OR_DIR --out results.jsonl` runs a batch (see
`python app.py batch --help`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from backend.engines import VLLM_PROGRAM_VARIABLE
from backend.hardware import CATALOG as GPU_CATALOG
from backend.host import HeapTrimmer, cap_malloc_arenas
from backend.media.images import APP_MAX_PIXELS, MAX_PIXELS
from backend.plans.errors import PlanInputError
from backend.plans.planner import ENGINES, KV_CACHE_DTYPES, ROUTERS, WEIGHT_QUANTIZATIONS, PlanRequest, make_plan
from backend.plans.render import render_plan
from backend.studio.viewer import PUBLIC_MAX_FILE_SIZE

EXIT_OK = 0
EXIT_BAD_ARGS = 2
EXIT_CANNOT_FIT = 3


def env_flag(name: str) -> bool:
    """True when the environment variable is 1 / true / yes / on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface; every flag is documented in --help."""
    gpu_names = ", ".join(spec.name for spec in GPU_CATALOG)
    parser = argparse.ArgumentParser(
        prog="app.py",
        description="Qwen2.5-VL demo studio: plan and launch SGLang (or vLLM) for Qwen2.5-VL, then chat about "
                    "images and videos.",
        epilog="Exit codes: 0 ok; 2 bad arguments; 3 the model cannot fit the hardware (the reason is printed). "
               "`python app.py batch --help`: one prompt over a folder of images or videos.",
    )
    plan = parser.add_argument_group("launch plan")
    plan.add_argument("--model", default=os.environ.get("MODEL", "7B"),
                      help="3B, 7B, 32B or 72B (Qwen/Qwen2.5-VL-<size>-Instruct), 3B-AWQ ... 72B-AWQ "
                           "(Qwen/Qwen2.5-VL-<size>-Instruct-AWQ), another Hugging Face id, or a local model folder "
                           "with config.json (default: 7B)")
    plan.add_argument("--hardware", default=os.environ.get("HARDWARE", "auto"),
                      help=f"GPU type, case-insensitive ({gpu_names}), or auto: the GPUs detected on this host "
                           "(default: auto)")
    plan.add_argument("--gpus", default=None,
                      help="how many GPUs (4) or which ones (0,2); more than the model needs run data-parallel "
                           "replicas (default: the fewest that fit)")
    plan.add_argument("--engine", choices=ENGINES, default="sglang", help="inference engine (default: sglang)")
    plan.add_argument("--vllm", default=os.environ.get(VLLM_PROGRAM_VARIABLE, ""), metavar="PATH",
                      help="the vllm program that starts vLLM plans, e.g. a virtual environment's bin/vllm "
                           f"(default: ${VLLM_PROGRAM_VARIABLE}, else the vllm beside this Python, else on PATH)")
    plan.add_argument("--quantization", choices=WEIGHT_QUANTIZATIONS, default="none",
                      help="fp8: quantize a bf16 checkpoint's linear layers (vision tower included) to FP8 at load "
                           "(Ada/Hopper/Blackwell/MI300-class; weight-only through Marlin on A100/A10G); none: the "
                           "checkpoint as published. For 4-bit weights pick an -AWQ model, e.g. --model 72B-AWQ "
                           "(default: none)")
    plan.add_argument("--kv-cache-dtype", choices=KV_CACHE_DTYPES, default="auto",
                      help="fp8_e4m3: keep the KV cache in one byte per element (twice the tokens); auto: bf16 "
                           "(default: auto)")
    plan.add_argument("--context-length", type=int, default=None,
                      help="maximum tokens per request (default: the model's full length; lowered automatically, "
                           "with a note, when only a shorter one fits)")
    plan.add_argument("--tp", type=int, default=None,
                      help="force a tensor-parallel size (refused when it does not divide the attention heads)")
    plan.add_argument("--engine-args", default="",
                      help='extra engine flags as one quoted string, e.g. "--load-format dummy"; checked with the '
                           "plan (flags the plan sets itself are refused)")
    plan.add_argument("--router", choices=ROUTERS, default="builtin",
                      help="front for data-parallel replicas: SGLang's built-in --dp-size, or sglang-router "
                           "(python -m sglang_router.launch_server) (default: builtin)")
    plan.add_argument("--nodes", type=int, default=1,
                      help="number of nodes for one tensor-parallel server spanning them (SGLang; default: 1)")
    plan.add_argument("--dist-init-addr", default=None,
                      help="HOST:PORT of node 0 for a multi-node plan (needed when --nodes > 1)")
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1", help="address the engine listens on (default: 127.0.0.1)")
    server.add_argument("--port", type=int, default=None, help="engine port (default: a free one, 30000 if free)")
    server.add_argument("--api-key", default=os.environ.get("API_KEY") or None,
                        help="API key the engine requires, or of --endpoint (default: $API_KEY, else a random one)")
    server.add_argument("--served-model-name", default=None,
                        help="model name clients send (default: the Hugging Face id or the folder name)")
    output = parser.add_argument_group("output")
    output.add_argument("--dry-run", action="store_true", help="print the launch plan and exit; start nothing")
    output.add_argument("--json", action="store_true", help="with --dry-run: print the plan as JSON")
    web = parser.add_argument_group("web UI (without --dry-run)")
    web.add_argument("--server-name", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                     help="address the web UI listens on (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    web.add_argument("--server-port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT") or 7860),
                     help="web UI port (default: $GRADIO_SERVER_PORT or 7860)")
    web.add_argument("--launch", action="store_true", default=env_flag("AUTO_LAUNCH"),
                     help="launch the plan the flags describe (default: 7B on the detected GPUs) at start "
                          "(default: on when AUTO_LAUNCH=1)")
    web.add_argument("--endpoint", default=os.environ.get("ENDPOINT") or None,
                     help="attach to a running OpenAI-compatible server (http://HOST:PORT) instead of launching; "
                          "with --api-key and optionally --served-model-name (default: $ENDPOINT)")
    web.add_argument("--public", action="store_true", default=env_flag("PUBLIC_DEMO"),
                     help="public demo: the launch panel is read-only and the launch/stop API needs $ADMIN_TOKEN; "
                          "uploads are capped (default: on when PUBLIC_DEMO=1)")
    web.add_argument("--max-file-size", default=os.environ.get("MAX_FILE_SIZE"),
                     help='upload cap in gradio\'s syntax, e.g. "50mb" (default: $MAX_FILE_SIZE; in public mode '
                          f"{PUBLIC_MAX_FILE_SIZE}, else none)")
    web.add_argument("--max-pixels", type=int, default=int(os.environ.get("MAX_PIXELS") or APP_MAX_PIXELS),
                     help=f"most pixels per image sent to the model, on its 28-pixel grid (default: $MAX_PIXELS or "
                          f"{APP_MAX_PIXELS:,} = 1280 vision tokens; the engine's ceiling is {MAX_PIXELS:,})")
    web.add_argument("--fetch-urls", action="store_true", default=env_flag("FETCH_URLS"),
                     help="let a public demo fetch http(s) image links in an API history (public addresses only, "
                          "after DNS; redirects checked; 50 MB and 20 s caps); a private app always does "
                          "(default: on when FETCH_URLS=1)")
    web.add_argument("--runs-dir", default="runs", help="engine logs and adoption records (default: runs)")
    return parser


def request_from_args(args: argparse.Namespace) -> PlanRequest:
    """The plan request the parsed flags describe."""
    return PlanRequest(
        model=args.model, hardware=args.hardware, gpus=args.gpus, engine=args.engine,
        context_length=args.context_length, engine_args=args.engine_args, tp=args.tp, nodes=args.nodes,
        dist_init_addr=args.dist_init_addr, router=args.router, host=args.host, port=args.port,
        api_key=args.api_key, served_model_name=args.served_model_name, quantization=args.quantization,
        kv_cache_dtype=args.kv_cache_dtype,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["batch"]:
        from backend.batch.cli import main as batch_main  # the batch command has flags of its own

        return batch_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.json and not args.dry_run:
        parser.error("--json needs --dry-run")
    if not args.dry_run:
        return run_ui(args)
    try:
        plan = make_plan(request_from_args(args))
    except PlanInputError as error:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return EXIT_BAD_ARGS
    if args.json:
        extra = {"shell_line": plan.shell_line(), "python_snippet": plan.python_snippet()} if plan.fits else {}
        print(json.dumps(plan.to_dict() | extra, indent=2))
    if not plan.fits:
        print(f"{parser.prog}: cannot fit: {plan.refusal}", file=sys.stderr)
        if plan.quantized is not None:
            print(f"{parser.prog}: {plan.quantized.text}", file=sys.stderr)
        return EXIT_CANNOT_FIT
    if not args.json:
        print(render_plan(plan))
    return EXIT_OK


def run_ui(args: argparse.Namespace) -> int:
    """Serve the web UI until interrupted (the engine it launched is stopped on exit)."""
    cap_malloc_arenas()  # before gradio starts its worker threads
    HeapTrimmer().start()
    from ui.hosting import HostingOptions, serve  # gradio loads only when the UI starts

    options = HostingOptions(
        server_name=args.server_name, server_port=args.server_port, launch_at_start=args.launch,
        endpoint=args.endpoint, endpoint_api_key=args.api_key or "", endpoint_model=args.served_model_name,
        public=args.public, admin_token=os.environ.get("ADMIN_TOKEN", ""), max_file_size=args.max_file_size,
        runs_dir=Path(args.runs_dir), image_max_pixels=args.max_pixels, fetch_urls=args.fetch_urls,
        vllm_program=args.vllm,
    )
    return serve(options, request_from_args(args))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `app.py --dry-run ... | head` stopped reading: end quietly, as `cat` would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush does not fail again
        sys.exit(EXIT_OK)
