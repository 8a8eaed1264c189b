"""Benchmark: the app's own path vs raw SGLang, against one engine launched by the app's Supervisor.

    source .whl/carry/device_env.sh
    python -m bench --model-path "$QWEN_MODEL_DIR" --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}" --out bench-results.json

P1 text TTFT/TPOT (ChatSession vs openai client; Gradio API with --app-url), P2 concurrent image sessions
(output tok/s), P3 a 12 MP photo (client-side resize vs the raw file), P4 a follow-up turn on the same image,
P5 launch-to-ready (Supervisor vs a bare launch of the same command) and the first two requests after ready,
P6 video preparation of a 1080p clip (mp4v, and H.264) on one core and on all cores beside the decode
floor, P7 text TTFT through Gradio (REST + SSE, the browser's queue protocol, gradio_client) for the app beside a
five-line Gradio app on the same engine, P9 an hour of 1080p H.264 prepared for a remote engine on one core and on
all beside its floor (decoding exactly the frames sent), and its peak RSS (not with --quick; alone:
`python -m bench.video_rows p9`). Prints a markdown table and writes JSON.
--standin runs everything against the CPU stand-in engine (standin) for the CI smoke test.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

from backend.chat.transport import shared_ssl_context
from backend.engine.settings import SupervisorSettings
from backend.engine.supervisor import Supervisor, missing_program, with_program
from backend.engines import ENGINE_NAMES
from backend.media.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from bench import gradio_path, launch, web_path
from bench.media import PhotoMaker
from bench.scenarios import Target, follow_up, photo_ttft, text_relay
from bench.stats import Goal, Row, markdown_header, markdown_table, summarize, write_results
from bench.throughput import SESSION_IMAGE_SIZE, throughput
from bench.video_rows import P9_SKIPPED_QUICK, p6_rows, p9_rows

PARTS = ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p9")


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-path", default=None, help="model folder or id (default with --standin: 7B)")
    parser.add_argument("--engine-args", default="", help='extra engine flags, e.g. "$SGLANG_DUMMY_FLAGS"')
    parser.add_argument("--engine", choices=ENGINE_NAMES, default="sglang",
                        help="vllm: the plan's vllm is --vllm's or $QWEN_STUDIO_VLLM (else beside python, on PATH)")
    parser.add_argument("--vllm", default="", help="the vllm program for --engine vllm")
    parser.add_argument("--context-length", type=int, default=None, help="the plan's context (default: the model's)")
    parser.add_argument("--hardware", default="auto", help="GPU name or auto (--standin with auto: H100)")
    parser.add_argument("--gpus", default=None, help="GPU count or indices, as for app.py")
    parser.add_argument("--port", type=int, default=None, help="engine port (default: a free one)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="JSON results file")
    parser.add_argument("--quick", action="store_true", help="few repeats, 4 sessions, a 6 s clip (CI smoke)")
    parser.add_argument("--standin", action="store_true", help="use the CPU stand-in engine (standin)")
    parser.add_argument("--base-url", default=None, help="measure a running engine instead (P5 is skipped)")
    parser.add_argument("--api-key", default="", help="with --base-url")
    parser.add_argument("--app-url", default=None, help="a running app attached to the same engine (P1 via Gradio)")
    parser.add_argument("--skip", action="append", default=[], choices=PARTS, help="leave a part out (repeatable)")
    parser.add_argument("--skip-bare", action="store_true", help="P5 without the bare launch (saves ~1-2 min)")
    parser.add_argument("--bare-last", action="store_true",
                        help="launch the bare engine after the supervisor's (default: before, so the supervisor's "
                             "launch cannot lose to a cold kernel cache)")
    parser.add_argument("--no-video-warmup", action="store_true",
                        help="P5 without the warm-up's clip (what warming the video path costs the launch)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats for P1/P3/P4/P7 (default 10/3/3/20, quick 3/1/1/3)")
    parser.add_argument("--sessions", type=int, default=None, help="P2 concurrent sessions (default 32, quick 4)")
    parser.add_argument("--rounds", type=int, default=None, help="P2 rounds per side (default 3, quick 1)")
    parser.add_argument("--video-seconds", type=float, default=None, help="P6 clip length (default 60, quick 6)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for each launch")
    parser.add_argument("--work-dir", type=Path, default=None, help="generated media and logs (default: a temp dir)")
    return parser


def log(message: str) -> None:
    """Progress on stderr (stdout carries the results)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def make_bench_plan(args: argparse.Namespace) -> LaunchPlan:
    """The app's plan for the detected GPU (or the stand-in's rewrite of an H100 plan)."""
    hardware = "H100" if args.standin and args.hardware == "auto" else args.hardware
    request = PlanRequest(model=args.model_path or "7B", hardware=hardware, gpus=args.gpus, engine=args.engine,
                          engine_args=args.engine_args, port=args.port, api_key="k" + secrets.token_hex(16),
                          context_length=args.context_length)
    plan = make_plan(request)
    if not plan.fits:
        raise SystemExit(f"bench: the plan does not fit: {plan.refusal}")
    if args.standin:
        from standin import standin_plan

        return standin_plan(plan, load_seconds=1.0, tpot_ms=2 if args.quick else 5)
    try:  # the bare launch runs the same program the supervisor would
        return with_program(plan, args.vllm)
    except FileNotFoundError as error:
        raise SystemExit(f"bench: {missing_program(plan, error).suggestion}") from error


