"""Soak: many concurrent visitors sending image turns through the app's Gradio API for minutes on end.

    python -m bench.soak --url http://127.0.0.1:7860 --sessions 64 --minutes 10
    python -m bench.soak --standin --sessions 64 --minutes 2     # starts the stand-in engine and app.py itself

Each session is its own gradio_client (its own Gradio session) and loops: one of a few photos plus a question to
/chat, with the previous turn (its image embedded) as history; every fourth turn starts a fresh conversation.
Reports errors, p50/p99 turn latency and time to first text, turns/s, and what the app process did after the
warm-up: resident memory growth (must stay under --max-rss-growth), open file descriptors and files in its temp
folders (must not grow past small tolerances). Prints a summary and one JSON line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from bench.soak_target import ResourceSample, SoakTarget, attach, start_with_standin

PHOTO_SIZES = ((640, 480), (1280, 720), (480, 640), (1024, 768), (800, 800), (1920, 1080), (320, 240), (900, 600))
QUESTIONS = ("What is in this picture?", "Describe the colours.", "Detect the shapes and give their boxes.",
             "Point at the largest circle.", "How many shapes are there?")
TURNS_PER_CONVERSATION = 4
FD_TOLERANCE = 16  # descriptors: connections come and go with the load
TEMP_FILE_TOLERANCE = 4


@dataclass
class Tally:
    """What the sessions measured, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    first_text: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def turn(self, finished_at: float, latency_s: float, first_s: float | None) -> None:
        """Record one answered turn."""
        with self.lock:
            self.latencies.append((finished_at, latency_s))
            if first_s is not None:
                self.first_text.append((finished_at, first_s))

    def error(self, message: str) -> None:
        """Record one failed turn."""
        with self.lock:
            self.errors.append(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the running app (e.g. http://127.0.0.1:7860)")
    where.add_argument("--standin", action="store_true", help="start the stand-in engine and app.py here")
    parser.add_argument("--sessions", type=int, default=64, help="concurrent visitors (default 64)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--warmup-fraction", type=float, default=0.2,
                        help="share of the run before resources are baselined (default 0.2)")
    parser.add_argument("--max-tokens", type=int, default=64, help="answer length per turn (default 64)")
    parser.add_argument("--max-rss-growth", type=float, default=0.10,
                        help="allowed growth of the app's resident memory after warm-up (default 0.10 = 10%%)")
    parser.add_argument("--tpot-ms", type=float, default=5.0, help="--standin: the stand-in's delay per token")
    parser.add_argument("--sample-every-s", type=float, default=2.0, help="resource sampling interval")
    return parser


def make_photos(folder: Path) -> list[tuple[Path, str]]:
    """A few distinct photos (shapes on gradients) and their data URLs, for the turns and their history."""
    photos = []
    for index, (width, height) in enumerate(PHOTO_SIZES):
        rng = random.Random(index)
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(width - 40), rng.randrange(height - 40)
            size = rng.randrange(20, max(21, min(width, height) // 3))
            color = tuple(rng.randrange(256) for _ in range(3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + size, y + size), fill=color)
        path = folder / f"soak-{index}.jpg"
        image.save(path, format="JPEG", quality=88)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88)
        photos.append((path, "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")))
    return photos


def session_loop(url: str, number: int, photos: Sequence[tuple[Path, str]], max_tokens: int, started: float,
                 until: float, tally: Tally) -> None:
    """One visitor: image turns with the previous turn as history until the time is up."""
    from gradio_client import Client, handle_file

    rng = random.Random(number)
    try:
        client = Client(url, verbose=False)
    except Exception as error:  # noqa: BLE001 - reported, not raised: the soak counts it
        tally.error(f"session {number}: could not connect: {error!r}"[:300])
        return
    history: list[dict] = []
    turn = 0
    while time.monotonic() < until:
        path, data_url = photos[rng.randrange(len(photos))]
        question = QUESTIONS[rng.randrange(len(QUESTIONS))]
        begin = time.monotonic()
        first = None
        try:
            job = client.submit(question, [handle_file(str(path))], history, max_tokens, api_name="/chat")
            for output in job:
                if first is None and output:
                    first = time.monotonic() - begin
            answer = job.result()
        except Exception as error:  # noqa: BLE001 - every failure is a soak error, whatever raised it
            tally.error(f"session {number} turn {turn}: {type(error).__name__}: {error}"[:300])
            time.sleep(0.5)
            continue
        now = time.monotonic()
        tally.turn(now - started, now - begin, first)
        turn += 1
        history = [] if turn % TURNS_PER_CONVERSATION == 0 else [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url}},
                                         {"type": "text", "text": question}]},
            {"role": "assistant", "content": answer},
        ]


