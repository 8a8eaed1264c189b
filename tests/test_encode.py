"""Pictures are encoded by OpenCV (the GIL is released while it encodes) into the same bytes Pillow would write."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from backend.media.encode import jpeg_bytes, png_bytes, save_picture


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """A 1204x812 picture with fine detail (noise over a gradient), like a resized phone photo."""
    rng = np.random.default_rng(3)
    gradient = np.linspace(0, 200, 1204, dtype=np.float32)[None, :, None].repeat(812, axis=0).repeat(3, axis=2)
    return Image.fromarray((gradient + rng.integers(0, 55, (812, 1204, 3))).astype(np.uint8))


@pytest.mark.parametrize(("full_chroma", "subsampling"), [(True, 0), (False, 2)])
def test_jpeg_bytes_equal_pillows_for_the_same_quality_and_chroma(photo, full_chroma, subsampling) -> None:
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90, subsampling=subsampling)
    encoded = jpeg_bytes(photo, 90, full_chroma=full_chroma)
    assert encoded == buffer.getvalue()
    assert JpegImagePlugin.get_sampling(Image.open(io.BytesIO(encoded))) == subsampling


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_png_bytes_keep_every_pixel(photo, mode) -> None:
    picture = photo.convert(mode)
    decoded = Image.open(io.BytesIO(png_bytes(picture)))
    expected = picture if mode in ("RGB", "RGBA") else picture.convert("RGB")
    assert decoded.mode == expected.mode and np.array_equal(np.asarray(decoded), np.asarray(expected))


def test_save_picture_writes_what_the_suffix_says_without_exif(photo, tmp_path) -> None:
    jpeg, png = save_picture(photo, tmp_path / "a.jpg", quality=85), save_picture(photo, tmp_path / "a.png")
    with Image.open(jpeg) as first, Image.open(png) as second:
        assert (first.format, second.format) == ("JPEG", "PNG")
        assert first.size == second.size == photo.size
        assert not first.getexif()  # an upright copy must not carry an orientation tag
