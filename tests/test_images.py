"""Image preparation: safe decode of real files, smart_resize parity with SGLang, encode-once cache."""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from backend.media.images import (
    ImageLimits,
    ImagePreparer,
    MediaError,
    load_upright_image,
    prepare_image,
    smart_resize,
)

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


@pytest.fixture(scope="module")
def sglang_qwen_vl():
    """SGLang 0.5.23's Qwen-VL processor module (slow import: torch)."""
    return pytest.importorskip("sglang.srt.multimodal.processors.qwen_vl")


def png_bytes(image: Image.Image, **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save_args)
    return buffer.getvalue()


def decoded(prepared) -> Image.Image:
    """The image exactly as the server will decode it from the data URL."""
    payload = base64.b64decode(prepared.data_url.split(",", 1)[1])
    return Image.open(io.BytesIO(payload))


def split_red_blue(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: shows where the left side went after a rotation."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def jpeg_with_orientation(tmp_path, orientation: int):
    image = split_red_blue(120, 80)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"orientation{orientation}.jpg"
    image.save(path, format="JPEG", quality=95, exif=exif)
    return path


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height (valid CRC) followed by almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def near(pixel, color, tolerance=12) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, color))


def test_exif_orientation_6_is_rotated_clockwise(tmp_path):
    upright = load_upright_image(jpeg_with_orientation(tmp_path, 6))
    assert upright.size == (80, 120)
    assert near(upright.getpixel((40, 10)), RED) and near(upright.getpixel((40, 110)), BLUE)


def test_exif_orientation_8_is_rotated_counterclockwise(tmp_path):
    upright = load_upright_image(jpeg_with_orientation(tmp_path, 8))
    assert upright.size == (80, 120)
    assert near(upright.getpixel((40, 10)), BLUE) and near(upright.getpixel((40, 110)), RED)


def test_prepared_sizes_follow_the_upright_orientation(tmp_path):
    prepared = prepare_image(jpeg_with_orientation(tmp_path, 6))
    assert prepared.original_size == (80, 120)
    assert prepared.input_size == (84, 112)
    assert decoded(prepared).size == prepared.input_size


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (64, 64), (0, 255, 255, 0)).save(path, format="JPEG", quality=95)
    image = load_upright_image(path)
    assert image.mode == "RGB" and near(image.getpixel((32, 32)), RED, tolerance=20)


def test_sixteen_bit_png_is_scaled_not_clipped():
    ramp = np.array([[0, 32896, 65535, 65535]] * 4, dtype=np.uint16)
    data = png_bytes(Image.fromarray(ramp))
    image = load_upright_image(data)
    assert image.mode == "RGB"
    assert [image.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]


def test_palette_with_transparency_goes_on_white():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 200, 30, 40] + [0] * 762)
    image.paste(0, (0, 0, 4, 8))
    data = png_bytes(image, transparency=0)
    upright = load_upright_image(data)
    assert upright.getpixel((1, 1)) == WHITE and upright.getpixel((6, 6)) == (200, 30, 40)


def test_grey_with_alpha_goes_on_white():
    image = Image.new("LA", (8, 8), (0, 255))
    image.paste((0, 0), (0, 0, 4, 8))
    upright = load_upright_image(png_bytes(image))
    assert upright.getpixel((1, 1)) == WHITE and upright.getpixel((6, 6)) == (0, 0, 0)


def test_half_transparent_rgba_blends_with_white():
    upright = load_upright_image(png_bytes(Image.new("RGBA", (8, 8), (0, 0, 0, 128))))
    assert near(upright.getpixel((4, 4)), (127, 127, 127), tolerance=1)


