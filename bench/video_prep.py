"""P6: how long backend.media.video takes to sample and re-encode a clip, beside the decode floor (every frame of
the same clip decoded by OpenCV/FFmpeg, nothing else) on the same cores: one core, and all the host has.

The parent calls time_video_prep(); it runs `python -m bench.video_prep CLIP --repeats N --cores one|all` so only
that child is pinned (os.sched_setaffinity before OpenCV loads, which sizes its decoder threads to the cores it
may use), and reads one JSON line back. h264_clip() transcodes the bench clip to H.264 (what phones record) where
an `ffmpeg` with libx264 is on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CORES = ("one", "all")


def pick_core() -> int:
    """The last core this process may run on (usually the least busy with interrupts)."""
    return max(os.sched_getaffinity(0))


def time_video_prep(clip: Path, repeats: int, cores: str = "one", timeout_s: float = 900.0) -> dict:
    """Run the child on `cores` and return its figures: prep_s / floor_s / plan_only_s samples, frames, sizes."""
    command = [sys.executable, "-m", "bench.video_prep", str(clip), "--repeats", str(repeats), "--cores", cores]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                             os.environ.get("PYTHONPATH", "")]))}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False, cwd=REPO_ROOT,
                            env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"video prep child failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def h264_clip(clip: Path) -> tuple[Path | None, str]:
    """The clip as H.264 next to it (made once), or None and why not."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None, "no ffmpeg on PATH to make an H.264 clip"
    target = clip.with_name(clip.stem + "-h264.mp4")
    if target.exists() and target.stat().st_size > 0:
        return target, ""
    partial = target.with_suffix(f".{os.getpid()}.part.mp4")
    result = subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(clip), "-c:v", "libx264", "-preset", "veryfast",
                             "-crf", "23", "-pix_fmt", "yuv420p", str(partial)], capture_output=True, text=True,
                            timeout=600, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        return None, f"ffmpeg could not encode H.264: {result.stderr.strip()[-200:]}"
    partial.replace(target)
    return target, ""


def decode_every_frame(clip: Path) -> int:
    """The floor: decode every frame of the clip (grab() decodes; no colour conversion), return the count."""
    import cv2

    capture = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    frames = 0
    try:
        while capture.grab():
            frames += 1
    finally:
        capture.release()
    return frames


def measure(clip: Path, repeats: int) -> dict:
    """Time prepare_video (with and without the re-encoded clip) and the decode floor, interleaved."""
    from backend.media.video import prepare_video  # imported after pinning, so OpenCV sizes its pool to the cores

    prep_s, floor_s, plan_only_s = [], [], []
    video = None
    decoded = 0
    for _ in range(repeats):
        started = time.perf_counter()
        decoded = decode_every_frame(clip)
        floor_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        video = prepare_video(clip, encode=True)
        prep_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        prepare_video(clip, encode=False)
        plan_only_s.append(time.perf_counter() - started)
    assert video is not None and video.clip is not None
    return {
        "prep_s": prep_s, "floor_s": floor_s, "plan_only_s": plan_only_s, "cores": sorted(os.sched_getaffinity(0)),
        "frames": len(video.plan.frame_indices), "decoded_frames": decoded, "input_size": list(video.input_size),
        "original_size": list(video.original_size), "duration_s": video.info.duration_s,
        "clip_bytes": len(video.clip), "source_bytes": clip.stat().st_size, "vision_tokens": video.vision_tokens,
    }


def main(argv: list[str] | None = None) -> int:
    """Pin to the cores asked for, time the preparation and the floor, print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.video_prep", description=__doc__)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", choices=CORES, default="one")
    args = parser.parse_args(argv)
    if args.cores == "one":
        os.sched_setaffinity(0, {pick_core()})
    print(json.dumps(measure(args.clip, max(1, args.repeats))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
