"""Conversation state and the OpenAI messages built from it, with the per-request media limit applied."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from backend.chat.reasoning import split_text
from backend.errors import UserError
from backend.families import DEFAULT_FAMILY, Family
from backend.grounding.agent_tools import for_family, with_screen_size
from backend.media.images import MediaError, PreparedImage
from backend.media.uploads import MediaPolicy, check_media_count
from backend.media.video import PreparedVideo

if TYPE_CHECKING:
    from backend.chat.metrics import AnswerMetrics

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
    answer: str = ""  # the answer only: what grounding, extraction and the history read
    reasoning: str = ""  # the model's thinking before the answer (shown apart, never sent back)
    thinking_s: float | None = None  # how long it thought; None while it still does (or never did)
    status: TurnStatus = TurnStatus.PENDING
    error: str = ""  # user-facing message when FAILED or INTERRUPTED
    notice: str = ""  # e.g. which older media were left out of the request
    metrics: AnswerMetrics | None = None

    def reset_answer(self) -> None:
        """Forget the answer (for regenerate), keeping what the user sent."""
        self.answer, self.status, self.error, self.notice, self.metrics = "", TurnStatus.PENDING, "", "", None
        self.reasoning, self.thinking_s = "", None


@dataclass
class Conversation:
    """A system prompt and the turns so far."""

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    turns: list[Turn] = field(default_factory=list)


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


def in_history(turn: Turn) -> bool:
    """Earlier turns are re-sent only when they got (part of) an answer, so roles keep alternating."""
    return bool(turn.answer)


def build_request(conversation: Conversation, policy: MediaPolicy, original_videos: bool,
                  family: Family = DEFAULT_FAMILY) -> BuiltRequest:
    """OpenAI messages for answering the last turn: system prompt, answered history, the new message.

    The newest media win: older images/videos beyond the policy are replaced by a short text note in
    their message (so the model knows) and reported in notice (so the user does)."""
    current = conversation.turns[-1]
    check_media_count(len(current.images), len(current.videos), policy)
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

    # agent presets state the screen's size in the frame the model answers in: the sent size for Qwen2.5-VL,
    # 1000x1000 for the 0-1000 families (Qwen3-VL's computer_use tool is described so in its cookbooks)
    screenshot = None
    if current.images:
        width, height = family.frame(current.images[-1].input_size)
        screenshot = (int(width), int(height))
    system = with_screen_size(for_family(conversation.system_prompt, family.name), screenshot)
    messages: list[dict] = [{"role": "system", "content": system}]
    for position, turn in enumerate(turns):
        images, videos = kept[position]
        messages.append({"role": "user", "content": _user_content(turn, images, videos, policy, original_videos)})
        if turn is not current:
            messages.append({"role": "assistant", "content": turn.answer})
    sent_images = tuple(image for images, _ in kept.values() for image in images)
    sent_videos = tuple(video for _, videos in kept.values() for video in videos)
    return BuiltRequest(messages, sent_images, sent_videos, _dropped_notice(dropped_images, dropped_videos, policy))


def _user_content(
    turn: Turn, images: tuple[PreparedImage, ...], videos: tuple[PreparedVideo, ...], policy: MediaPolicy,
    original_videos: bool
) -> str | list[dict]:
    """Media first, then the text (Qwen's order); a note stands in for each media item left out."""
    if not turn.images and not turn.videos:
        return turn.user_text
    parts: list[dict] = []
    left_out = (len(turn.images) - len(images), len(turn.videos) - len(videos))
    if any(left_out):
        parts.append({"type": "text", "text": _left_out_note(*left_out, policy)})
    parts += [{"type": "video_url", "video_url": {"url": video.url(original_videos)}} for video in videos]
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


class HistoryError(UserError, ValueError):
    """An OpenAI-style history that cannot become a Conversation; str(error) names the message and the reason."""


_DATA_URL = re.compile(r"data:(image/[\w.+-]+)(?:;[\w.+-]+=[\w.+-]+)*;base64,(.*)", re.DOTALL | re.IGNORECASE)
_SYSTEM_ROLES = ("system", "developer")


def history_messages(history: object) -> list[object]:
    """The messages of a history given as a list, or as JSON text of one (empty for None or blank text)."""
    if history is None or (isinstance(history, str) and not history.strip()):
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as error:
            raise HistoryError(f"history is not valid JSON ({error.msg} at character {error.pos}); give a list of "
                               '{"role": ..., "content": ...} messages, or JSON text of one') from None
    if not isinstance(history, (list, tuple)):
        raise HistoryError(f"history must be a list of messages (OpenAI form), not {type(history).__name__}")
    return list(history)


def conversation_from_openai(history: Sequence[object] | str | None,
                             prepare_image: Callable[[bytes], PreparedImage],
                             fetch: Callable[[str], bytes] | None = None) -> Conversation:
    """A Conversation from OpenAI chat messages: system, then user/assistant pairs; user content is text or
    [{"type": "text"}, {"type": "image_url", "image_url": {"url": "data:image/...;base64,..."}}] parts.

    Images inside the history (base64 data URLs) become media. An http(s) link is fetched only through `fetch`
    (backend.media.fetch: public addresses only, capped); without it, and for any other link (file://, ...), the
    message is refused: the engine itself never fetches anything. prepare_image gets the bytes.
    Raises HistoryError for anything else it cannot use."""
    conversation = Conversation()
    pending: Turn | None = None
    for number, message in enumerate(history_messages(history), start=1):
        role = message.get("role") if isinstance(message, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if role in _SYSTEM_ROLES and pending is None and not conversation.turns:
            conversation.system_prompt = _plain_text(content, number)
        elif role == "user" and pending is None:
            text, images = _user_parts(content, number, prepare_image, fetch)
            pending = Turn(user_text=text, images=images)
        elif role == "assistant" and pending is not None:
            said = split_text(_plain_text(content, number))  # past reasoning is never sent back (Qwen3 drops it)
            pending.answer, pending.reasoning, pending.status = said.answer, said.reasoning, TurnStatus.DONE
            conversation.turns.append(pending)
            pending = None
        else:
            expected = "an assistant" if pending is not None else "a user"
            raise HistoryError(f"history message {number}: expected {expected} message here (the history is an "
                               f"optional system message, then user/assistant pairs), got role {role!r}")
    if pending is not None:
        raise HistoryError("the history ends with a user message; put its text in `text` instead")
    return conversation


def _plain_text(content: object, number: int) -> str:
    """The text of a system or assistant message (they carry no media)."""
    if content is None or isinstance(content, str):
        return content or ""
    parts = _parts(content, number)
    if any(part.get("type") != "text" for part in parts):
        raise HistoryError(f"history message {number}: system and assistant messages may only hold text")
    return "\n".join(str(part.get("text", "")) for part in parts)


def _user_parts(content: object, number: int, prepare_image: Callable[[bytes], PreparedImage],
                fetch: Callable[[str], bytes] | None = None) -> tuple[str, tuple[PreparedImage, ...]]:
    if isinstance(content, str):
        return content, ()
    texts, images = [], []
    for part in _parts(content, number):
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            images.append(_history_image(part.get("image_url"), number, len(images) + 1, prepare_image, fetch))
        else:
            raise HistoryError(f"history message {number}: {str(kind)[:40]!r} parts are not supported in the "
                               "history (only text and images as data URLs); attach videos and files with the "
                               "new message instead")
    return "\n".join(texts), tuple(images)


def _parts(content: object, number: int) -> list[dict]:
    if not isinstance(content, list) or not all(isinstance(part, dict) for part in content):
        raise HistoryError(f"history message {number}: content must be a string or a list of parts")
    return content


def _history_image(field_value: object, number: int, index: int, prepare_image: Callable[[bytes], PreparedImage],
                   fetch: Callable[[str], bytes] | None = None) -> PreparedImage:
    url = field_value.get("url") if isinstance(field_value, dict) else field_value
    url = url.strip() if isinstance(url, str) else ""
    where = f"history message {number}, image {index}"
    match = _DATA_URL.fullmatch(url)
    if match is None and fetch is not None and url.lower().startswith(("http://", "https://")):
        try:
            return prepare_image(fetch(url))
        except UserError as error:
            raise HistoryError(f"{where}: {error}") from None
    if match is None:
        if url.lower().startswith("data:"):
            raise HistoryError(f"{where}: only base64 image data URLs (data:image/png;base64,...) are accepted")
        shown = url[:60] + ("…" if len(url) > 60 else "")
        raise HistoryError(f"{where}: {shown!r} is not an image data URL. Images in the history must be embedded "
                           "(data:image/...;base64,...); links are never fetched. Attach the file instead.")
    try:
        data = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError):
        raise HistoryError(f"{where}: the data URL is not valid base64") from None
    try:
        return prepare_image(data)
    except MediaError as error:
        raise HistoryError(f"{where}: {error}") from None
