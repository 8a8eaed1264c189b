"""The video preparation rows of `python -m bench`: P6 (a 60 s 1080p clip) and P9 (an hour of 1080p H.264), each
timed in pinned child processes beside its floor, on one core and on all the host has. No engine is involved,
so `python -m bench.video_rows p6 p9` runs them alone and prints the same table (P9 alone: `... p9`).

P9 takes minutes (the hour clip is built once into BENCH_CACHE_DIR, 811 MB; then 768 seeks a repeat, floor and
app, on each core count), so `python -m bench --quick` (the CI smoke test) leaves it out and says so.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.hour_clip import make_hour_clip
from bench.long_video import peak_rss, time_long_video_prep
from bench.media import CACHE_DIR, make_clip
from bench.stats import Goal, Row, markdown_table, summarize, write_results
from bench.video_prep import CORES, h264_clip, time_video_prep

Log = Callable[[str], None]
P9_SKIPPED_QUICK = ("left out of --quick: the hour clip (811 MB, built once) and 768 seeks a repeat on each core "
                    "count take minutes; run `python -m bench.video_rows p9` or the full bench")


def _stderr(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def p6_rows(seconds: float, repeats: int, skipped: dict[str, str], log: Log = _stderr) -> list[Row]:
    """P6 from the child processes: each clip (the bench's mp4v, and H.264 where ffmpeg can make it) on one core
    and on all cores, beside the decode floor on the same cores."""
    clip = make_clip(seconds)
    clips = [("mp4v", clip)]
    h264, reason = h264_clip(clip)
    if h264 is None:
        skipped["p6_h264"] = reason
        log(f"P6 H.264 skipped: {reason}")
    else:
        clips.append(("h264", h264))
    rows = []
    for codec, path in clips:
        for cores in CORES:
            figures = time_video_prep(path, repeats, cores)
            count = len(figures["cores"])
            log(f"P6 {codec} {cores} core(s) ({count}): {figures['frames']} of {figures['decoded_frames']} frames, "
                f"clip {figures['clip_bytes'] / 1e6:.2f} MB")
            key = "p6_video_prep_s" if (codec, cores) == ("mp4v", "one") else f"p6_video_prep_{codec}_{cores}_s"
            rows.append(Row(key, f"P6 video prep of a {seconds:g} s 1080p {codec} clip, {count} core(s)", "s",
                            summarize(figures["prep_s"]), summarize(figures["floor_s"]),
                            Goal("ratio_max", 1.2, "<= 1.2x the decode floor"),
                            note="direct column: decoding every frame of the clip on the same cores (the floor)",
                            extra={"plan_only_s": summarize(figures["plan_only_s"]).median, "codec": codec,
                                   **{k: v for k, v in figures.items() if k not in ("prep_s", "floor_s")}}))
    return rows


def p9_rows(repeats: int, log: Log = _stderr, folder: Path = CACHE_DIR) -> list[Row]:
    """P9 from the child processes: the hour clip prepared for a remote engine on one core and on all cores,
    beside the floor on the same cores, and the peak RSS of a fresh process that only prepares it."""
    started = time.perf_counter()
    clip = make_hour_clip(folder)
    log(f"P9 clip ready in {time.perf_counter() - started:.0f} s: {clip}")
    rows = []
    for cores in CORES:
        figures = time_long_video_prep(clip, repeats, cores)
        count = len(figures["cores"])
        log(f"P9 {cores} core(s) ({count}): {figures['frames']} frames of {figures['input_size']}, "
            f"{figures['decoders']} decoder(s), clip {figures['clip_bytes'] / 1e6:.2f} MB")
        rows.append(Row(f"p9_long_video_{cores}_s", f"P9 prep of a 60 min 1080p H.264 clip ({figures['frames']} "
                        f"frames sent), {count} core(s)", "s", summarize(figures["prep_s"]),
                        summarize(figures["floor_s"]), Goal("ratio_max", 1.2, "<= 1.2x the floor"),
                        note="direct column: decoding and scaling exactly the frames sent, with the same seeks and "
                             "decoders on the same cores (the floor)",
                        extra={k: v for k, v in figures.items() if k not in ("prep_s", "floor_s")}))
    memory = peak_rss(clip)
    log(f"P9 peak RSS {memory['prep_peak_rss_mb']:.0f} MB ({memory['import_rss_mb']:.0f} MB after imports)")
    rows.append(Row("p9_peak_rss_mb", f"P9 peak RSS of the preparation alone (a fresh process, "
                    f"{len(memory['cores'])} core(s))", "MB", summarize([memory["prep_peak_rss_mb"]]), None,
                    Goal("app_max", 500.0, "<= 500 MB"), note=f"{memory['import_rss_mb']:.0f} MB after imports",
                    extra=memory))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the parts asked for and print their table (and write JSON with --out)."""
    parser = argparse.ArgumentParser(prog="python -m bench.video_rows", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="+", choices=("p6", "p9"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--video-seconds", type=float, default=60.0, help="P6 clip length")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    skipped: dict[str, str] = {}
    if "p6" in args.parts:
        rows += p6_rows(args.video_seconds, args.repeats, skipped)
    if "p9" in args.parts:
        rows += p9_rows(args.repeats)
    print(markdown_table(rows))
    for part, reason in skipped.items():
        print(f"\nSkipped {part}: {reason}")
    if args.out:
        write_results(args.out, {"parts": " ".join(args.parts)}, rows, {"skipped": skipped})
    return 0


if __name__ == "__main__":
    sys.exit(main())
