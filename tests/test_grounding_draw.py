"""Overlay drawing: colours on the expected pixels, legible tags, rings, numbering, scale, 200 boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.grounding import ground
from backend.grounding.coords import GroundedItem
from backend.grounding.draw import (
    CJK_FONTS,
    box_pixels,
    color_for,
    draw_overlay,
    font_runs,
    label_colors,
    load_tag_fonts,
    style_for,
    tag_size,
    tag_texts,
    text_color_on,
)

GREY = (128, 128, 128)


def _box(label: str, box: tuple[float, float, float, float], index: int = 1) -> GroundedItem:
    return GroundedItem(index, "box", box, None, label, "")


def _point(label: str, point: tuple[float, float], index: int = 1) -> GroundedItem:
    return GroundedItem(index, "point", None, point, label, "")


def _fraction_of_color(pixels: np.ndarray, color: tuple[int, int, int]) -> float:
    return float(np.all(pixels == np.array(color, np.uint8), axis=-1).mean())


def test_box_colour_runs_along_all_four_edges() -> None:
    overlay = draw_overlay(Image.new("RGB", (640, 480), GREY), [_box("car", (100, 150, 400, 350))])
    pixels = np.asarray(overlay)
    color = label_colors([_box("car", (0, 0, 1, 1))])["car"]
    left, top, right, bottom = box_pixels((100, 150, 400, 350))
    tag_clear = slice(top + 40, bottom + 1)  # the tag sits above the top-left corner; check below it
    assert _fraction_of_color(pixels[tag_clear, left], color) == 1.0
    assert _fraction_of_color(pixels[top:bottom + 1, right], color) == 1.0
    assert _fraction_of_color(pixels[bottom, left:right + 1], color) == 1.0
    assert _fraction_of_color(pixels[top, left + 120:right + 1], color) == 1.0


def test_box_interior_and_outside_are_untouched() -> None:
    overlay = np.asarray(draw_overlay(Image.new("RGB", (640, 480), GREY), [_box("car", (100, 150, 400, 350))]))
    assert _fraction_of_color(overlay[200:340, 110:390], GREY) == 1.0
    assert _fraction_of_color(overlay[360:, :], GREY) == 1.0


def test_overlay_is_a_new_rgb_image_of_original_size() -> None:
    source = Image.new("RGBA", (300, 200), (10, 20, 30, 255))
    overlay = draw_overlay(source, [_box("a", (10, 10, 100, 100))])
    assert (overlay.mode, overlay.size) == ("RGB", (300, 200))
    assert source.getpixel((10, 50)) == (10, 20, 30, 255)


def test_each_label_gets_its_own_colour_on_the_image() -> None:
    items = [_box("car", (20, 60, 200, 200), 1), _box("bus", (300, 60, 600, 200), 2), _box("car", (20, 260, 200, 400), 3)]
    pixels = np.asarray(draw_overlay(Image.new("RGB", (640, 480), GREY), items))
    colors = label_colors(items)
    assert colors["car"] != colors["bus"]
    assert tuple(pixels[150, 199]) == colors["car"]
    assert tuple(pixels[150, 599]) == colors["bus"]
    assert tuple(pixels[350, 199]) == colors["car"]


def test_point_is_drawn_as_a_ring_not_a_disc() -> None:
    style = style_for((640, 480))
    item = _point("tip", (320, 240))
    pixels = np.asarray(draw_overlay(Image.new("RGB", (640, 480), GREY), [item]))
    color = label_colors([item])["tip"]
    ring_x = 320 - style.ring_radius + style.line_width // 2
    assert tuple(pixels[240, ring_x]) == color
    assert tuple(pixels[240, 320]) == color  # centre dot
    assert tuple(pixels[240, 320 - style.ring_radius // 2 - 1]) == GREY  # hollow between dot and ring


def _tag_size(text: str, image_size: tuple[int, int]) -> tuple[int, int]:
    style = style_for(image_size)
    width, height, _ = tag_size(text, load_tag_fonts(style.font_size, [text]), style.padding)
    return width, height


def test_tag_sits_above_the_box_with_text_that_contrasts_with_its_fill() -> None:
    item = _box("LABEL", (50, 100, 300, 300))
    pixels = np.asarray(draw_overlay(Image.new("RGB", (640, 480), GREY), [item]))
    fill = label_colors([item])["LABEL"]
    width, height = _tag_size("LABEL", (640, 480))
    tag_region = pixels[100 - height:100, 50:50 + width]
    assert _fraction_of_color(tag_region, fill) > 0.4
    assert _fraction_of_color(tag_region, text_color_on(fill)) > 0.02
    assert _fraction_of_color(pixels[100 - height - 3:100 - height, 50:50 + width], GREY) == 1.0


@pytest.mark.parametrize(("background", "text"), [((255, 225, 25), (0, 0, 0)), ((0, 0, 128), (255, 255, 255)),
                                                  ((255, 255, 255), (0, 0, 0)), ((0, 0, 0), (255, 255, 255))])
def test_text_colour_is_black_on_light_and_white_on_dark(background, text) -> None:
    assert text_color_on(background) == text


def test_tag_at_the_top_edge_moves_inside_the_image() -> None:
    item = _box("top", (100, 0, 300, 200))
    pixels = np.asarray(draw_overlay(Image.new("RGB", (640, 480), GREY), [item]))
    fill = label_colors([item])["top"]
    style = style_for((640, 480))
    _, height = _tag_size("top", (640, 480))
    padding_strip = pixels[0:height, 100:100 + style.padding]  # left padding of a tag drawn inside the box
    assert _fraction_of_color(padding_strip, fill) == 1.0


def test_repeated_labels_are_numbered_and_unique_ones_are_not() -> None:
    items = [_box("car", (0, 0, 1, 1)), _box("bus", (0, 0, 1, 1)), _box("car", (0, 0, 1, 1))]
    assert tag_texts(items) == ["car 1", "bus", "car 2"]


def test_long_labels_are_shortened_in_tags() -> None:
    (tag,) = tag_texts([_box("x" * 100, (0, 0, 1, 1))])
    assert len(tag) == 40 and tag.endswith("…")


def test_two_hundred_labels_get_two_hundred_distinct_colours() -> None:
    assert len({color_for(rank) for rank in range(200)}) == 200


def test_two_hundred_boxes_are_all_drawn() -> None:
    items = [_box(f"k{i % 12}", (20 + (i % 20) * 95, 20 + (i // 20) * 105, 95 + (i % 20) * 95, 110 + (i // 20) * 105), i)
             for i in range(200)]
    pixels = np.asarray(draw_overlay(Image.new("RGB", (1920, 1080), GREY), items))
    colors = label_colors(items)
    for item in items:
        left, top, right, bottom = box_pixels(item.box)  # tags of the row below may cover bottom edges
        assert tuple(pixels[(top + bottom) // 2, right]) == colors[item.display_label]


def test_line_width_and_font_grow_with_the_image() -> None:
    small, large = style_for((320, 240)), style_for((6000, 4000))
    assert small.line_width < large.line_width and small.font_size < large.font_size
    assert small.line_width >= 2 and small.font_size >= 11


def _glyph_masks(text: str, fonts) -> set[bytes]:
    return {bytes(font.getmask(run)) for char in text for run, font in font_runs(char, fonts)}


def test_latin_font_has_distinct_glyphs() -> None:
    assert len(_glyph_masks("abc", load_tag_fonts(24, ["abc"]))) == 3


def test_mixed_latin_and_cjk_tags_are_split_into_font_runs() -> None:
    fonts = load_tag_fonts(24, ["car 小蛋糕 2"])
    runs = [run for run, _ in font_runs("car 小蛋糕 2", fonts)]
    assert "".join(runs) == "car 小蛋糕 2"
    assert runs == (["car ", "小蛋糕", " 2"] if fonts.cjk is not None else ["car 小蛋糕 2"])


def test_cjk_labels_get_real_glyphs_when_a_cjk_font_is_installed() -> None:
    if not any(Path(path).exists() for path in CJK_FONTS):
        pytest.skip("no CJK font installed (e.g. apt-get install fonts-noto-cjk); CJK tags show as boxes")
    fonts = load_tag_fonts(24, ["小蛋糕 ab"])
    assert len(_glyph_masks("小蛋糕ab", fonts)) == 5


def test_ground_with_image_returns_an_overlay_with_the_box() -> None:
    image = Image.new("RGB", (1280, 800), GREY)
    result = ground('```json\n[{"bbox_2d": [644, 406, 966, 609], "label": "sign"}]\n```', (1280, 800), (1288, 812),
                    "qwen2.5-vl", image)
    assert result.overlay is not None
    left, top, right, bottom = box_pixels(result.items[0].box)
    assert tuple(np.asarray(result.overlay)[bottom, (left + right) // 2]) == label_colors(result.items)["sign"]


def test_ground_with_an_image_of_another_size_says_so() -> None:
    result = ground('[{"bbox_2d": [1, 1, 50, 50]}]', (200, 100), (200, 100), "qwen2.5-vl", Image.new("RGB", (100, 50)))
    assert result.overlay is not None and result.overlay.size == (200, 100)
    assert any("not the original" in note for note in result.notes)
