"""Glue between uploads, the backend chat and the drawn results; no gradio components here.

Uploads become PreparedImage / PreparedVideo (backend.media.images / backend.media.video); a finished answer is grounded
on its image (backend.grounding) or turned into a video timeline (backend.grounding.moments)."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from backend.chat.conversation import Turn, TurnStatus
from backend.chat.grounded import ground_turn_answer
from backend.families import DEFAULT_FAMILY, get_family
from backend.grounding import GroundingResult, ground
from backend.grounding.moments import format_timestamp, moment_thumbnails, parse_moments
from backend.media.encode import save_picture
from backend.media.uploads import MediaPolicy, PreparedMedia, upright_picture
from backend.media.video import PreparedVideo, VideoLimits
from ui.context import AppContext
from ui.session import BrowserSession, TurnView

DRAWN_STATUSES = (TurnStatus.DONE, TurnStatus.STOPPED)
EXIF_ORIENTATION = 0x0112


def video_limits(context: AppContext) -> VideoLimits:
    """Video sampling sized to the running engine's context length (defaults before one runs), on its family's grid."""
    plan = context.supervisor.status().plan
    factor = get_family(family_now(context)).factor
    return VideoLimits.for_context(plan.context_length, factor=factor) if plan and plan.context_length else \
        VideoLimits(factor=factor)


def prepare_media(context: AppContext, paths: Sequence[str], policy: MediaPolicy | None = None) -> PreparedMedia:
    """The uploads of one message as they are sent to the engine serving now (see MediaPreparer.message)."""
    return context.media.message(paths, family_now(context), video_limits(context), policy)


def family_now(context: AppContext) -> str:
    """The coordinate family of the engine serving now (Qwen2.5-VL when unknown)."""
    endpoint = context.endpoint()
    if endpoint is not None:
        return endpoint.family
    plan = context.supervisor.status().plan
    return getattr(plan, "family", "") or DEFAULT_FAMILY.name


def finish_turn(context: AppContext, session: BrowserSession, turn: Turn, view: TurnView) -> None:
    """Draw a finished answer's boxes/points on its image, or take thumbnails of its video moments."""
    if turn.metrics is not None and turn.status is TurnStatus.DONE:
        session.record_speed(turn.metrics.tokens_per_s)
    if turn.status not in DRAWN_STATUSES or not turn.answer:
        return
    if turn.images:
        draw_on_images(context, turn, view)
    if turn.videos:
        view.timeline = video_timeline(context, turn.answer, turn.videos[-1])


def draw_on_images(context: AppContext, turn: Turn, view: TurnView) -> None:
    """Ground the answer on the turn's images and save the overlay. When nothing could be drawn but the answer
    held coordinates, the result is kept without an overlay, so its notes tell the user why."""
    result = ground_answer(context, turn)
    if result is None or (not result.found and not result.notes):
        return
    if result.found and result.overlay is not None:
        view.overlay_path = save_overlay(context, result)
    view.grounding, view.grounding_image = result, turn.images[result.image_index or 0].source


def ground_answer(context: AppContext, turn: Turn) -> GroundingResult | None:
    """The answer's boxes and points on the turn's image they belong to, for the engine serving now."""
    return ground_turn_answer(turn, family_now(context))


def upright_file(context: AppContext, path: str) -> str:
    """The image file as the browser should show it under drawn sections: the file itself, or an upright copy when
    its EXIF orientation rotates it (gr.AnnotatedImage places sections on the stored pixels)."""
    try:
        with Image.open(path) as image:
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    except (OSError, ValueError):
        return path
    if orientation in (None, 1):
        return path
    target = context.new_file("upright", ".jpg")
    save_picture(upright_picture(path), target, quality=92)
    return str(target)


def save_overlay(context: AppContext, result: GroundingResult) -> str:
    """Write the overlay as PNG into the (session's) work folder; returns its path."""
    assert result.overlay is not None
    path = context.new_file("overlays", ".png")
    save_picture(result.overlay, path)
    return str(path)


def save_api_overlay(context: AppContext, result: GroundingResult) -> str:
    """Write an /ground overlay as PNG among the API's most recent ones (older ones are deleted); returns its path."""
    overlay = result.overlay
    assert overlay is not None
    return str(context.api_overlays.write(".png", lambda path: save_picture(overlay, path)))


def video_timeline(context: AppContext, answer: str, video: PreparedVideo) -> tuple[tuple[str, str], ...]:
    """(thumbnail, caption) for each moment the answer names, in time order."""
    moments = parse_moments(answer, duration_s=video.info.duration_s).moments
    if not moments:
        return ()
    thumbnails, _notes = moment_thumbnails(video.source_path, moments)
    timeline = []
    for thumb in thumbnails:
        frame = thumb.middle or thumb.start
        if frame is None:
            continue
        target = context.new_file("thumbnails", ".jpg")
        save_picture(frame, target, quality=85)
        moment = thumb.moment
        caption = f"{format_timestamp(moment.start_s)}–{format_timestamp(moment.end_s)} {moment.description}"
        timeline.append((str(target), caption.strip()))
    return tuple(timeline)


def ground_file(context: AppContext, image_path: str, answer: str, family: str, max_pixels: int = 0
                ) -> GroundingResult:
    """Ground an answer on an image file (the grounding panel and /ground) in the frame the chat sends that image
    in: the app's budget (max_pixels 0) or another sender's, e.g. the server's default 12845056."""
    family = family or family_now(context)
    sent = context.media.image(image_path, family, max_pixels)
    return ground(answer, sent.original_size, sent.input_size, family, upright_picture(sent))
