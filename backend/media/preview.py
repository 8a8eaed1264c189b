"""A video the browser can play, for the moments timeline: the upload itself when browsers decode it (H.264, VP8,
VP9 or AV1 in MP4 / WebM), else the clip sent to the model (H.264 of the frames sent, each at its time
in the original: backend.media.video), so a moment's seconds seek it exactly as they would the original."""

from __future__ import annotations

from pathlib import Path

import av

from backend.media.video import PreparedVideo, with_clip

BROWSER_CODECS = {"h264", "vp8", "vp9", "av1"}


def browser_plays(path: str | Path) -> bool:
    """True when Chromium, Firefox and Safari play the file as it is (codec and container)."""
    try:
        with av.open(str(path)) as container:
            streams = container.streams.video
            codec = streams[0].codec_context.name if streams else ""
            mp4 = any(name in container.format.name for name in ("mp4", "mov"))
            webm = "webm" in container.format.name and codec != "h264"  # Firefox and Safari play no H.264 in MKV
            return codec in BROWSER_CODECS and (mp4 or webm)
    except (av.FFmpegError, IndexError):
        return False


def playable_file(video: PreparedVideo, target: Path) -> str:
    """The original's path when browsers play it, else the clip written to target (an .mp4)."""
    if browser_plays(video.source_path):
        return video.source_path
    clip = with_clip(video).clip
    assert clip is not None
    target.write_bytes(clip)
    return str(target)
