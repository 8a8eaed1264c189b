"""Soak: many concurrent visitors sending image turns through the app's Gradio API for minutes on end.

    python -m bench.soak --url http://127.0.0.1:7860 --sessions 64 --minutes 10
    python -m bench.soak --standin --sessions 64 --minutes 2     # starts the stand-in engine and app.py itself
    python -m bench.soak --app-args "--model DIR --launch" ...  # starts app.py, which launches the real engine

Each session is its own gradio_client (its own Gradio session) and loops: one of a few photos plus a question to
/chat, with the previous turn (its image embedded) as history; every fourth turn starts a fresh conversation.
Reports errors, p50/p99 turn latency and time to first text, turns/s, and what the app process did once its
memory settled (the second half of the run by default): resident memory growth (must stay under
--max-rss-growth), open file descriptors and files in its temp folders (must not grow past small tolerances),
plus the RSS curve over the whole run. Prints a summary and one JSON line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.soak.targets import (
    ResourceSample,
    SoakTarget,
    attach,
    start_app,
    start_with_standin,
)
from bench.soak.visitors import Tally, make_photos, session_loop

FD_TOLERANCE = 16  # descriptors: connections come and go with the load
TEMP_FILE_TOLERANCE = 4


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the running app (e.g. http://127.0.0.1:7860)")
    where.add_argument("--standin", action="store_true", help="start the stand-in engine and app.py here")
    where.add_argument("--app-args", help="start `python app.py APP_ARGS` here (with --launch: its own engine) "
                                          "and soak it once the engine is ready")
    parser.add_argument("--sessions", type=int, default=64, help="concurrent visitors (default 64)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--warmup-fraction", type=float, default=0.2,
                        help="share of the run left out of the latency figures (default 0.2)")
    parser.add_argument("--memory-settle-fraction", type=float, default=0.5,
                        help="share of the run before memory, descriptors and temp files are baselined (default 0.5: "
                             "at 64 visitors the app's heap settles after 4-5 minutes, ~2,000 turns, then stays flat)")
    parser.add_argument("--max-tokens", type=int, default=64, help="answer length per turn (default 64)")
    parser.add_argument("--turn-timeout-s", type=float, default=180.0,
                        help="a turn with no result after this long is an error (default 180)")
    parser.add_argument("--ramp-s", type=float, default=5.0,
                        help="visitors arrive spread over this many seconds (default 5)")
    parser.add_argument("--max-rss-growth", type=float, default=0.10,
                        help="allowed growth of the app's resident memory after warm-up (default 0.10 = 10%%)")
    parser.add_argument("--tpot-ms", type=float, default=5.0, help="--standin: the stand-in's delay per token")
    parser.add_argument("--sample-every-s", type=float, default=2.0, help="resource sampling interval")
    parser.add_argument("--keep-logs", type=Path, default=None,
                        help="--standin / --app-args: copy the app's log and the engine logs into this folder")
    return parser


def percentile(values: Sequence[float], share: float) -> float | None:
    """The share-th percentile (0..1) of values, None when there are none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(share * 100) - 1))]


def rss_curve(samples: Sequence[ResourceSample], duration_s: float, parts: int = 10) -> list[float | None]:
    """The app's median resident memory (MB) in each tenth of the run: how it settles, or keeps growing."""
    curve = []
    for part in range(parts):
        low, high = duration_s * part / parts, duration_s * (part + 1) / parts
        values = [s.rss_bytes for s in samples if low <= s.at_s < high and s.rss_bytes is not None]
        curve.append(round(statistics.median(values) / 2**20, 1) if values else None)
    return curve


