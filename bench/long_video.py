"""P9: how long backend.media.video takes to prepare an hour-long 1080p H.264 video for a remote engine (768
frames seeked to, resized and re-encoded), beside the decode floor (exactly the frames sent, each reached by the
same library's seek to the keyframe before it and decoded forward, nothing else) on the same cores: one core,
and all the host has; and the preparation's peak memory.

The parent calls time_long_video_prep() and peak_rss(); they run `python -m bench.long_video CLIP --repeats N
--cores one|all [--rss-only]` so only that child is pinned (os.sched_setaffinity before PyAV and OpenCV load, which
size their decoder threads to the cores they may use), and read one JSON line back. The clip comes from bench.hour_clip;
`python -m bench.long_video --make DIR` builds it and says how long that took.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.hour_clip import describe_clip, make_hour_clip

REPO_ROOT = Path(__file__).resolve().parent.parent
CORES = ("one", "all")
TIME_SLACK_S = 0.0005  # as backend.media.clip: half a millisecond of timestamp rounding


def pick_core() -> int:
    """The last core this process may run on (usually the least busy with interrupts)."""
    return max(os.sched_getaffinity(0))


def _child_command(clip: Path, *flags: str) -> tuple[list[str], dict[str, str]]:
    """The child's command line and environment (the repository on PYTHONPATH)."""
    command = [sys.executable, "-m", "bench.long_video", str(clip), *flags]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                             os.environ.get("PYTHONPATH", "")]))}
    return command, environment


def _run_child(clip: Path, flags: Sequence[str], timeout_s: float) -> dict:
    """Run the child with flags and parse the JSON line it prints last."""
    import subprocess

    command, environment = _child_command(clip, *flags)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False, cwd=REPO_ROOT,
                            env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"long video child failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_long_video_prep(clip: Path, repeats: int, cores: str = "one", timeout_s: float = 3600.0) -> dict:
    """Run the child on `cores` and return its figures: prep_s / floor_s samples, frames, sizes, peak RSS."""
    return _run_child(clip, ["--repeats", str(repeats), "--cores", cores], timeout_s)


def peak_rss(clip: Path, cores: str = "all", timeout_s: float = 3600.0) -> dict:
    """Peak RSS of a fresh child that only imports the app and prepares the clip once (nothing else counts):
    prep_peak_rss_mb, and import_rss_mb (the peak before the preparation starts)."""
    return _run_child(clip, ["--rss-only", "--cores", cores], timeout_s)


def floor(clip: Path, times_s: Sequence[float], thread_type: str = "AUTO") -> int:
    """The floor: for each time, seek (PyAV, backward to the keyframe, as decode_frames does), decode forward to
    the first frame shown at or after it and convert that one frame to BGR; return how many were converted."""
    import av

    converted = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = thread_type
        offset = stream.start_time or 0
        start_s = float(offset * stream.time_base)  # times are from the video's start, as decode_frames counts
        for target in times_s:
            container.seek(max(0, int(target / stream.time_base)) + offset, stream=stream, backward=True,
                           any_frame=False)
            for frame in container.decode(stream):
                if frame.time is None or frame.time - start_s >= target - TIME_SLACK_S:
                    frame.to_ndarray(format="bgr24")
                    converted += 1
                    break
    return converted


def app_times(clip: Path) -> list[float]:
    """The times prepare_video decodes: each planned frame index over OpenCV's frame rate."""
    from backend.media.video import prepare_video

    video = prepare_video(clip, encode=False)
    return [index / video.info.fps for index in video.plan.frame_indices]


def _peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read_through(path: Path) -> None:
    """Read the file once so neither timing pays for the first trip from disk."""
    with path.open("rb") as handle:
        while handle.read(16 * 2**20):
            pass


def measure(clip: Path, repeats: int) -> dict:
    """Time the floor and prepare_video (with the re-encoded clip), interleaved, on the cores this process has."""
    # imported after pinning, so the decoders size their thread pools to the cores
    from backend.media.video import prepare_video

    _read_through(clip)
    times = app_times(clip)
    prep_s, floor_s = [], []
    video = None
    converted = 0
    for _ in range(repeats):
        started = time.perf_counter()
        converted = floor(clip, times)
        floor_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        video = prepare_video(clip, encode=True)
        prep_s.append(time.perf_counter() - started)
    assert video is not None and video.clip is not None
    return {
        "prep_s": prep_s, "floor_s": floor_s, "cores": sorted(os.sched_getaffinity(0)),
        "frames": len(video.plan.frame_indices), "floor_frames": converted, "input_size": list(video.input_size),
        "original_size": list(video.original_size), "duration_s": video.info.duration_s,
        "clip_bytes": len(video.clip), "source_bytes": clip.stat().st_size, "peak_rss_mb": _peak_rss_mb(),
    }


def measure_rss(clip: Path) -> dict:
    """Prepare the clip once in this fresh process, before anything else runs, and report its peak RSS."""
    from backend.media.video import prepare_video

    import_rss_mb = _peak_rss_mb()
    started = time.perf_counter()
    video = prepare_video(clip, encode=True)
    elapsed = time.perf_counter() - started
    return {
        "prep_peak_rss_mb": _peak_rss_mb(), "import_rss_mb": import_rss_mb, "prep_s": [elapsed],
        "frames": len(video.plan.frame_indices), "cores": sorted(os.sched_getaffinity(0)),
    }


def main(argv: list[str] | None = None) -> int:
    """`--make DIR`: build the clip and print its path and how long that took. Otherwise (the child): pin to the
    cores asked for, time the preparation and the floor (or, with --rss-only, only prepare once), print one
    JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.long_video", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path, nargs="?")
    parser.add_argument("--make", type=Path, metavar="DIR", help="build the hour clip in DIR and exit")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--cores", choices=CORES, default="one")
    parser.add_argument("--rss-only", action="store_true", help="only prepare once and report the peak RSS")
    args = parser.parse_args(argv)
    if args.make is not None:
        started = time.perf_counter()
        path = make_hour_clip(args.make, minutes=args.minutes)
        print(json.dumps({"path": str(path), "make_s": time.perf_counter() - started, **describe_clip(path)}),
              flush=True)
        return 0
    if args.clip is None:
        parser.error("give a CLIP to measure, or --make DIR")
    if args.cores == "one":
        os.sched_setaffinity(0, {pick_core()})
    figures = measure_rss(args.clip) if args.rss_only else measure(args.clip, max(1, args.repeats))
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