def p5_rows(app_run: launch.LaunchTiming | None, bare_run: launch.LaunchTiming | None, note: str) -> list[Row]:
    """Launch-to-ready and first-vs-second request rows (a side is empty when it was not run)."""
    def one(value: float | None):
        return summarize([value]) if value is not None else None

    def first_over_second(run: launch.LaunchTiming | None) -> float | None:
        return run.first.ttft_s / run.second.ttft_s if run else None

    extra = {side: {"to_health_s": run.to_health_s, "to_ready_s": run.to_ready_s,
                    "first_ttft_s": run.first.ttft_s, "second_ttft_s": run.second.ttft_s}
             for side, run in (("supervisor", app_run), ("bare", bare_run)) if run is not None}
    return [
        Row("p5_launch_ready_s", "P5 launch to ready (supervisor: /health 200 + warm-up; bare: /health 200)", "s",
            one(app_run.to_ready_s if app_run else None), one(bare_run.to_health_s if bare_run else None),
            Goal("delta_max", 2.0, "app - bare <= 2 s"), note=note, extra=extra),
        Row("p5_launch_health_s", "P5 launch to /health 200", "s", one(app_run.to_health_s if app_run else None),
            one(bare_run.to_health_s if bare_run else None), note=note),
        Row("p5_health_to_ready_s", "P5 /health 200 to ready (the app's warm-up)", "s",
            one(app_run.to_ready_s - app_run.to_health_s if app_run else None), None,
            Goal("app_max", 3.0, "<= 3 s"), note="the supervisor's own split; a bare launch is ready at /health 200"),
        Row("p5_first_vs_second", "P5 first request TTFT / second request TTFT after ready", "x",
            one(first_over_second(app_run)), one(first_over_second(bare_run)),
            Goal("app_band", 0.2, "app within 20% of 1"), note="each column is its own side's ratio"),
    ]


def p5_media(work_dir: Path) -> tuple[tuple, tuple]:
    """Two prepared images for the app's first two requests and two raw ones for the bare engine's."""
    maker = PhotoMaker(work_dir / "p5", (1280, 720), seed=11)
    preparer = ImagePreparer(ImageLimits(max_pixels=APP_MAX_PIXELS))
    prepared = tuple(preparer.prepare(maker.next("p5-app").path) for _ in range(2))
    urls = tuple(maker.next("p5-bare").data_url() for _ in range(2))
    return prepared, urls


