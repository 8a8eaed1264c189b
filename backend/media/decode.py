"""Only the frames sent, decoded (PyAV): a wanted time is reached by seeking to the keyframe before it (FFmpeg's
demuxer index) when that keyframe comes after the last frame decoded, and by decoding forward otherwise. Where
wanted times are close (a short clip at 2 fps) the keyframes are first read off the demuxed packets (no decoding:
~20 ms a minute of 1080p); without them, a time more than SEEK_GAP_S ahead is seeked to. The times are thus cut
into stretches, each one seek and a forward decode. One stretch (a clip with few keyframes) is one decoder using
FFmpeg's frame threads on all the cores; several (an hour's 768 frames; a clip with a keyframe between most sent
frames) are shared out among single-threaded decoders, one per core, each with its own container, taking whole
stretches in turn, since frame threads barely help short decodes (they are flushed at every seek)."""

from __future__ import annotations

import bisect
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import av
from av.video.reformatter import ColorRange, VideoReformatter

from backend.media.images import MediaError

SEEK_GAP_S = 1.0  # a wanted frame further ahead than this is reached by a seek, a nearer one by decoding forward
TIME_SLACK_S = 0.0005
MAX_DECODERS = 8  # each keeps its own reference frames (a 1080p H.264 decoder: ~10-30 MB)
AHEAD = 4  # frames each decoder may hold ready beyond the one being handed over

Size = tuple[int, int]


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as `taskset` or a container's cpuset sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def stretches(times_s: Sequence[float], keyframes: list[float] | None = None) -> list[range]:
    """The wanted times' positions, cut where a seek is due (_seek_pays, from the time before): each stretch is
    one seek and a forward decode, which one decoder does."""
    cuts = [0, *(n for n in range(1, len(times_s)) if _seek_pays(times_s[n - 1], times_s[n], keyframes)),
            len(times_s)]
    return [range(start, end) for start, end in zip(cuts, cuts[1:]) if end > start]


def decoder_count(stretch_count: int, cores: int | None = None) -> int:
    """How many decoders decode_frames runs for this many stretches: one per core (at most MAX_DECODERS), never
    more than there are stretches; one for a single stretch (FFmpeg's frame threads use the cores there)."""
    return max(1, min(stretch_count, cores or usable_cores(), MAX_DECODERS))


def picture_maker(size: Size | None) -> Callable[[av.VideoFrame], Any]:
    """What each decoded frame becomes: a full-size BGR array (size None), or a yuv420p frame of size, scaled
    from the decoder's own planes by one FFmpeg call (bilinear, which averages over the whole footprint when it
    shrinks; no RGB round trip), which the clip encoder takes as it is. One per decoder (it keeps its scaler)."""
    if size is None:
        return lambda frame: frame.to_ndarray(format="bgr24")
    scaler = VideoReformatter()
    width, height = size

    def picture(frame: av.VideoFrame) -> av.VideoFrame:
        return scaler.reformat(frame, width, height, "yuv420p", src_color_range=frame.color_range,
                               dst_color_range=ColorRange.MPEG)
    return picture


def decode_frames(path: str | os.PathLike, times_s: Sequence[float], add: Callable[[Any], None],
                  size: Size | None = None, decoders: int | None = None) -> list[float]:
    """Hand the frame shown at each time (ascending seconds from the video's start) to add, in order: a BGR
    array at full size, or given size a yuv420p av.VideoFrame of that size (picture_maker). decoders: how many
    decode at once (default decoder_count). Returns the real timestamp of each frame handed over (fewer when
    the file stops decoding early)."""
    close = any(later - earlier <= SEEK_GAP_S for earlier, later in zip(times_s, times_s[1:]))
    keyframes = keyframe_times(path) if close else None  # far apart, every time is a seek anyway
    parts = stretches(times_s, keyframes)
    count = decoders or decoder_count(len(parts))
    sent: list[float] = []
    if count <= 1:
        _decode(path, times_s, lambda time_s, picture: (add(picture), sent.append(time_s)), size, keyframes,
                threads=True)
        return sent
    return _decode_shared(path, times_s, parts, count, add, size, keyframes)


