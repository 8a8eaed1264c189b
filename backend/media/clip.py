"""The re-encoded clip a remote engine gets: the sampled frames decoded in one pass, resized and written to a
small MP4 on a second thread, so that with more than one core only the decode is on the critical path."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from backend.media.images import MediaError


def decode_frames(path: str | Path, indices: Sequence[int], add: Callable[[np.ndarray], None]) -> int:
    """Hand the frames at indices (ascending; full size, BGR) to add, in order, in one sequential pass
    (grab() decodes without converting the frames nobody wants); return how many decoded."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    decoded = position = 0
    try:
        for index in indices:
            while position < index and capture.grab():
                position += 1
            ok, frame = capture.read() if position == index else (False, None)
            if not ok:
                break
            position += 1
            add(frame)
            decoded += 1
    finally:
        capture.release()
    return decoded


class ClipWriter:
    """MPEG-4 part 2 ('mp4v') of frames resized to size, at fps; they are resized and written on a worker thread
    in the order given (OpenCV releases the GIL there), at most AHEAD waiting and only the last kept once resized.
    OpenCV needs a real file, so a temp one is used."""

    AHEAD = 4  # full-size frames waiting for the worker (bounds memory: a 4K frame is 25 MB)

    def __init__(self, size: tuple[int, int], fps: float) -> None:
        self.size = size
        handle, self.name = tempfile.mkstemp(suffix=".mp4")
        os.close(handle)
        self._writer = cv2.VideoWriter(self.name, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            os.unlink(self.name)
            raise MediaError("Could not encode the sampled video clip (OpenCV's MP4 writer is unavailable).")
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-writer")
        self._pending: list[Future] = []
        self._last: np.ndarray | None = None
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
        self._writer.release()
        return Path(self.name).read_bytes()

    def _write(self, frame: np.ndarray) -> None:
        self._last = resize_frame(frame, *self.size)  # only the last is kept (the worker runs them in order)
        self._writer.write(self._last)

    def _write_last(self) -> None:
        if self._last is not None:
            self._writer.write(self._last)

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._writer.release()
        if os.path.exists(self.name):
            os.unlink(self.name)


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
