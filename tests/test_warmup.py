"""The warm-up sends what the app sends: JPEGs in the frames the app's own upload path gives photos of those sizes,
for every model family, and only what the engine's context can hold."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from backend.engine.warmup import PHOTO_SHAPE, SMALL_SIZE, image_requests, picture
from backend.families import FAMILIES
from backend.media.uploads import MediaPreparer


def sent_sizes(urls: list[str]) -> list[tuple[int, int, str]]:
    images = [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) for url in urls]
    return [(image.width, image.height, image.format) for image in images]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_warm_up_images_are_in_the_frames_the_upload_path_sends(family: str) -> None:
    preparer = MediaPreparer()

    def frame(size: tuple[int, int]) -> tuple[int, int, str]:
        buffer = io.BytesIO()
        picture(size).save(buffer, format="PNG")
        return (*preparer.image(buffer.getvalue(), family).input_size, "JPEG")

    requests = image_requests(family)
    assert [sent_sizes(urls) for _name, urls in requests] == [
        [frame(SMALL_SIZE)], [frame(PHOTO_SHAPE), frame((1280, 720))]]


def test_a_context_too_small_for_two_photos_gets_the_small_request_only() -> None:
    assert [name for name, _urls in image_requests("qwen2.5-vl", context_length=2048)] == ["56x56 JPEG"]
    assert len(image_requests("qwen2.5-vl", context_length=32768)) == 2
