"""What a finished answer draws: its boxes and points on the image they belong to, the video moments it names on a
player the browser can seek, and the upright copies the browser shows images on. Files go into the asking
session's work folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from backend.chat.conversation import Turn, TurnStatus
from backend.chat.grounded import ground_turn_answer, subject_of
from backend.families import Family
from backend.grounding import GroundingResult
from backend.grounding.moments import parse_moments
from backend.media.encode import save_picture
from backend.media.preview import playable_file
from backend.media.uploads import upright_picture
from backend.media.video import PreparedVideo
from backend.studio.files import WorkFolder
from backend.studio.session import BrowserSession, MomentsView, TurnView

DRAWN_STATUSES = (TurnStatus.DONE, TurnStatus.STOPPED)
EXIF_ORIENTATION = 0x0112


def finish_turn(session: BrowserSession, family: Family, turn: Turn, view: TurnView) -> None:
    """Draw a finished answer's boxes/points on its image, or put its video moments on a timeline."""
    if turn.metrics is not None and turn.status is TurnStatus.DONE:
        session.record_speed(turn.metrics.tokens_per_s)
    if turn.status not in DRAWN_STATUSES or not turn.answer:
        return
    subject = subject_of(turn, session.chat.turns)  # a follow-up that attaches nothing: the newest media
    if subject.images:
        draw_on_images(session.files, family, turn, session.chat.turns, view)
    if subject.videos:
        view.moments = moments_view(session.files, turn.answer, subject.videos[-1])
        view.timeline_note = subject.note


def draw_on_images(files: WorkFolder, family: Family, turn: Turn, turns: Sequence[Turn], view: TurnView) -> None:
    """Ground the answer on the images it is about and save the overlay. When nothing could be drawn but the
    answer held coordinates, the result is kept without an overlay, so its notes tell the user why."""
    result = ground_turn_answer(turn, family, turns)
    if result is None or (not result.found and not result.notes):
        return
    if result.found and result.overlay is not None:
        view.overlay_path = save_overlay(files, result)
    images = subject_of(turn, turns).images
    view.grounding, view.grounding_image = result, images[result.image_index or 0].source


def upright_file(files: WorkFolder, path: str) -> str:
    """The image file as the browser should show it under drawn sections: the file itself, or an upright copy when
    its EXIF orientation rotates it (the browser places sections on the stored pixels)."""
    try:
        with Image.open(path) as image:
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    except (OSError, ValueError):
        return path
    if orientation in (None, 1):
        return path
    target = files.new_file("upright", ".jpg")
    save_picture(upright_picture(path), target, quality=92)
    return str(target)


def save_overlay(files: WorkFolder, result: GroundingResult) -> str:
    """Write the overlay as PNG into the work folder; returns its path."""
    assert result.overlay is not None
    path = files.new_file("overlays", ".png")
    save_picture(result.overlay, path)
    return str(path)


def moments_view(files: WorkFolder, answer: str, video: PreparedVideo) -> MomentsView | None:
    """The moments the answer names on the video (None when it names none), with a file the browser plays."""
    moments = parse_moments(answer, duration_s=video.info.duration_s).moments
    if not moments:
        return None
    player = playable_file(video, files.new_file("previews", ".mp4"))
    return MomentsView(Path(video.source_path).name, player, video.info.duration_s, len(video.plan.frame_indices),
                       video.effective_fps, tuple(sorted(moments, key=lambda moment: moment.start_s)))


def write_exports(files: WorkFolder, result: GroundingResult, image_path: str) -> list[str]:
    """The result as JSON and as COCO, named after the image ("photo-grounding.json", "photo-coco.json")."""
    folder = files.new_file("exports", "")
    folder.mkdir(parents=True)
    image_name = Path(image_path).name
    stem = Path(image_path).stem or "image"
    exports = {f"{stem}-grounding.json": result.to_json(), f"{stem}-coco.json": result.coco(image_name)}
    for name, data in exports.items():
        (folder / name).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return [str(folder / name) for name in exports]
