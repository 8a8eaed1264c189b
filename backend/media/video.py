"""Videos sampled the way Qwen-VL expects (qwen-vl-utils' fps rule, as SGLang applies it) and sent small.

How a video reaches the server (the design choice):
- Remote engine: only the sampled frames, already resized to the per-frame grid, are re-encoded into a
  small MP4 whose frame rate is the sampling rate (n frames / original duration). Clip frame i therefore
  sits at i / sample_fps seconds, which is the original time of the frame it came from (within half an
  original frame), so SGLang's own 2 fps sampling keeps every clip frame, its resize is the identity, and
  times the model gives are seconds of the original. A 60 s 1080p clip becomes ~120 small frames.
- Engine on this host (Endpoint.local): the original file is passed as a file:// path; SGLang samples it
  with the same rule, so the frame count and frame size equal ours.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2

from backend.media.clip import ClipWriter, decode_frames
from backend.media.images import IMAGE_FACTOR, MediaError, ceil_by_factor, floor_by_factor, smart_resize
from backend.media.video_probe import no_video_stream_reason

# qwen-vl-utils / sglang.srt.multimodal.processors.qwen_vl constants
VIDEO_MIN_PIXELS = 128 * 28 * 28
VIDEO_MAX_PIXELS = 768 * 28 * 28
VIDEO_TOTAL_PIXELS = int(128000 * 28 * 28 * 0.9)
FRAME_FACTOR = 2
FPS = 2.0
FPS_MIN_FRAMES = 4
FPS_MAX_FRAMES = 768
TEMPORAL_PATCH = 2  # Qwen-VL merges frame pairs into one temporal patch
MISSING_TAIL_TOLERANCE_S = 1.0  # metadata often overstates the frame count near the end


@dataclass(frozen=True)
class VideoLimits:
    """Sampling and safety limits; pixel budgets default to SGLang's so its resize is the identity."""

    max_duration_s: float = 600.0
    max_file_bytes: int = 2 * 1024**3
    fps: float = FPS
    min_frames: int = FPS_MIN_FRAMES
    max_frames: int = FPS_MAX_FRAMES
    min_pixels: int = VIDEO_MIN_PIXELS
    max_pixels: int = VIDEO_MAX_PIXELS
    total_pixels: int = VIDEO_TOTAL_PIXELS
    factor: int = IMAGE_FACTOR

    @classmethod
    def for_context(cls, context_length: int, share: float = 0.6, **overrides) -> VideoLimits:
        """Limits whose video tokens fit in share of the context (frames capped so even minimum-size ones fit)."""
        budget_tokens = max(1, int(context_length * share))
        min_tokens_per_frame = VIDEO_MIN_PIXELS // (IMAGE_FACTOR * IMAGE_FACTOR)
        max_frames = floor_by_factor(budget_tokens * TEMPORAL_PATCH / min_tokens_per_frame, FRAME_FACTOR)
        values = {
            "total_pixels": budget_tokens * IMAGE_FACTOR * IMAGE_FACTOR,
            "max_frames": max(FPS_MIN_FRAMES, min(FPS_MAX_FRAMES, max_frames)),
        }
        values.update(overrides)
        return cls(**values)


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
    sample_fps: float  # clip frame rate: n / original duration, rounded down to 0.001
    input_size: tuple[int, int]  # (width, height) of every sent frame

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

    def url(self, local: bool) -> str:
        """What to put in a video_url part: the original path when the engine shares this host."""
        return Path(self.source_path).resolve().as_uri() if local else self.data_url


def with_clip(video: PreparedVideo) -> PreparedVideo:
    """The same video with its clip encoded (returned unchanged when it already has one)."""
    if video.clip is not None:
        return video
    return dataclasses.replace(video, clip=sample_clip(video.source_path, video.info, video.plan))


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
    # OpenCV stores a writer's fps to 0.001, so round down to that: the clip's frame i then sits exactly
    # at i / sample_fps, and <= 2 fps stays <= 2 fps (SGLang keeps every frame).
    sample_fps = max(0.001, math.floor(nframes * info.fps / info.frame_count * 1000) / 1000)
    indices = tuple(min(info.frame_count - 1, round(i * info.fps / sample_fps)) for i in range(nframes))
    return SamplingPlan(frame_indices=indices, sample_fps=sample_fps, input_size=(width, height))


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


def sample_clip(path: str | Path, info: VideoInfo, plan: SamplingPlan) -> bytes:
    """The planned frames, resized, as an MP4 at plan.sample_fps: one sequential decode pass (no seeking);
    decoding stays on this thread while a second one resizes and encodes, so with more than one core only
    the decode (the floor) is on the critical path."""
    with ClipWriter(plan.input_size, plan.sample_fps) as writer:
        written = decode_frames(path, plan.frame_indices, writer.add)
        missing = len(plan.frame_indices) - written
        if missing and (not written or
                        (info.frame_count - plan.frame_indices[written]) / info.fps > MISSING_TAIL_TOLERANCE_S):
            seconds = (plan.frame_indices[written] if written else 0) / info.fps
            raise MediaError(
                f"The video is truncated or corrupt: frames stop decoding at {seconds:.1f} s of "
                f"{info.duration_s:.1f} s. Re-export or re-upload it."
            )
        writer.repeat_last(missing)
        return writer.finish()


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
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        for index in (last, near_end[0]):
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            if capture.read()[0]:
                return
    finally:
        capture.release()
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
    return f"{minutes}:{secs:02d}"