def test_animated_gif_uses_its_first_frame():
    frames = [Image.new("RGB", (40, 40), color) for color in (RED, (0, 255, 0), BLUE)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    prepared = prepare_image(buffer.getvalue())
    assert prepared.source_frames == 3
    assert near(decoded(prepared).convert("RGB").getpixel((20, 20)), RED, tolerance=20)


def test_bomb_header_far_over_pillows_limit_is_refused():
    with pytest.raises(MediaError, match="decompression bomb"):
        prepare_image(png_with_header(100_000, 100_000))


def test_bomb_header_over_our_limit_is_refused_before_decoding():
    with pytest.raises(MediaError, match="decompression bomb") as caught:
        prepare_image(png_with_header(12_000, 9_000))
    assert "12000x9000" in str(caught.value)


def test_source_pixel_limit_is_configurable():
    limits = ImageLimits(max_source_pixels=50 * 50)
    with pytest.raises(MediaError, match="safety limit"):
        prepare_image(png_bytes(Image.new("RGB", (60, 60))), limits)


def test_strip_with_aspect_300_is_refused():
    with pytest.raises(MediaError, match="limit of 200:1") as caught:
        prepare_image(png_bytes(Image.new("RGB", (1, 300))))
    assert "1x300" in str(caught.value)


def test_strip_with_aspect_200_is_accepted():
    prepared = prepare_image(png_bytes(Image.new("RGB", (2, 400))))
    assert prepared.input_size[0] % 28 == 0 and prepared.input_size[1] % 28 == 0


def test_truncated_jpeg_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buffer, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(MediaError, match="truncated or corrupt"):
        prepare_image(path)


def test_non_image_bytes_are_refused():
    with pytest.raises(MediaError, match="not an image"):
        prepare_image(b"%PDF-1.4 this is a document, not a picture")


def test_empty_and_missing_files_are_refused(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        prepare_image(empty)
    with pytest.raises(MediaError, match="gone"):
        prepare_image(tmp_path / "missing.png")


def test_file_size_limit():
    with pytest.raises(MediaError, match="limit is"):
        prepare_image(png_bytes(Image.new("RGB", (64, 64))), ImageLimits(max_file_bytes=10))


def test_large_photo_is_downscaled_to_the_grid_within_max_pixels():
    limits = ImageLimits(max_pixels=256 * 28 * 28)
    prepared = prepare_image(png_bytes(Image.new("RGB", (1200, 900), RED)), limits)
    width, height = prepared.input_size
    assert width % 28 == 0 and height % 28 == 0 and width * height <= limits.max_pixels
    assert prepared.original_size == (1200, 900)
    assert prepared.vision_tokens == (width // 28) * (height // 28)
    assert decoded(prepared).size == (width, height)


def test_png_encoding_is_lossless():
    source = Image.effect_noise((56, 56), 80).convert("RGB")
    prepared = prepare_image(png_bytes(source), ImageLimits(encode_format="png"))
    assert prepared.mime == "image/png" and prepared.data_url.startswith("data:image/png;base64,")
    assert np.array_equal(np.asarray(decoded(prepared)), np.asarray(source))


def test_encoded_bytes_matches_the_payload():
    prepared = prepare_image(png_bytes(Image.new("RGB", (100, 70), BLUE)))
    assert prepared.encoded_bytes == len(base64.b64decode(prepared.data_url.split(",", 1)[1]))


def test_preparer_reuses_identical_bytes_for_the_same_content(tmp_path):
    data = png_bytes(Image.effect_noise((90, 60), 50).convert("RGB"))
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(data)
    second.write_bytes(data)
    preparer = ImagePreparer()
    one, two = preparer.prepare(first), preparer.prepare(second)
    assert one.data_url == two.data_url and (preparer.hits, preparer.misses) == (1, 1)


def test_preparer_is_bounded_and_evicts_the_least_recent():
    images = [png_bytes(Image.new("RGB", (40, 40), (i * 80, 0, 0))) for i in range(3)]
    preparer = ImagePreparer(capacity=2)
    for data in images:
        preparer.prepare(data)
    preparer.prepare(images[0])
    assert len(preparer) == 2 and (preparer.hits, preparer.misses) == (0, 4)


def test_smart_resize_matches_sglang_on_random_sizes(sglang_qwen_vl):
    rng = random.Random(20250423)
    budgets = [(3136, 12845056), (128 * 28 * 28, 768 * 28 * 28), (3136, 1280 * 28 * 28), (100_352, 602_112)]
    checked = 0
    for _ in range(4000):
        height = rng.choice([rng.randint(1, 64), rng.randint(1, 2000), rng.randint(1, 20000)])
        width = min(max(1, int(height * rng.uniform(0.005, 200))), 200 * height)
        if max(height, width) / min(height, width) > 200:
            continue
        min_pixels, max_pixels = rng.choice(budgets)
        ours = smart_resize(height, width, 28, min_pixels, max_pixels)
        assert ours == sglang_qwen_vl.smart_resize(height, width, 28, min_pixels, max_pixels), (height, width)
        checked += 1
    assert checked > 3000


def test_smart_resize_refuses_what_sglang_refuses(sglang_qwen_vl):
    with pytest.raises(ValueError):
        sglang_qwen_vl.smart_resize(1, 201)
    with pytest.raises(MediaError):
        smart_resize(1, 201)


def test_our_output_is_a_fixed_point_of_sglangs_resize(sglang_qwen_vl):
    rng = random.Random(7)
    for _ in range(3000):
        height, width = rng.randint(1, 12000), rng.randint(1, 12000)
        if max(height, width) / min(height, width) > 200:
            continue
        input_h, input_w = smart_resize(height, width)
        assert sglang_qwen_vl.smart_resize(input_h, input_w) == (input_h, input_w), (height, width)


def test_prepared_images_need_no_server_resize(sglang_qwen_vl):
    rng = random.Random(11)
    for _ in range(12):
        width, height = rng.randint(30, 1500), rng.randint(30, 1500)
        prepared = prepare_image(png_bytes(Image.new("RGB", (width, height), RED)))
        served = decoded(prepared)
        assert served.size == prepared.input_size
        assert sglang_qwen_vl.smart_resize(served.height, served.width) == (served.height, served.width)


def test_limits_follow_the_model_family():
    qwen3 = prepare_image(png_bytes(Image.new("RGB", (500, 300))), ImageLimits.for_family("qwen3-vl"))
    assert qwen3.input_size == (512, 288) and qwen3.vision_tokens == 16 * 9
    assert ImageLimits.for_family("qwen2.5-vl") == ImageLimits()
