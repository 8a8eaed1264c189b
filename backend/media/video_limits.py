"""How videos may be sampled: Qwen's rule (qwen-vl-utils' constants, as SGLang applies them), sized to the
engine's context, shared by the videos of one message, and a person's choice of rate or frame cap, checked."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from backend.media.images import IMAGE_FACTOR, MediaError, floor_by_factor

# qwen-vl-utils / sglang.srt.multimodal.processors.qwen_vl constants
VIDEO_MIN_PIXELS = 128 * 28 * 28
VIDEO_MAX_PIXELS = 768 * 28 * 28
VIDEO_TOTAL_PIXELS = int(128000 * 28 * 28 * 0.9)
FRAME_FACTOR = 2
FPS = 2.0
FPS_MIN_FRAMES = 4
FPS_MAX_FRAMES = 768
TEMPORAL_PATCH = 2  # Qwen-VL merges frame pairs into one temporal patch
MAX_RATE_DENOMINATOR = 65_535  # FFmpeg's MP4 muxer and most decoders keep a time base this fine exactly
MIN_CHOSEN_FPS = 0.01  # one frame every 100 s
MISSING_TAIL_TOLERANCE_S = 1.0  # metadata often overstates the frame count near the end


@dataclass(frozen=True)
class VideoLimits:
    """Sampling and safety limits; pixel budgets default to SGLang's so its resize is the identity."""

    max_duration_s: float = 2 * 3600.0
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


    def shared_by(self, videos: int) -> VideoLimits:
        """The limits for each of `videos` videos of one message: an equal share of the frames and pixels."""
        if videos <= 1:
            return self
        frames = max(FPS_MIN_FRAMES, floor_by_factor(self.max_frames / videos, FRAME_FACTOR))
        return dataclasses.replace(self, total_pixels=self.total_pixels // videos, max_frames=frames)

    def chosen(self, choice: VideoChoice) -> VideoLimits:
        """These limits with a person's sampling choice, checked against the model's: at most FPS frames a second
        (SGLang samples a clip at that rate, so more would be dropped) and at most the frames the context holds."""
        if choice.fps and not MIN_CHOSEN_FPS <= choice.fps <= FPS:
            raise MediaError(f"Frames per second is between {MIN_CHOSEN_FPS:g} and {FPS:g} (the engine samples a "
                             f"video at most {FPS:g} times a second); {choice.fps:g} is not.")
        if choice.max_frames and not FPS_MIN_FRAMES <= choice.max_frames <= self.max_frames:
            raise MediaError(f"Max frames is between {FPS_MIN_FRAMES} and {self.max_frames} (what this engine's "
                             f"context holds); {choice.max_frames} is not.")
        return dataclasses.replace(self, fps=choice.fps or self.fps, max_frames=choice.max_frames or self.max_frames)


@dataclass(frozen=True)
class VideoChoice:
    """How a person asked a message's videos to be sampled (0: the model's rule)."""

    fps: float = 0.0
    max_frames: int = 0

    @property
    def default(self) -> bool:
        return not self.fps and not self.max_frames


