"""The hour-long clip P9 prepares: a 60-minute 1080p 30 fps H.264 MP4 with a keyframe every 2 s, made fast (a 10 s
segment encoded once, its packets copied end to end with shifted timestamps: no re-encode) and reused from a
folder; describe_clip() says what OpenCV and PyAV's demuxer see in it."""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path

SEGMENT_S = 10  # the encoded segment that is copied end to end


def _segment_frame(background, index: int, fps: int):
    """One BGR frame of the segment: a still textured scene, two moving shapes and the frame number."""
    import cv2
    import numpy as np

    height, width = background.shape[:2]
    frame = background.copy()
    x = int((index * 17) % (width - 240))
    y = int(height * 0.55 + 120 * np.sin(index / 15))
    cv2.rectangle(frame, (x, y), (x + 240, y + 160), (30, 30, 200), -1)
    cv2.circle(frame, (width - x - 1, height // 3), 70, (40, 200, 240), -1)
    cv2.putText(frame, f"frame {index:4d}  t={index / fps:5.2f}s", (40, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.4,
                (255, 255, 255), 5)
    return frame


def encode_segment(seconds: int, fps: int, size: tuple[int, int], gop_s: float) -> bytes:
    """An MP4 of `seconds` seconds of H.264 (libx264 ultrafast, yuv420p, no B-frames, one slice a frame as most
    files have), a keyframe exactly every gop_s seconds (no scene-cut keyframes), starting on one."""
    import av
    import cv2

    from bench.media import photo_pixels

    width, height = size
    gop = str(round(fps * gop_s))
    # blurred: without the sensor noise, keyframes are ~140 KB and the hour ~0.8 GB (the app refuses over 2 GiB)
    background = cv2.GaussianBlur(cv2.cvtColor(photo_pixels(width, height, seed=11), cv2.COLOR_RGB2BGR), (0, 0), 1.5)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.thread_type = "FRAME"  # PyAV's default (SLICE) makes x264 cut each frame in slices a decoder splits
        stream.options = {"preset": "ultrafast", "crf": "23", "g": gop, "keyint_min": gop, "sc_threshold": "0",
                          "bf": "0"}
        for index in range(seconds * fps):
            picture = av.VideoFrame.from_ndarray(_segment_frame(background, index, fps), format="bgr24")
            picture.pts = index
            output.mux(stream.encode(picture))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def hour_clip_path(folder: Path, minutes: float = 60.0, fps: int = 30, size: tuple[int, int] = (1920, 1080),
                   gop_s: float = 2.0) -> Path:
    """Where make_hour_clip keeps the clip for these settings."""
    return folder / f"long-{minutes:g}min-{size[0]}x{size[1]}-{fps}fps-gop{gop_s:g}s-h264.mp4"


def make_hour_clip(folder: Path, minutes: float = 60.0, fps: int = 30, size: tuple[int, int] = (1920, 1080),
                   gop_s: float = 2.0) -> Path:
    """A `minutes`-long H.264 MP4, made once and reused from folder: a SEGMENT_S segment encoded once, its packets
    copied 6 x minutes times with timestamps shifted by the segment's duration each time (stream copy), so it
    plays as one continuous video with a keyframe every gop_s seconds."""
    import av

    path = hour_clip_path(folder, minutes, fps, size, gop_s)
    if path.exists() and path.stat().st_size > 0:
        return path
    if (SEGMENT_S * fps) % round(fps * gop_s):
        raise ValueError(f"a {SEGMENT_S} s segment must hold whole GOPs of {gop_s:g} s")
    folder.mkdir(parents=True, exist_ok=True)
    copies = round(minutes * 60 / SEGMENT_S)
    partial = path.with_suffix(f".{os.getpid()}.part.mp4")
    try:
        with av.open(io.BytesIO(encode_segment(SEGMENT_S, fps, size, gop_s))) as source, \
                av.open(str(partial), "w", format="mp4") as output:
            source_stream = source.streams.video[0]
            stream = output.add_stream_from_template(source_stream)
            time_base = source_stream.time_base
            packets = [packet for packet in source.demux(source_stream) if packet.dts is not None]
            stamps = [(packet.pts, packet.dts) for packet in packets]
            step = round(SEGMENT_S / time_base)  # the segment's duration in its time base
            for copy in range(copies):
                for packet, (pts, dts) in zip(packets, stamps):
                    packet.time_base = time_base  # mux() rebased it to the output's time base last time
                    packet.pts, packet.dts = pts + copy * step, dts + copy * step
                    packet.stream = stream
                    output.mux(packet)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def describe_clip(path: Path) -> dict:
    """What OpenCV (as prepare_video probes) and PyAV's demuxer say about the clip: frame counts, rate, duration,
    keyframes, and how many frame-to-frame timestamp steps are not exactly one frame (0: continuous)."""
    import av
    import cv2

    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        cv_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        cv_fps = float(capture.get(cv2.CAP_PROP_FPS))
    finally:
        capture.release()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = []
        keyframes = 0
        for packet in container.demux(stream):
            if packet.pts is not None:
                pts.append(packet.pts)
                keyframes += packet.is_keyframe
        frame_step = round(1 / (stream.average_rate * stream.time_base))
        irregular = sum(1 for before, after in itertools.pairwise(pts) if after - before != frame_step)
        return {
            "opencv_frames": cv_frames, "opencv_fps": cv_fps, "opencv_duration_s": cv_frames / cv_fps,
            "pyav_packets": len(pts), "pyav_stream_frames": stream.frames, "pyav_fps": float(stream.average_rate),
            "pyav_duration_s": container.duration / 1e6, "pyav_stream_duration_s": float(stream.duration *
                                                                                        stream.time_base),
            "keyframes": keyframes, "irregular_steps": irregular, "bytes": path.stat().st_size,
        }
