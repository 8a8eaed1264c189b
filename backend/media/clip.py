"""The re-encoded clip a remote engine gets: the sampled frames (backend.media.decode hands them over already
scaled, as yuv420p) written to a small H.264 MP4 on a thread of its own, so that with more than one core only the
decode is on the critical path."""

from __future__ import annotations

import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction

import av
import cv2
import numpy as np


class ClipWriter:
    """H.264 in MP4 of frames of size, at exactly `rate` frames a second (a fraction, so frame i of the clip sits
    at i / rate seconds: the original's time when rate is frames sent over the original's duration). Frames are
    encoded on a worker thread in the order given (FFmpeg releases the GIL there), at most AHEAD waiting: yuv420p
    av.VideoFrames of size as they are (what decode_frames hands over given size), BGR arrays of any size resized
    first. Browsers play the result too (it is the moments player's preview)."""

    AHEAD = 4  # frames waiting for the worker (bounds memory: a 4K BGR array is 25 MB)

    def __init__(self, size: tuple[int, int], rate: Fraction | float) -> None:
        self.size = size
        self._buffer = io.BytesIO()
        self._out = av.open(self._buffer, "w", format="mp4")
        self._stream = self._out.add_stream("libx264", rate=_exact(rate))
        self._stream.width, self._stream.height, self._stream.pix_fmt = size[0], size[1], "yuv420p"
        # ultrafast: P6's 120 frames of 1008x560 (yuv420p as decode_frames scales them) in ~0.4 s of one core, where
        # veryfast took 5.8 s; crf 26 makes that 60 s bench clip 2.3 MB
        self._stream.options = {"preset": "ultrafast", "crf": "26"}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-writer")
        self._pending: list[Future] = []
        self._last: av.VideoFrame | None = None
        self._time_base = 1 / _exact(rate)  # frame i at pts i
        self._count = 0
        self._closed = False
        self._room = threading.BoundedSemaphore(self.AHEAD)

    def add(self, frame: av.VideoFrame | np.ndarray) -> None:
        """Append one frame (asynchronously; waits while AHEAD frames are queued)."""
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

    def _write(self, frame: av.VideoFrame | np.ndarray) -> None:
        if isinstance(frame, np.ndarray):
            frame = av.VideoFrame.from_ndarray(resize_frame(frame, *self.size), format="bgr24")
        elif (frame.width, frame.height, frame.format.name) != (*self.size, "yuv420p"):
            raise ValueError(f"a {frame.width}x{frame.height} {frame.format.name} frame for a {self.size} clip")
        self._last = frame  # only the last is kept (the worker runs them in order)
        self._encode(frame)

    def _write_last(self) -> None:
        if self._last is not None:
            self._encode(self._last)

    def _encode(self, picture: av.VideoFrame) -> None:
        # a decoded frame brings its source's time base and picture type (an I would force a keyframe here); the
        # encoder keeps its own reference, so the same frame can be sent again with the next pts
        picture.time_base, picture.pts, picture.pict_type = self._time_base, self._count, 0
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