def resource_report(samples: Sequence[ResourceSample], warmup_s: float, max_rss_growth: float) -> dict:
    """Growth of memory, descriptors and temp files from just after warm-up to the end, with the verdicts."""
    after = [sample for sample in samples if sample.at_s >= warmup_s] or list(samples[-1:])
    window = max(1, len(after) // 5)
    start, end = after[:window], after[-window:]

    def median(values: list[int | None]) -> float | None:
        known = [value for value in values if value is not None]
        return statistics.median(known) if known else None

    rss0, rss1 = median([s.rss_bytes for s in start]), median([s.rss_bytes for s in end])
    fds0, fds1 = median([s.fds for s in start]), median([s.fds for s in end])
    temp0, temp1 = start[0].temp_files, end[-1].temp_files
    rss_growth = (rss1 - rss0) / rss0 if rss0 and rss1 is not None else None
    fd_limit = max(FD_TOLERANCE, 0.1 * fds0) if fds0 is not None else None
    return {
        "rss_after_warmup_mb": rss0 and round(rss0 / 2**20, 1), "rss_end_mb": rss1 and round(rss1 / 2**20, 1),
        "rss_growth": None if rss_growth is None else round(rss_growth, 4),
        "fds_after_warmup": fds0, "fds_end": fds1, "temp_files_after_warmup": temp0, "temp_files_end": temp1,
        "rss_ok": rss_growth is None or rss_growth < max_rss_growth,
        "fds_ok": fds0 is None or fds1 - fds0 <= fd_limit,
        "temp_files_ok": temp1 - temp0 <= TEMP_FILE_TOLERANCE,
    }


@dataclass(frozen=True)
class SoakSettings:
    """How hard and how long to soak, and what counts as passing."""

    sessions: int = 64
    minutes: float = 10.0
    warmup_fraction: float = 0.2
    memory_settle_fraction: float = 0.5
    max_tokens: int = 64
    max_rss_growth: float = 0.10
    sample_every_s: float = 2.0
    turn_timeout_s: float = 180.0
    ramp_s: float = 5.0


def run(target: SoakTarget, settings: SoakSettings) -> dict:
    """Drive the sessions against target and return the report."""
    sessions, duration = settings.sessions, settings.minutes * 60.0
    tally, samples = Tally(), []
    with tempfile.TemporaryDirectory(prefix="soak-photos-") as folder:
        photos = make_photos(Path(folder))
        started = time.monotonic()
        until = started + duration
        threads = [threading.Thread(target=session_loop, name=f"soak-{n}", daemon=True,
                                    args=(target.url, n, photos, settings.max_tokens, started, until, tally,
                                          settings.turn_timeout_s))
                   for n in range(sessions)]
        for number, thread in enumerate(threads):
            time.sleep(0 if number == 0 else settings.ramp_s / sessions)  # visitors arrive over ramp_s
            thread.start()
        next_report = 30.0
        while any(thread.is_alive() for thread in threads):
            elapsed = time.monotonic() - started
            samples.append(target.sample(elapsed))
            if elapsed >= next_report:
                next_report += 30.0
                with tally.lock:
                    turns, errors = len(tally.latencies), len(tally.errors)
                print(f"t={elapsed:5.0f}s turns={turns} errors={errors} rss={_mb(samples[-1].rss_bytes)} "
                      f"fds={samples[-1].fds} temp_files={samples[-1].temp_files}", file=sys.stderr, flush=True)
            time.sleep(settings.sample_every_s)
        samples.append(target.sample(time.monotonic() - started))
    elapsed = time.monotonic() - started
    warmup_s = duration * settings.warmup_fraction
    latencies = [seconds for at, seconds in tally.latencies if at >= warmup_s] or [s for _, s in tally.latencies]
    firsts = [seconds for at, seconds in tally.first_text if at >= warmup_s] or [s for _, s in tally.first_text]
    report = {
        "url": target.url, "sessions": sessions, "sessions_answered": len(tally.answered_sessions),
        "sessions_with_errors": len(tally.failed_sessions), "minutes": round(elapsed / 60, 2),
        "turns": len(tally.latencies),
        "turns_per_s": round(len(tally.latencies) / elapsed, 2), "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "latency_p50_s": _round(percentile(latencies, 0.5)), "latency_p99_s": _round(percentile(latencies, 0.99)),
        "first_text_p50_s": _round(percentile(firsts, 0.5)), "first_text_p99_s": _round(percentile(firsts, 0.99)),
        **resource_report(samples, duration * settings.memory_settle_fraction, settings.max_rss_growth),
        "rss_curve_mb": rss_curve(samples, duration), "note": target.note,
    }
    report["ok"] = report["sessions_answered"] == sessions and not report["errors"] and all(
        report[key] for key in ("rss_ok", "fds_ok", "temp_files_ok"))
    return report


def print_summary(report: dict) -> None:
    """A short human-readable summary on stderr."""
    lines = [
        (f"soak {report['url']}: {report['sessions']} sessions x {report['minutes']} min, {report['turns']} turns "
         f"({report['turns_per_s']}/s), {report['errors']} errors; {report['sessions_answered']} sessions got "
         f"answers, {report['sessions_with_errors']} had errors"),
        (f"  turn latency p50 {report['latency_p50_s']} s, p99 {report['latency_p99_s']} s; first text p50 "
         f"{report['first_text_p50_s']} s, p99 {report['first_text_p99_s']} s"),
        f"  app RSS by tenth of the run (MB): {report['rss_curve_mb']}",
        (f"  app RSS {report['rss_after_warmup_mb']} -> {report['rss_end_mb']} MB (growth {report['rss_growth']}); "
         f"fds {report['fds_after_warmup']} -> {report['fds_end']}; temp files {report['temp_files_after_warmup']} "
         f"-> {report['temp_files_end']}"),
        f"  verdict: {'PASS' if report['ok'] else 'FAIL'}" + (f" ({report['note']})" if report["note"] else ""),
    ]
    lines += [f"  error: {message}" for message in report["first_errors"]]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit 0 when every check passed."""
    args = build_parser().parse_args(argv)
    if args.standin:
        target = start_with_standin(args.tpot_ms)
    elif args.app_args is not None:
        target = start_app(args.app_args)
    else:
        target = attach(args.url)
    try:
        report = run(target, SoakSettings(
            sessions=args.sessions, minutes=args.minutes, warmup_fraction=args.warmup_fraction,
            memory_settle_fraction=args.memory_settle_fraction,
            max_tokens=args.max_tokens, max_rss_growth=args.max_rss_growth, sample_every_s=args.sample_every_s,
            turn_timeout_s=args.turn_timeout_s, ramp_s=args.ramp_s))
        if not report["ok"] and target.scratch is not None:
            log = target.scratch / "app.log"
            if log.exists():
                print("app.log tail:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:]),
                      file=sys.stderr)
    finally:
        target.close(keep_logs=args.keep_logs)
    print_summary(report)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


def _mb(value: int | None) -> str:
    return "?" if value is None else f"{value / 2**20:.0f}MB"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    sys.exit(main())