def run(args: argparse.Namespace) -> int:
    """Measure everything asked for; print the header and the table; write the JSON."""
    quick = args.quick
    repeats = {"p1": args.repeats or (3 if quick else 10), "p3": args.repeats or (1 if quick else 3),
               "p4": args.repeats or (1 if quick else 3), "p7": args.repeats or (3 if quick else 20)}
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="qwen-vl-bench-"))
    skip = set(args.skip) | ({"p5"} if args.base_url else set())
    rows: list[Row] = []
    skipped: dict[str, str] = {}
    details: dict = {}
    if "p6" not in skip:  # first, while no engine competes for the CPU
        rows += p6_rows(args.video_seconds or (6.0 if quick else 60.0), 1 if quick else 3, skipped, log)
    if "p9" not in skip and quick:
        skipped["p9"] = P9_SKIPPED_QUICK
    elif "p9" not in skip:
        rows += p9_rows(3, log)
    shared_ssl_context()  # as app.py builds it at start, so the first answer after ready does not
    supervisor = Supervisor(work_dir / "runs", SupervisorSettings(warmup_video=not args.no_video_warmup))
    plan = None if args.base_url else make_bench_plan(args)
    app_run = bare_run = None
    try:
        prepared, urls = p5_media(work_dir)
        bare_wanted = plan is not None and "p5" not in skip and not args.skip_bare
        if bare_wanted and not args.bare_last:
            bare_run = launch.bare_launch(plan, args.timeout, work_dir / "bare-engine.log",
                                          launch.direct_first_two(urls), log)
        if plan is not None:
            app_run, endpoint = launch.supervisor_launch(supervisor, plan, args.timeout,
                                                         launch.app_first_two(prepared), log)
        else:
            supervisor.attach(args.base_url, args.api_key)
            status = supervisor.wait_ready(60.0)
            endpoint = supervisor.endpoint()
            if endpoint is None:
                raise SystemExit(f"bench: {args.base_url} is not ready: {status.message}")
        header = run_header(args, plan, endpoint)
        target = Target(endpoint, work_dir, log, details)
        photos = PhotoMaker(work_dir / "photos") if {"p3", "p4"} - skip else None
        if "p1" not in skip:
            rows += text_relay(target, repeats["p1"], 32 if quick else 128)
            reason = gradio_path.unavailable_reason(args.app_url)
            if reason:
                skipped["p1_gradio"] = reason
                log(f"P1 via Gradio skipped: {reason}")
            else:
                direct_ttft = next(row.direct for row in rows if row.key == "p1_ttft_ms")
                rows.append(Row("p1_gradio_ttft_ms", "P1 text TTFT p50 via the Gradio API (/chat)", "ms",
                                gradio_path.gradio_ttft(args.app_url, repeats["p1"]), direct_ttft,
                                note="app column: gradio_client -> app -> engine"))
        if "p2" not in skip:
            session_photos = PhotoMaker(work_dir / "sessions", SESSION_IMAGE_SIZE, seed=5)
            rows += throughput(target, args.sessions or (4 if quick else 32), args.rounds or (1 if quick else 3),
                               32 if quick else 256, session_photos)
        if "p3" not in skip:
            rows += photo_ttft(target, repeats["p3"], photos)
        if "p4" not in skip:
            rows += follow_up(target, repeats["p4"], photos)
        if "p7" not in skip:
            p7, details["p7"] = web_path.run_p7(endpoint, work_dir / "p7", repeats["p7"], log)
            rows += p7
        supervisor.stop()
        if bare_wanted and args.bare_last:
            bare_run = launch.bare_launch(plan, args.timeout, work_dir / "bare-engine.log",
                                          launch.direct_first_two(urls), log)
    finally:
        supervisor.close()
    if "p5" not in skip:
        order_word = "after" if args.bare_last else "before"
        note = "bare launch skipped (--skip-bare)" if args.skip_bare else f"bare launched {order_word} the supervisor's"
        note += "; no video warm-up" if args.no_video_warmup else ""
        rows += p5_rows(app_run, bare_run, note)
    elif args.base_url:
        skipped["p5"] = "attached to a running engine (--base-url): nothing was launched"
    order = {key: index for index, key in enumerate(PARTS)}
    rows.sort(key=lambda row: order[row.key[:2]])
    report(header, rows, skipped, details, args.out)
    return 0


def run_header(args: argparse.Namespace, plan: LaunchPlan | None, endpoint) -> dict:
    """What was measured, for the table's header and the JSON."""
    engine = f"stand-in engine (standin, as {args.engine}), not the real one" if args.standin \
        else launch.engine_version(endpoint)
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "device": launch.gpu_names() if not args.standin else f"CPU only ({launch.gpu_names()})",
        "engine": engine,
        "model": f"{plan.model} (served as {plan.served_model_name})" if plan else endpoint.model,
        "flags": launch.masked_command(plan) if plan else f"attached to {args.base_url}",
        "plan": f"{plan.hardware}, tp {plan.tp}, dp {plan.dp}, context {plan.context_length}" if plan else "-",
        "host": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}",
        "mode": "quick" if args.quick else "full",
    }


def report(header: dict, rows: list[Row], skipped: dict[str, str], details: dict, out: Path) -> None:
    """Print the header, the table and the skips; write the JSON."""
    print("## Benchmark: app path vs direct\n")
    print(markdown_header(header) + "\n")
    print(markdown_table(rows))
    for part, reason in skipped.items():
        print(f"\nSkipped {part}: {reason}")
    print("\nFigures: median (min-max, IQR when n >= 4, n repeats). Ratio: app / direct.", flush=True)
    write_results(out, header, rows, {"skipped": skipped, **details})
    log(f"results written to {out}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; SIGTERM ends the run cleanly (engines stopped)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = build_parser().parse_args(argv)
    if not (args.model_path or args.standin or args.base_url):
        build_parser().error("--model-path is required (or --standin, or --base-url)")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
