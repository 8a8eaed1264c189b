"""Videos sampled the way Qwen-VL expects (qwen-vl-utils' fps rule, as SGLang applies it) and sent small.

How a video reaches the server (the design choice):
- Remote engine: only the sampled frames (seeked to, not a full decode: backend.media.clip), already resized to
  the per-frame grid, are re-encoded into a small H.264 MP4 whose frame rate is exactly the sampling rate (n
  frames / original duration, as a fraction). Clip frame i therefore sits at i / rate seconds, the original time
  of the frame it came from (within half an original frame), and the clip lasts as long as the original, so
  SGLang's own 2 fps sampling keeps every clip frame, its resize is the identity, and times the model gives are
  seconds of the original. A 60 s 1080p clip becomes ~120 small frames; an hour, at most 768.
- Engine on this host (Endpoint.local): the original file is passed as a file:// path when SGLang's own rule
  samples it the same way (frame count and size: short videos); otherwise (long videos, several videos sharing
  the budget, a chosen rate) it gets the clip too.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import cv2

from backend.media.clip import ClipWriter
from backend.media.decode import decode_frames
from backend.media.images import IMAGE_FACTOR, MediaError, ceil_by_factor, floor_by_factor, smart_resize
from backend.media.video_limits import (
    FRAME_FACTOR,
    MAX_RATE_DENOMINATOR,
    MISSING_TAIL_TOLERANCE_S,
    TEMPORAL_PATCH,
    VideoLimits,
)
from backend.media.video_probe import no_video_stream_reason


@dataclass(frozen=True)
class VideoInfo:
    """What OpenCV reports about the original file."""

    fps: float
    frame_count: int
    duration_s: float
    width: int
    height: int


@dataclass(frozen=True)
class SamplingPlan:
    """Which original frames are sent, when they occur and at what size."""

    frame_indices: tuple[int, ...]
    sample_rate: Fraction  # clip frame rate: frames sent / original duration, exactly
    input_size: tuple[int, int]  # (width, height) of every sent frame

    @property
    def sample_fps(self) -> float:
        return float(self.sample_rate)

    @property
    def frame_times_s(self) -> tuple[float, ...]:
        """Time of each sent frame in the original (and in the clip)."""
        return tuple(i / self.sample_fps for i in range(len(self.frame_indices)))


@dataclass(frozen=True)
class PreparedVideo:
    """A video ready to send: the re-encoded clip plus everything needed to map answers back."""

    source_path: str
    info: VideoInfo
    plan: SamplingPlan
    clip: bytes | None  # MP4 of the sampled, resized frames at plan.sample_fps (None until needed)
    mime: str = "video/mp4"
    sent_times_s: tuple[float, ...] = ()  # the real time of each frame in the clip (set with the clip)
    # sampled differently from the engine's own rule (a chosen rate, several videos sharing the budget): an engine
    # on this host gets the clip too, not the file it would sample its own way
    sampled_by_app: bool = False

    @property
    def original_size(self) -> tuple[int, int]:
        """(width, height) of the original video."""
        return (self.info.width, self.info.height)

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) of each frame the model sees."""
        return self.plan.input_size

    @property
    def vision_tokens(self) -> int:
        """Video tokens: frame pairs x (h/28)(w/28)."""
        width, height = self.plan.input_size
        pairs = math.ceil(len(self.plan.frame_indices) / TEMPORAL_PATCH)
        return pairs * (width // IMAGE_FACTOR) * (height // IMAGE_FACTOR)

    @cached_property
    def data_url(self) -> str:
        """The clip as a data URL (for an engine on another host); built once, identical on every re-send."""
        if self.clip is None:
            raise ValueError("this PreparedVideo has no clip yet: call with_clip() first")
        return f"data:{self.mime};base64,{base64.b64encode(self.clip).decode('ascii')}"

    def url(self, original: bool) -> str:
        """What to put in a video_url part: the original path when the engine may read it (it shares this host
        and samples it as planned here: Endpoint.reads_original_videos), else the clip."""
        return Path(self.source_path).resolve().as_uri() if original and not self.sampled_by_app else self.data_url

    @property
    def effective_fps(self) -> float:
        """Frames sent per second of the original."""
        return len(self.plan.frame_indices) / self.info.duration_s if self.info.duration_s else 0.0


def with_clip(video: PreparedVideo) -> PreparedVideo:
    """The same video with its clip encoded (returned unchanged when it already has one)."""
    if video.clip is not None:
        return video
    clip, times = sample_clip(video.source_path, video.info, video.plan)
    return dataclasses.replace(video, clip=clip, sent_times_s=times)


def smart_nframes(total_frames: int, video_fps: float, limits: VideoLimits) -> int:
    """qwen-vl-utils' fps rule: fps x duration, clamped to min/max frames and the total, even."""
    min_frames = ceil_by_factor(limits.min_frames, FRAME_FACTOR)
    max_frames = floor_by_factor(min(limits.max_frames, total_frames), FRAME_FACTOR)
    wanted = total_frames / video_fps * limits.fps
    return floor_by_factor(min(max(wanted, min_frames), max_frames, total_frames), FRAME_FACTOR)


def frame_size(height: int, width: int, nframes: int, limits: VideoLimits) -> tuple[int, int]:
    """(height, width) of each frame: the per-frame budget comes from the total budget, as in SGLang."""
    max_pixels = max(
        min(limits.max_pixels, limits.total_pixels / nframes * FRAME_FACTOR), int(limits.min_pixels * 1.05)
    )
    return smart_resize(height, width, limits.factor, limits.min_pixels, max_pixels)


def plan_sampling(info: VideoInfo, limits: VideoLimits) -> SamplingPlan:
    """Frame count, evenly timed frame indices and per-frame size for a video."""
    nframes = smart_nframes(info.frame_count, info.fps, limits)
    if nframes < FRAME_FACTOR:
        raise MediaError(
            f"The video has only {info.frame_count} frame(s); the model needs at least {FRAME_FACTOR}. "
            "Send a still picture as an image instead."
        )
    height, width = frame_size(info.height, info.width, nframes, limits)
    if height <= 0 or width <= 0:
        raise MediaError(f"The video's frames ({info.width}x{info.height}) are too narrow for the model.")
    # The clip's rate is exactly frames sent over the original's duration (a fraction MP4 keeps), so its frame i
    # sits at i / rate seconds, the original time of the frame it came from, and the clip lasts as long as the
    # original; at most 2 fps (smart_nframes), so SGLang keeps every frame.
    rate = Fraction(nframes) * Fraction(info.fps).limit_denominator(100_000) / info.frame_count
    rate = rate.limit_denominator(MAX_RATE_DENOMINATOR)
    indices = tuple(min(info.frame_count - 1, round(i * info.frame_count / nframes)) for i in range(nframes))
    return SamplingPlan(frame_indices=indices, sample_rate=rate, input_size=(width, height))


def probe_video(path: str | Path, limits: VideoLimits) -> VideoInfo:
    """OpenCV's metadata for path, refusing unreadable, audio-only, empty and too-long videos."""
    path = Path(path)
    _check_file(path, limits)
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise MediaError(_unreadable_message(path))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
    finally:
        capture.release()
    if width <= 0 or height <= 0 or frame_count <= 0:
        raise MediaError(_unreadable_message(path, opened=True))
    if not math.isfinite(fps) or fps <= 0:
        raise MediaError("The video has no usable frame rate in its metadata, so its timing is unknown.")
    duration = frame_count / fps
    if duration > limits.max_duration_s:
        raise MediaError(
            f"The video is {_clock(duration)} long; the limit is {_clock(limits.max_duration_s)}. "
            "Trim it and upload the part you want to ask about."
        )
    return VideoInfo(fps=fps, frame_count=frame_count, duration_s=duration, width=width, height=height)


def sample_clip(path: str | Path, info: VideoInfo, plan: SamplingPlan) -> tuple[bytes, tuple[float, ...]]:
    """The planned frames, resized, as an MP4 at plan.sample_fps, and the real time of each: only those frames
    are decoded and scaled (see decode_frames: one decoder, or one per core for far-apart frames), while another
    thread encodes, so with more than one core only the decode (the floor) is on the critical path."""
    with ClipWriter(plan.input_size, plan.sample_rate) as writer:
        times = decode_frames(path, [index / info.fps for index in plan.frame_indices], writer.add,
                              size=plan.input_size)
        written = len(times)
        missing = len(plan.frame_indices) - written
        if missing and (not written or
                        (info.frame_count - plan.frame_indices[written]) / info.fps > MISSING_TAIL_TOLERANCE_S):
            seconds = (plan.frame_indices[written] if written else 0) / info.fps
            raise MediaError(
                f"The video is truncated or corrupt: frames stop decoding at {seconds:.1f} s of "
                f"{info.duration_s:.1f} s. Re-export or re-upload it."
            )
        writer.repeat_last(missing)
        return writer.finish(), tuple(times + times[-1:] * missing)


def engine_samples_alike(video: PreparedVideo, factor: int = IMAGE_FACTOR) -> bool:
    """True when SGLang, given the file itself, samples it as planned here: its own rule (2 fps, at most 768
    frames, a total budget of 128000 x 28 x 28 x 0.9 pixels, sglang/srt/multimodal/processors/qwen_vl.py) gives
    the same frame count and frame size. Long videos differ (this app keeps video to a share of the context),
    so they are sent as frames."""
    theirs = plan_sampling(video.info, VideoLimits(factor=factor))  # the defaults are SGLang's constants
    return len(theirs.frame_indices) == len(video.plan.frame_indices) and theirs.input_size == video.input_size


def prepare_video(path: str | Path, limits: VideoLimits | None = None, encode: bool = True) -> PreparedVideo:
    """Probe and plan a video; with encode, also sample, resize and re-encode it (needed for a remote
    engine). Without, only the last planned frame is decoded, to catch truncated files early."""
    limits = limits or VideoLimits()
    info = probe_video(path, limits)
    plan = plan_sampling(info, limits)
    video = PreparedVideo(source_path=str(path), info=info, plan=plan, clip=None)
    if encode:
        return with_clip(video)
    check_last_frame(path, info, plan)
    return video


def check_last_frame(path: str | Path, info: VideoInfo, plan: SamplingPlan) -> None:
    """Refuse a file whose last planned frames cannot be decoded (a seek or two, not a full pass)."""
    last = plan.frame_indices[-1]
    near_end = [index for index in plan.frame_indices if (last - index) / info.fps <= MISSING_TAIL_TOLERANCE_S]
    for index in (last, near_end[0]):
        if decode_frames(path, [index / info.fps], lambda _frame: None, size=plan.input_size):
            return
    raise MediaError(
        f"The video is truncated or corrupt: its frame at {last / info.fps:.1f} s cannot be decoded. "
        "Re-export or re-upload it."
    )


def _check_file(path: Path, limits: VideoLimits) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MediaError(f"The video file {path.name} is gone (was it removed?). Upload it again.") from None
    if size == 0:
        raise MediaError("The video file is empty.")
    if size > limits.max_file_bytes:
        raise MediaError(
            f"The video file is {size / 2**20:.0f} MiB; the limit is {limits.max_file_bytes / 2**20:.0f} MiB."
        )


def _unreadable_message(path: Path, opened: bool = False) -> str:
    reason = no_video_stream_reason(path)
    if reason:
        return reason
    if opened:
        return "The video has no frames that can be decoded (empty or corrupt file)."
    return "This video cannot be read: the file is corrupt, truncated, or not a video format OpenCV decodes."


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
