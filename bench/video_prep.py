"""P6: how long backend.media.video takes to sample and re-encode a clip on one CPU core.

The parent calls time_video_prep(); it runs `python -m bench.video_prep CLIP --repeats N --core C` so only
that child is pinned (os.sched_setaffinity before OpenCV loads), and reads one JSON line back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def pick_core() -> int:
    """The last core this process may run on (usually the least busy with interrupts)."""
    return max(os.sched_getaffinity(0))


def time_video_prep(clip: Path, repeats: int, core: int | None = None, timeout_s: float = 600.0) -> dict:
    """Run the pinned child and return its figures: encode_s / plan_only_s samples, frames, sizes, clip bytes."""
    core = pick_core() if core is None else core
    command = [sys.executable, "-m", "bench.video_prep", str(clip), "--repeats", str(repeats), "--core", str(core)]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                             os.environ.get("PYTHONPATH", "")]))}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False, cwd=REPO_ROOT,
                            env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"video prep child failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(clip: Path, repeats: int) -> dict:
    """Time prepare_video with and without the re-encoded clip (run pinned, in the child)."""
    from backend.media.video import prepare_video  # imported after pinning, so OpenCV sizes its pool to one core

    encode_s, plan_only_s = [], []
    video = None
    for _ in range(repeats):
        started = time.perf_counter()
        video = prepare_video(clip, encode=True)
        encode_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        prepare_video(clip, encode=False)
        plan_only_s.append(time.perf_counter() - started)
    assert video is not None and video.clip is not None
    return {
        "encode_s": encode_s, "plan_only_s": plan_only_s, "cores": sorted(os.sched_getaffinity(0)),
        "frames": len(video.plan.frame_indices), "input_size": list(video.input_size),
        "original_size": list(video.original_size), "duration_s": video.info.duration_s,
        "clip_bytes": len(video.clip), "source_bytes": clip.stat().st_size, "vision_tokens": video.vision_tokens,
    }


def main(argv: list[str] | None = None) -> int:
    """Pin to one core, time the preparation, print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.video_prep", description=__doc__)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--core", type=int, default=None)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {pick_core() if args.core is None else args.core})
    print(json.dumps(measure(args.clip, max(1, args.repeats))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
