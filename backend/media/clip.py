"""The re-encoded clip a remote engine gets: only the sampled frames decoded (seeking between far-apart ones, with
PyAV), resized and written to a small MP4 on a second thread, so that with more than one core only the decode
is on the critical path."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from backend.media.images import MediaError

SEEK_GAP_S = 1.0  # a wanted frame further ahead than this is reached by a seek, a nearer one by decoding forward
TIME_SLACK_S = 0.0005


def decode_frames(path: str | Path, times_s: Sequence[float], add: Callable[[np.ndarray], None]) -> list[float]:
    """Hand the frame shown at each time (ascending seconds; full size, BGR) to add, in order, decoding only what
    leads to them: the next wanted frame within SEEK_GAP_S is reached by decoding forward, a farther one by
    seeking to the keyframe before it (PyAV, FFmpeg's demuxer index). A short clip is one sequential pass; an
    hour's 768 frames are 768 short decodes. Returns the real timestamp of each frame handed over (fewer when
    the file stops decoding early)."""
    sent: list[float] = []
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise MediaError(f"This video cannot be read: {error}") from error
    with container:
        if not container.streams.video:
            raise MediaError("This file has no video stream.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # FFmpeg's frame threads: one decoder per core when there are several
        frames: Iterator[av.VideoFrame] = container.decode(stream)
        position, seekable = 0.0, True  # the time of the last frame decoded, from the video's start
        try:
            for target in times_s:
                frame = None
                if seekable and target - position > SEEK_GAP_S:
                    container.seek(max(0, int(target / stream.time_base)) + (stream.start_time or 0), stream=stream,
                                   backward=True, any_frame=False)
                    frames = container.decode(stream)
                    frame = _first_frame_at(frames, target, stream)
                    if frame is None:  # the demuxer could not seek there (some MPEG-TS): read on from the start
                        seekable = False
                        container.seek(0)
                        frames = container.decode(stream)
                frame = frame or _first_frame_at(frames, target, stream)
                if frame is None:
                    break
                position = _seconds(frame, stream)
                add(frame.to_ndarray(format="bgr24"))
                sent.append(position)
        except av.FFmpegError:
            pass  # a corrupt stretch ends the decode here: the caller says how far the file decodes
    return sent


def _first_frame_at(frames: Iterator[av.VideoFrame], target: float, stream) -> av.VideoFrame | None:
    """The first frame shown at target (seconds from the video's start) or later (half a millisecond of rounding
    allowed); None past the end."""
    for frame in frames:
        if frame.time is None or _seconds(frame, stream) >= target - TIME_SLACK_S:
            return frame
    return None


def _seconds(frame: av.VideoFrame, stream) -> float:
    """The frame's time from the video's start (a stream may start at a non-zero timestamp, e.g. an MPEG-TS)."""
    start = float((stream.start_time or 0) * stream.time_base)
    return max(0.0, float(frame.time) - start) if frame.time is not None else 0.0


class ClipWriter:
    """H.264 in MP4 of frames resized to size, at exactly `rate` frames a second (a fraction, so frame i of the clip
    sits at i / rate seconds: the original's time when rate is frames sent over the original's duration). Frames
    are resized and encoded on a worker thread in the order given (OpenCV and FFmpeg release the GIL there), at
    most AHEAD waiting. Browsers play the result too (it is the moments player's preview)."""

    AHEAD = 4  # full-size frames waiting for the worker (bounds memory: a 4K frame is 25 MB)

    def __init__(self, size: tuple[int, int], rate: Fraction | float) -> None:
        self.size = size
        self._buffer = io.BytesIO()
        self._out = av.open(self._buffer, "w", format="mp4")
        self._stream = self._out.add_stream("libx264", rate=_exact(rate))
        self._stream.width, self._stream.height, self._stream.pix_fmt = size[0], size[1], "yuv420p"
        # ultrafast: 120 frames of 1008x560 in 1.2-1.4 s on one core where veryfast took 5.8 s (P6); crf 26 keeps
        # the 60 s bench clip near 7 MB (crf 23: 13 MB, 28: 4.4 MB)
        self._stream.options = {"preset": "ultrafast", "crf": "26"}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-writer")
        self._pending: list[Future] = []
        self._last: np.ndarray | None = None
        self._count = 0
        self._closed = False
        self._room = threading.BoundedSemaphore(self.AHEAD)

    def add(self, frame: np.ndarray) -> None:
        """Resize and append one frame (asynchronously; waits while AHEAD frames are queued)."""
        self._room.acquire()
        future = self._worker.submit(self._write, frame)
        future.add_done_callback(lambda _done: self._room.release())
        self._pending.append(future)

    def repeat_last(self, times: int) -> None:
        """Append the last frame again `times` times (a short, missing tail)."""
        for _ in range(max(0, times)):
            self._pending.append(self._worker.submit(self._write_last))

    def finish(self) -> bytes:
        """Wait for every frame, close the file and return its bytes."""
        for future in self._pending:
            future.result()
        self._out.mux(self._stream.encode(None))
        self._out.close()
        self._closed = True
        return self._buffer.getvalue()

    def _write(self, frame: np.ndarray) -> None:
        self._last = resize_frame(frame, *self.size)  # only the last is kept (the worker runs them in order)
        self._encode(self._last)

    def _write_last(self) -> None:
        if self._last is not None:
            self._encode(self._last)

    def _encode(self, pixels: np.ndarray) -> None:
        picture = av.VideoFrame.from_ndarray(pixels, format="bgr24")
        picture.pts = self._count
        self._count += 1
        self._out.mux(self._stream.encode(picture))

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        if not self._closed:
            self._out.close()


def _exact(rate: Fraction | float) -> Fraction:
    """The frame rate as a fraction MP4 keeps exactly (a float such as 1.9652 becomes the nearest one with a
    denominator FFmpeg's time base can hold)."""
    return rate if isinstance(rate, Fraction) else Fraction(rate).limit_denominator(1_000_000)


def resize_frame(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize a BGR frame; large reductions go through an integer-ratio area step (OpenCV's INTER_AREA
    is ~8x slower at non-integer ratios), the rest is bilinear like SGLang's own frame resize."""
    source_h, source_w = frame.shape[:2]
    shrink = min(source_w // width, source_h // height)
    if shrink >= 2:
        frame = cv2.resize(frame, (source_w // shrink, source_h // shrink), interpolation=cv2.INTER_AREA)
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