def keyframe_times(path: str | os.PathLike) -> list[float] | None:
    """The time of every keyframe from the video's start, ascending, read off the demuxed packets (no decoding);
    None where a keyframe has no timestamp."""
    with _open(path) as container:
        stream = container.streams.video[0]
        start = stream.start_time or 0
        try:
            stamps = [packet.pts for packet in container.demux(stream) if packet.is_keyframe]
        except av.FFmpegError:  # a damaged file: seek by distance alone; decoding says how far it goes
            return None
        if not stamps or None in stamps:
            return None
        return sorted(max(0.0, float((pts - start) * stream.time_base)) for pts in stamps)


class _Stopped(Exception):
    """The reader has what it needs (or failed): a decoder stops."""


_END = object()


def _decode_shared(path, times_s: Sequence[float], parts: list[range], count: int, add: Callable[[Any], None],
                   size: Size | None, keyframes: list[float] | None) -> list[float]:
    """count decoders on threads of their own (FFmpeg releases the GIL while it demuxes, decodes and scales),
    stretch n going to decoder n % count; this thread hands the frames over in order."""
    outboxes = [queue.Queue(AHEAD) for _ in range(count)]
    stop = threading.Event()

    def put(outbox: queue.Queue, item: object) -> None:
        while True:
            try:
                return outbox.put(item, timeout=0.05)
            except queue.Full:
                if stop.is_set():
                    raise _Stopped from None

    def work(number: int) -> None:
        outbox = outboxes[number]
        mine = [times_s[n] for part in parts[number::count] for n in part]
        try:
            _decode(path, mine, lambda time_s, picture: put(outbox, (time_s, picture)), size, keyframes,
                    threads=False)
            put(outbox, _END)  # read only when the file stopped decoding before this decoder's last time
        except _Stopped:
            return
        except Exception as error:  # the reader raises it when it reaches this decoder's next frame
            try:
                put(outbox, error)
            except _Stopped:
                return

    workers = [threading.Thread(target=work, args=(number,), name=f"decode-{number}", daemon=True)
               for number in range(count)]
    for worker in workers:
        worker.start()
    sent: list[float] = []
    try:
        for number, part in enumerate(parts):
            outbox = outboxes[number % count]
            for _ in part:
                item = outbox.get()
                if item is _END:
                    return sent
                if isinstance(item, Exception):
                    raise item
                time_s, picture = item
                add(picture)
                sent.append(time_s)
        return sent
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def _open(path) -> av.container.InputContainer:
    """The file opened for reading, or the app's words for why not."""
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise MediaError(f"This video cannot be read: {error}") from error
    if not container.streams.video:
        container.close()
        raise MediaError("This file has no video stream.")
    return container


def seek_stamp(target: float, stream) -> int:
    """The timestamp to seek backward to for target (seconds from the video's start): the keyframe at or before
    it is where decoding starts. Half a millisecond on, so that a keyframe at exactly target (which seconds in a
    float can put a tick after it) is that keyframe, not the one before."""
    return max(0, int((target + TIME_SLACK_S) / stream.time_base)) + (stream.start_time or 0)


def _seek_pays(position: float, target: float, keyframes: list[float] | None) -> bool:
    """Whether to seek from the last frame decoded (position) to target: when the keyframe before target comes
    after position (decoding from it skips what lies between), or without keyframes, when target is far."""
    if keyframes is None:
        return target - position > SEEK_GAP_S
    before = bisect.bisect_right(keyframes, target + TIME_SLACK_S) - 1
    return before >= 0 and keyframes[before] > position + TIME_SLACK_S


def _decode(path, times_s: Sequence[float], emit: Callable[[float, Any], None], size: Size | None,
            keyframes: list[float] | None, threads: bool) -> None:
    """One decoder: emit (real time, picture) for each wanted time, in order, seeking where _seek_pays and
    decoding forward otherwise. threads: FFmpeg's frame threads (one decoder on all the cores) or a single
    thread (one of several decoders)."""
    with _open(path) as container:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"  # one frame thread per core
        else:
            stream.codec_context.thread_count = 1
        picture = picture_maker(size)
        frames = container.decode(stream)
        position, seekable = 0.0, True  # the time of the last frame decoded, from the video's start
        try:
            for target in times_s:
                frame = None
                if seekable and _seek_pays(position, target, keyframes):
                    container.seek(seek_stamp(target, stream), stream=stream, backward=True, any_frame=False)
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
                emit(position, picture(frame))
        except av.FFmpegError:
            pass  # a corrupt stretch ends the decode here: the caller says how far the file decodes


def _first_frame_at(frames, target: float, stream) -> av.VideoFrame | None:
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
