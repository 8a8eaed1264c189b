"""P9: how long backend.media.video takes to prepare an hour-long 1080p H.264 video for a remote engine (768
frames seeked to, scaled and re-encoded), beside the decode floor on the same cores: exactly the frames sent,
each reached by the same library's seek to the keyframe before it, decoded forward and scaled to the sent size by
the same call, with as many decoders as the app runs there, and nothing else (no encode, no hand-over in order);
on one core and on all the host has; and the preparation's peak memory.

`python -m bench.video_rows p9` runs P9 alone and prints its rows as `python -m bench` does (which runs it too).
The parent calls time_long_video_prep() and peak_rss(); they run `python -m bench.long_video CLIP --repeats N
--cores one|all [--rss-only]` so only that child is pinned (os.sched_setaffinity before PyAV and OpenCV load, which
size their decoder threads to the cores they may use), and read one JSON line back. The clip comes from
bench.hour_clip; `python -m bench.long_video --make DIR` builds it and says how long that took.
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
TIME_SLACK_S = 0.0005  # as backend.media.decode: half a millisecond of timestamp rounding


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


def floor(clip: Path, times_s: Sequence[float], size: tuple[int, int], decoders: int) -> int:
    """The floor: as many decoders as decode_frames runs on these cores (one using FFmpeg's frame threads, or
    several single-threaded ones on threads of their own, each with its own container), taking the times in turn,
    with nothing to hand over in order; for each time, seek (PyAV, backward to the keyframe, as decode_frames
    does), decode forward to the first frame shown at or after it and scale that one frame to the sent size with
    the app's own call (picture_maker); return how many frames were scaled."""
    from concurrent.futures import ThreadPoolExecutor

    if decoders <= 1:
        return _floor_part(clip, times_s, size, threads=True)
    with ThreadPoolExecutor(decoders) as pool:
        return sum(pool.map(lambda n: _floor_part(clip, times_s[n::decoders], size, threads=False), range(decoders)))


def _floor_part(clip: Path, times_s: Sequence[float], size: tuple[int, int], threads: bool) -> int:
    """One decoder of the floor: a seek for every time."""
    import av

    from backend.media.decode import picture_maker, seek_stamp

    converted = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"
        else:
            stream.codec_context.thread_count = 1
        picture = picture_maker(size)
        start_s = float((stream.start_time or 0) * stream.time_base)  # times from the video's start, as the app's
        for target in times_s:
            container.seek(seek_stamp(target, stream), stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.time is None or frame.time - start_s >= target - TIME_SLACK_S:
                    picture(frame)
                    converted += 1
                    break
    return converted


def app_plan(clip: Path) -> tuple[list[float], tuple[int, int]]:
    """The times prepare_video decodes (each planned frame index over OpenCV's frame rate) and the sent size."""
    from backend.media.video import prepare_video

    video = prepare_video(clip, encode=False)
    return [index / video.info.fps for index in video.plan.frame_indices], video.input_size


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
    from backend.media.decode import decoder_count, stretches
    from backend.media.video import prepare_video

    _read_through(clip)
    times, size = app_plan(clip)
    if len(stretches(times)) != len(times):
        raise SystemExit("the floor seeks for every frame, but decode_frames reaches some of these by decoding on")
    decoders = decoder_count(len(times))
    prep_s, floor_s = [], []
    video = None
    converted = 0
    for _ in range(repeats):
        started = time.perf_counter()
        converted = floor(clip, times, size, decoders)
        floor_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        video = prepare_video(clip, encode=True)
        prep_s.append(time.perf_counter() - started)
    assert video is not None and video.clip is not None
    return {
        "prep_s": prep_s, "floor_s": floor_s, "cores": sorted(os.sched_getaffinity(0)), "decoders": decoders,
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
