"""Conversation state and the OpenAI messages built from it, with the per-request media limit applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from backend.images import PreparedImage
from backend.video import PreparedVideo

if TYPE_CHECKING:
    from backend.chat_metrics import AnswerMetrics

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."


class TurnStatus(StrEnum):
    """Where one answer stands."""

    PENDING = "pending"
    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"  # the user stopped it; the partial answer is kept
    INTERRUPTED = "interrupted"  # the connection was lost mid-answer; the partial answer is kept
    FAILED = "failed"  # no answer (see error); the user's text and media are kept


@dataclass
class Turn:
    """One user message (text and media) and the answer it got."""

    user_text: str
    images: tuple[PreparedImage, ...] = ()
    videos: tuple[PreparedVideo, ...] = ()
    answer: str = ""
    status: TurnStatus = TurnStatus.PENDING
    error: str = ""  # user-facing message when FAILED or INTERRUPTED
    notice: str = ""  # e.g. which older media were left out of the request
    metrics: AnswerMetrics | None = None

    def reset_answer(self) -> None:
        """Forget the answer (for regenerate), keeping what the user sent."""
        self.answer, self.status, self.error, self.notice, self.metrics = "", TurnStatus.PENDING, "", "", None


@dataclass
class Conversation:
    """A system prompt and the turns so far."""

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    turns: list[Turn] = field(default_factory=list)


@dataclass(frozen=True)
class MediaPolicy:
    """How many images / videos one request may carry (match the server's limits)."""

    max_images: int = 5
    max_videos: int = 1


@dataclass(frozen=True)
class BuiltRequest:
    """The messages for one request and which media went into them."""

    messages: list[dict]
    images_sent: tuple[PreparedImage, ...]
    videos_sent: tuple[PreparedVideo, ...]
    notice: str  # non-empty when older media were left out

    @property
    def vision_tokens(self) -> int:
        """Image and video tokens of the media sent, from our own resize."""
        return sum(image.vision_tokens for image in self.images_sent) + sum(
            video.vision_tokens for video in self.videos_sent
        )

    def biggest_media(self, count: int = 3) -> list[tuple[str, int]]:
        """(description, tokens) of the media that cost the most tokens, largest first."""
        items = [(f"image {w}x{h}", image.vision_tokens) for image in self.images_sent for w, h in [image.input_size]]
        items += [
            (f"video of {video.info.duration_s:.0f} s ({len(video.plan.frame_indices)} frames)", video.vision_tokens)
            for video in self.videos_sent
        ]
        return sorted(items, key=lambda item: -item[1])[:count]


class TooManyMedia(ValueError):
    """The new message alone carries more media than one request may."""


def in_history(turn: Turn) -> bool:
    """Earlier turns are re-sent only when they got (part of) an answer, so roles keep alternating."""
    return bool(turn.answer)


def build_request(conversation: Conversation, policy: MediaPolicy, local: bool) -> BuiltRequest:
    """OpenAI messages for answering the last turn: system prompt, answered history, the new message.

    The newest media win: older images/videos beyond the policy are replaced by a short text note in
    their message (so the model knows) and reported in notice (so the user does)."""
    current = conversation.turns[-1]
    if len(current.images) > policy.max_images or len(current.videos) > policy.max_videos:
        raise TooManyMedia(
            f"This message has {len(current.images)} image(s) and {len(current.videos)} video(s); one request "
            f"may carry at most {policy.max_images} image(s) and {policy.max_videos} video(s). Remove some and send again."
        )
    turns = [turn for turn in conversation.turns[:-1] if in_history(turn)] + [current]
    image_budget, video_budget = policy.max_images, policy.max_videos
    kept: dict[int, tuple[tuple[PreparedImage, ...], tuple[PreparedVideo, ...]]] = {}
    dropped_images = dropped_videos = 0
    for position in range(len(turns) - 1, -1, -1):  # newest first
        turn = turns[position]
        images = turn.images[len(turn.images) - min(len(turn.images), image_budget):]
        videos = turn.videos[len(turn.videos) - min(len(turn.videos), video_budget):]
        image_budget -= len(images)
        video_budget -= len(videos)
        dropped_images += len(turn.images) - len(images)
        dropped_videos += len(turn.videos) - len(videos)
        kept[position] = (images, videos)

    messages: list[dict] = [{"role": "system", "content": conversation.system_prompt}]
    for position, turn in enumerate(turns):
        images, videos = kept[position]
        messages.append({"role": "user", "content": _user_content(turn, images, videos, policy, local)})
        if turn is not current:
            messages.append({"role": "assistant", "content": turn.answer})
    sent_images = tuple(image for images, _ in kept.values() for image in images)
    sent_videos = tuple(video for _, videos in kept.values() for video in videos)
    return BuiltRequest(messages, sent_images, sent_videos, _dropped_notice(dropped_images, dropped_videos, policy))


def _user_content(
    turn: Turn, images: tuple[PreparedImage, ...], videos: tuple[PreparedVideo, ...], policy: MediaPolicy, local: bool
) -> str | list[dict]:
    """Media first, then the text (Qwen's order); a note stands in for each media item left out."""
    if not turn.images and not turn.videos:
        return turn.user_text
    parts: list[dict] = []
    left_out = (len(turn.images) - len(images), len(turn.videos) - len(videos))
    if any(left_out):
        parts.append({"type": "text", "text": _left_out_note(*left_out, policy)})
    parts += [{"type": "video_url", "video_url": {"url": video.url(local)}} for video in videos]
    parts += [{"type": "image_url", "image_url": {"url": image.data_url}} for image in images]
    parts.append({"type": "text", "text": turn.user_text})
    return parts


def _left_out_note(images: int, videos: int, policy: MediaPolicy) -> str:
    what = " and ".join(part for part in (_count(images, "image"), _count(videos, "video")) if part)
    return f"[{what} from this message left out: over the limit of {_limits(policy)} per request]"


def _dropped_notice(images: int, videos: int, policy: MediaPolicy) -> str:
    if not images and not videos:
        return ""
    what = " and ".join(part for part in (_count(images, "older image"), _count(videos, "older video")) if part)
    return (
        f"{what} left out of this request (the server takes at most {_limits(policy)} per request); "
        "the model no longer sees them, only the conversation text about them."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}" if number else ""


def _limits(policy: MediaPolicy) -> str:
    return f"{_count(policy.max_images, 'image')} and {_count(policy.max_videos, 'video')}"
