"""Glue between uploads, the backend chat and the drawn results; no gradio components here.

Uploads become PreparedImage / PreparedVideo (backend.images / backend.video); a finished answer is grounded
on its image (backend.grounding) or turned into a video timeline (backend.grounding.moments)."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass

from backend.grounding import GroundingResult, ground, ground_turn
from backend.grounding.moments import format_timestamp, moment_thumbnails, parse_moments
from backend.images import MediaError, PreparedImage, load_upright_image, smart_resize
from backend.messages import MediaPolicy, TooManyMedia, Turn, TurnStatus, check_media_count
from backend.video import PreparedVideo, VideoLimits, prepare_video
from ui.state import AppContext, BrowserSession, TurnView

DEFAULT_FAMILY = "qwen2.5-vl"
DRAWN_STATUSES = (TurnStatus.DONE, TurnStatus.STOPPED)


class UploadError(MediaError):
    """An upload the app cannot use; path says which one (str(error) names it for the user)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class PreparedMedia:
    """The files of one message, prepared for the model, with the paths they came from."""

    images: tuple[PreparedImage, ...] = ()
    videos: tuple[PreparedVideo, ...] = ()
    image_paths: tuple[str, ...] = ()
    video_paths: tuple[str, ...] = ()


def is_video(path: str) -> bool:
    """True for files whose name says video (everything else is tried as an image)."""
    kind = mimetypes.guess_type(path)[0] or ""
    return kind.startswith("video/")


def video_limits(context: AppContext) -> VideoLimits:
    """Video sampling sized to the running engine's context length (defaults before one runs)."""
    plan = context.supervisor.status().plan
    return VideoLimits.for_context(plan.context_length) if plan and plan.context_length else VideoLimits()


def prepare_media(context: AppContext, paths: Sequence[str], policy: MediaPolicy | None = None) -> PreparedMedia:
    """Prepare every upload; raises UploadError naming the first file that cannot be used, or (path "") saying
    the message has more files than one request may carry, before any of them is decoded."""
    video_count = sum(1 for path in paths if is_video(path))
    try:
        check_media_count(len(paths) - video_count, video_count, policy or MediaPolicy())
    except TooManyMedia as error:
        raise UploadError("", str(error)) from None
    images, videos, image_paths, video_paths = [], [], [], []
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        try:
            if is_video(path):
                videos.append(prepare_video(path, video_limits(context), encode=False))
                video_paths.append(path)
            else:
                images.append(context.images.prepare(path))
                image_paths.append(path)
        except MediaError as error:
            raise UploadError(path, f"{name}: {error}") from None
    return PreparedMedia(tuple(images), tuple(videos), tuple(image_paths), tuple(video_paths))


def family_now(context: AppContext) -> str:
    """The coordinate family of the engine serving now (Qwen2.5-VL when unknown)."""
    endpoint = context.endpoint()
    if endpoint is not None:
        return endpoint.family
    plan = context.supervisor.status().plan
    return getattr(plan, "family", "") or DEFAULT_FAMILY


def finish_turn(context: AppContext, session: BrowserSession, turn: Turn, view: TurnView) -> None:
    """Draw a finished answer's boxes/points on its image, or take thumbnails of its video moments."""
    if turn.metrics is not None and turn.status is TurnStatus.DONE:
        session.record_speed(turn.metrics.tokens_per_s)
    if turn.status not in DRAWN_STATUSES or not turn.answer:
        return
    if turn.images and view.image_paths:
        draw_on_images(context, turn, view)
    if turn.videos and view.video_paths:
        view.timeline = video_timeline(context, turn.answer, turn.videos[-1], view.video_paths[-1])


def draw_on_images(context: AppContext, turn: Turn, view: TurnView) -> None:
    """Ground the answer on the turn's images and save the overlay. When nothing could be drawn but the answer
    held coordinates, the result is kept without an overlay, so its notes tell the user why."""
    sizes = [(image.original_size, image.input_size) for image in turn.images]
    pictures = [load_upright_image(path) for path in view.image_paths]
    result = ground_turn(turn.answer, sizes, family_now(context), images=pictures)
    if not result.found or result.overlay is None:
        if result.notes:
            view.grounding, view.grounding_image = result, view.image_paths[result.image_index or 0]
        return
    index = result.image_index or 0
    view.overlay_path = save_overlay(context, result)
    view.grounding, view.grounding_image = result, view.image_paths[index]


def save_overlay(context: AppContext, result: GroundingResult) -> str:
    """Write the overlay as PNG into the (session's) work folder; returns its path."""
    assert result.overlay is not None
    path = context.new_file("overlays", ".png")
    result.overlay.save(path, format="PNG")
    return str(path)


def save_api_overlay(context: AppContext, result: GroundingResult) -> str:
    """Write an /ground overlay as PNG among the API's most recent ones (older ones are deleted); returns its path."""
    overlay = result.overlay
    assert overlay is not None
    return str(context.api_overlays.write(".png", lambda path: overlay.save(path, format="PNG")))


def video_timeline(context: AppContext, answer: str, video: PreparedVideo, path: str) -> tuple[tuple[str, str], ...]:
    """(thumbnail, caption) for each moment the answer names, in time order."""
    moments = parse_moments(answer, duration_s=video.info.duration_s).moments
    if not moments:
        return ()
    thumbnails, _notes = moment_thumbnails(path, moments)
    timeline = []
    for thumb in thumbnails:
        frame = thumb.middle or thumb.start
        if frame is None:
            continue
        target = context.new_file("thumbnails", ".jpg")
        frame.save(target, format="JPEG", quality=85)
        moment = thumb.moment
        caption = f"{format_timestamp(moment.start_s)}–{format_timestamp(moment.end_s)} {moment.description}"
        timeline.append((str(target), caption.strip()))
    return tuple(timeline)


def ground_file(context: AppContext, image_path: str, answer: str, family: str) -> GroundingResult:
    """Ground an answer on an image file (the grounding panel and /ground): sizes from the file itself."""
    picture = load_upright_image(image_path)
    width, height = picture.size
    input_h, input_w = smart_resize(height, width)
    return ground(answer, (width, height), (input_w, input_h), family or DEFAULT_FAMILY, picture)