def percentile(values: Sequence[float], share: float) -> float | None:
    """The share-th percentile (0..1) of values, None when there are none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(share * 100) - 1))]


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


def run(target: SoakTarget, sessions: int, minutes: float, warmup_fraction: float, max_tokens: int,
        max_rss_growth: float, sample_every_s: float) -> dict:
    """Drive the sessions against target and return the report."""
    duration = minutes * 60.0
    tally, samples = Tally(), []
    with tempfile.TemporaryDirectory(prefix="soak-photos-") as folder:
        photos = make_photos(Path(folder))
        started = time.monotonic()
        until = started + duration
        threads = [threading.Thread(target=session_loop, name=f"soak-{n}", daemon=True,
                                    args=(target.url, n, photos, max_tokens, started, until, tally))
                   for n in range(sessions)]
        for thread in threads:
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
            time.sleep(sample_every_s)
        samples.append(target.sample(time.monotonic() - started))
    elapsed = time.monotonic() - started
    warmup_s = duration * warmup_fraction
    latencies = [seconds for at, seconds in tally.latencies if at >= warmup_s] or [s for _, s in tally.latencies]
    firsts = [seconds for at, seconds in tally.first_text if at >= warmup_s] or [s for _, s in tally.first_text]
    report = {
        "url": target.url, "sessions": sessions, "minutes": round(elapsed / 60, 2), "turns": len(tally.latencies),
        "turns_per_s": round(len(tally.latencies) / elapsed, 2), "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "latency_p50_s": _round(percentile(latencies, 0.5)), "latency_p99_s": _round(percentile(latencies, 0.99)),
        "first_text_p50_s": _round(percentile(firsts, 0.5)), "first_text_p99_s": _round(percentile(firsts, 0.99)),
        **resource_report(samples, warmup_s, max_rss_growth), "note": target.note,
    }
    report["ok"] = bool(report["turns"]) and not report["errors"] and all(
        report[key] for key in ("rss_ok", "fds_ok", "temp_files_ok"))
    return report


def print_summary(report: dict) -> None:
    """A short human-readable summary on stderr."""
    lines = [
        (f"soak {report['url']}: {report['sessions']} sessions x {report['minutes']} min, {report['turns']} turns "
         f"({report['turns_per_s']}/s), {report['errors']} errors"),
        (f"  turn latency p50 {report['latency_p50_s']} s, p99 {report['latency_p99_s']} s; first text p50 "
         f"{report['first_text_p50_s']} s, p99 {report['first_text_p99_s']} s"),
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
    target = start_with_standin(args.tpot_ms) if args.standin else attach(args.url)
    try:
        report = run(target, args.sessions, args.minutes, args.warmup_fraction, args.max_tokens,
                     args.max_rss_growth, args.sample_every_s)
        if not report["ok"] and target.scratch is not None:
            log = target.scratch / "app.log"
            if log.exists():
                print("app.log tail:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:]),
                      file=sys.stderr)
    finally:
        target.close()
    print_summary(report)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


def _mb(value: int | None) -> str:
    return "?" if value is None else f"{value / 2**20:.0f}MB"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    sys.exit(main())
