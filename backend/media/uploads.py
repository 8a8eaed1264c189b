"""The one way an upload becomes what the model is sent. Every later path (chat overlay, Grounding tab, pasted
answers, /ground, /ask, batch) reads the sizes from what this returns: the frame an image was sent in is decided
here and nowhere else."""

from __future__ import annotations

import base64
import dataclasses
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from backend.engines import MEDIA_PER_REQUEST
from backend.errors import UserError
from backend.families import DEFAULT_FAMILY, Family, get_family
from backend.media.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer, MediaError, PreparedImage
from backend.media.images import load_upright_image as _load_upright
from backend.media.video import PreparedVideo, engine_samples_alike, prepare_video
from backend.media.video_limits import VideoChoice, VideoLimits


@dataclass(frozen=True)
class MediaPolicy:
    """How many images / videos one request may carry (match the server's limits)."""

    max_images: int = MEDIA_PER_REQUEST["image"]
    max_videos: int = MEDIA_PER_REQUEST["video"]


class TooManyMedia(UserError, ValueError):
    """The new message alone carries more media than one request may."""


class UploadError(MediaError):
    """An upload the app cannot use; path says which one (str(error) names it for the user)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class PreparedMedia:
    """The files of one message, prepared for the model; each knows the file it came from."""

    images: tuple[PreparedImage, ...] = ()
    videos: tuple[PreparedVideo, ...] = ()


def check_media_count(images: int, videos: int, policy: MediaPolicy) -> None:
    """Raise TooManyMedia when one message carries more images or videos than a request may (check this before
    decoding uploads, so an oversized message costs nothing)."""
    if images > policy.max_images or videos > policy.max_videos:
        raise TooManyMedia(
            f"This message has {images} image(s) and {videos} video(s); one request may carry at most "
            f"{policy.max_images} image(s) and {policy.max_videos} video(s). Remove some and send again."
        )


def is_video(path: str) -> bool:
    """True for files whose name says video (everything else is tried as an image)."""
    kind = mimetypes.guess_type(path)[0] or ""
    return kind.startswith("video/")


class MediaPreparer:
    """Images within the app's pixel budget on the model family's grid (each content prepared once), videos
    sampled for the engine's context."""

    def __init__(self, max_pixels: int = APP_MAX_PIXELS, capacity: int = 32) -> None:
        self.max_pixels = max_pixels
        self.images = ImagePreparer(ImageLimits(max_pixels=max_pixels), capacity)

    def image_limits(self, family: Family | str = DEFAULT_FAMILY, max_pixels: int = 0) -> ImageLimits:
        """The limits an image is sent with: the family's grid and minimum, at most max_pixels (0: the app's
        budget, --max-pixels)."""
        return ImageLimits.for_family(family, max_pixels=max_pixels or self.max_pixels)

    def image(self, source: str | Path | bytes, family: Family | str = DEFAULT_FAMILY, max_pixels: int = 0
              ) -> PreparedImage:
        """The image as it is (or was) sent to a model of this family: bytes, sent size, original upright size."""
        return self.images.prepare(source, self.image_limits(family, max_pixels))

    def message(self, paths: Sequence[str], family: Family | str = DEFAULT_FAMILY, videos: VideoLimits | None = None,
                policy: MediaPolicy | None = None, choice: VideoChoice | None = None) -> PreparedMedia:
        """Prepare every upload of one message; raises UploadError naming the first file that cannot be used,
        or (path "") saying the message has more files than one request may carry or a sampling choice the model
        cannot take, before any is decoded. Several videos share the video budget equally; choice: how a person
        asked them sampled (frames per second, max frames per video)."""
        video_count = sum(1 for path in paths if is_video(path))
        try:
            check_media_count(len(paths) - video_count, video_count, policy or MediaPolicy())
            # each video's share of the budget first, then the person's choice within that share
            shared = (videos or VideoLimits(factor=get_family(family).factor)).shared_by(video_count)
            video_limits = shared.chosen(choice or VideoChoice())
        except (TooManyMedia, MediaError) as error:
            raise UploadError("", str(error)) from None
        own_sampling = video_count > 1 or not (choice or VideoChoice()).default
        images, clips = [], []
        for path in paths:
            try:
                if is_video(path):
                    video = prepare_video(path, video_limits, encode=False)
                    alike = engine_samples_alike(video, video_limits.factor)
                    clips.append(dataclasses.replace(video, sampled_by_app=own_sampling or not alike))
                else:
                    images.append(self.image(path, family))
            except MediaError as error:
                raise UploadError(path, f"{path.rsplit('/', 1)[-1]}: {error}") from None
        return PreparedMedia(tuple(images), tuple(clips))


def upright_picture(image: PreparedImage | str | Path) -> Image.Image:
    """The original picture, upright (EXIF applied) and RGB, at the original size a PreparedImage reports. An image
    that came as bytes (an API history's data URL) keeps no original: its sent picture, scaled to that size."""
    if isinstance(image, PreparedImage) and not image.source:
        sent = _load_upright(base64.b64decode(image.data_url.split(",", 1)[1]))
        return sent.resize(image.original_size, Image.Resampling.BICUBIC)
    return _load_upright(image.source if isinstance(image, PreparedImage) else image)
