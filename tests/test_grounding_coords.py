"""Coordinate systems, family detection, image choice, and the smart_resize round trip.

Round-trip bound: a box edge at x (original pixels) sits at x * r in the model's frame (r = input/original
per axis). A model can only write whole numbers, so it is off by up to 0.5 there, which maps back to
0.5 / r = 0.5 * scale original pixels (scale = original/input). That is the tight bound: below 1 px whenever
the image was shrunk by at most 2x (scale <= 2) or enlarged; above 1 px only for images shrunk by more
than 2x to fit max_pixels, where no mapping can do better than the model's own resolution. The test that
draws and resamples a real image adds RESAMPLING_ALLOWANCE model pixels for 8-bit resampling.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from backend.grounding import GroundingResult, UnknownFamilyError, family_from_model_name, ground, ground_turn
from backend.grounding.coords import choose_target_image, map_items, normalize_family, uses_absolute_pixels
from backend.grounding.parse import RawItem

EPSILON = 1e-6
# The drawn test image is resampled to 8 bits, which moves an edge's 50% crossing by ~0.01 model pixel.
RESAMPLING_ALLOWANCE = 0.05




@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Qwen/Qwen2.5-VL-7B-Instruct", "qwen2.5-vl"),
        ("Qwen/Qwen2.5-VL-72B-Instruct-AWQ", "qwen2.5-vl"),
        ("/models/qwen2_5_vl_3b", "qwen2.5-vl"),
        ("Qwen2.5-Omni-7B", "qwen2.5-vl"),
        ("Qwen/Qwen2-VL-7B-Instruct", "qwen2-vl"),
        ("qwen2vl-2b", "qwen2-vl"),
        ("Qwen/Qwen3-VL-30B-A3B-Instruct", "qwen3-vl"),
        ("/ckpt/qwen2-vl-base/finetuned-Qwen3-VL-8B", "qwen3-vl"),
        ("default", "qwen2.5-vl"),
        ("", "qwen2.5-vl"),
        (None, "qwen2.5-vl"),
    ],
)
def test_family_from_model_name(name: str | None, family: str) -> None:
    assert family_from_model_name(name) == family


def test_family_override_wins_over_the_name() -> None:
    assert family_from_model_name("Qwen/Qwen2.5-VL-7B-Instruct", override="qwen3-vl") == "qwen3-vl"


def test_unknown_family_is_refused() -> None:
    with pytest.raises(UnknownFamilyError):
        normalize_family("llava-1.5")


def test_only_qwen25_answers_in_absolute_pixels() -> None:
    assert [uses_absolute_pixels(family) for family in ("qwen2.5-vl", "qwen2-vl", "qwen3-vl")] == [True, False, False]


def test_relative_family_ignores_the_model_input_size() -> None:
    first = ground('[{"bbox_2d": [100, 100, 500, 500]}]', (800, 600), (812, 588), "qwen3-vl")
    second = ground('[{"bbox_2d": [100, 100, 500, 500]}]', (800, 600), (56, 56), "qwen3-vl")
    assert first.items[0].box == second.items[0].box == (80, 60, 400, 300)


def test_zero_sizes_are_a_caller_error() -> None:
    with pytest.raises(ValueError):
        map_items([RawItem("box", (1, 2, 3, 4))], (0, 10), (10, 10), "qwen2.5-vl")


def test_single_image_needs_no_attribution_note() -> None:
    assert choose_target_image(1) == (0, "")


def test_default_target_is_the_last_image_and_says_so() -> None:
    index, note = choose_target_image(3)
    assert index == 2 and "last image (3 of 3)" in note


def test_chosen_target_is_used_and_named() -> None:
    assert choose_target_image(3, 0) == (0, "Drawn on image 1 of 3 (chosen).")


def test_missing_target_falls_back_to_the_last_image() -> None:
    index, note = choose_target_image(2, 5)
    assert index == 1 and "no image 6" in note


def test_turn_maps_with_the_target_images_sizes() -> None:
    sizes = [((1000, 1000), (1008, 1008)), ((2000, 1000), (1000, 500))]
    answer = '[{"bbox_2d": [100, 50, 200, 100], "label": "x"}]'
    last = ground_turn(answer, sizes, "qwen2.5-vl")
    first = ground_turn(answer, sizes, "qwen2.5-vl", target=0)
    assert last.items[0].box == (200, 100, 400, 200) and last.image_index == 1
    assert first.items[0].box == pytest.approx((100 * 1000 / 1008, 50 * 1000 / 1008, 200 * 1000 / 1008, 100 * 1000 / 1008))
    assert first.notes[0] == "Drawn on image 1 of 2 (chosen)."


def test_turn_draws_on_the_target_image() -> None:
    images = [Image.new("RGB", (100, 100), "white"), Image.new("RGB", (200, 100), "white")]
    result = ground_turn('[{"bbox_2d": [10, 10, 50, 50]}]', [((100, 100), (100, 100)), ((200, 100), (200, 100))],
                         "qwen2.5-vl", images=images)
    assert result.overlay is not None and result.overlay.size == (200, 100)


def test_result_json_is_serialisable_and_in_original_pixels() -> None:
    result = ground('[{"bbox_2d": [10, 20, 30, 40], "label": "a", "score": 0.9}]', (200, 100), (100, 50), "qwen2.5-vl")
    data = json.loads(json.dumps(result.to_json()))
    assert data["items"][0]["bbox"] == [20, 40, 60, 80]
    assert data["items"][0]["model_coords"] == [10, 20, 30, 40]
    assert data["items"][0]["attributes"] == {"score": 0.9}
    assert (data["image"], data["model_input"]) == ({"width": 200, "height": 100}, {"width": 100, "height": 50})


def test_annotated_sections_and_coco_export() -> None:
    result: GroundingResult = ground(
        '[{"bbox_2d": [10, 20, 30, 40], "label": "car"}, {"point_2d": [50, 50], "label": "tip"}]',
        (100, 100), (100, 100), "qwen2.5-vl")
    assert result.annotations() == [((10, 20, 30, 40), "car"), ((48, 48, 52, 52), "tip")]
    coco = result.coco("street.png")
    assert coco["images"][0] == {"id": 1, "file_name": "street.png", "width": 100, "height": 100}
    assert coco["annotations"][0]["bbox"] == [10, 20, 20, 20] and coco["annotations"][0]["area"] == 400
    assert coco["annotations"][1]["keypoints"] == [50, 50, 2]
    assert coco["categories"] == [{"id": 1, "name": "car"}, {"id": 2, "name": "tip"}]


def _random_sizes(rng: random.Random, count: int) -> list[tuple[int, int]]:
    sizes = [(30, 20), (27, 1000), (4000, 30), (5000, 4000), (6000, 3000), (1920, 1080), (1080, 1920)]
    while len(sizes) < count:
        short = rng.randint(20, 3000)
        ratio = rng.choice((1.0, 1.33, 1.78, rng.uniform(1, 8), rng.uniform(8, 120)))
        long = min(8000, max(short, round(short * ratio)))
        sizes.append((long, short) if rng.random() < 0.5 else (short, long))
    return sizes


def _bright_extent(mask: np.ndarray, axis: int) -> tuple[int, int]:
    """First and one-past-last index along an axis where the mask has any bright pixel."""
    indices = np.flatnonzero(mask.any(axis=axis))
    return int(indices[0]), int(indices[-1]) + 1


def test_drawn_boxes_round_trip_through_sglang_smart_resize(sglang_smart_resize) -> None:
    rng = random.Random(2025)
    checked = 0
    for width, height in _random_sizes(rng, 40):
        input_h, input_w = sglang_smart_resize(height, width)
        scale_x, scale_y = width / input_w, height / input_h
        min_w, min_h = max(2, round(10 * scale_x)), max(2, round(10 * scale_y))
        if min_w >= width or min_h >= height:
            continue
        x1, y1 = rng.randint(0, width - min_w), rng.randint(0, height - min_h)
        x2, y2 = rng.randint(x1 + min_w, width), rng.randint(y1 + min_h, height)
        image = Image.new("L", (width, height), 0)
        ImageDraw.Draw(image).rectangle((x1, y1, x2 - 1, y2 - 1), fill=255)
        seen = np.asarray(image.resize((input_w, input_h), Image.Resampling.BICUBIC)) >= 128
        # A perfect model reports the box where it appears in the image it was given.
        left, right = _bright_extent(seen, 0)
        top, bottom = _bright_extent(seen, 1)
        answer = f'```json\n[{{"bbox_2d": [{left}, {top}, {right}, {bottom}], "label": "box"}}]\n```'
        (item,) = ground(answer, (width, height), (input_w, input_h), "qwen2.5-vl").items
        errors_x = [abs(item.box[0] - x1), abs(item.box[2] - x2)]
        errors_y = [abs(item.box[1] - y1), abs(item.box[3] - y2)]
        context = (width, height, (input_w, input_h), item.box, (x1, y1, x2, y2))
        assert max(errors_x) <= (0.5 + RESAMPLING_ALLOWANCE) * scale_x, context
        assert max(errors_y) <= (0.5 + RESAMPLING_ALLOWANCE) * scale_y, context
        if max(scale_x, scale_y) <= 1.8:
            assert max(errors_x + errors_y) <= 1.0, context
        checked += 1
    assert checked >= 35


def test_rounded_model_coordinates_map_back_within_half_a_model_pixel(sglang_smart_resize) -> None:
    rng = random.Random(7)
    for width, height in _random_sizes(rng, 300):
        input_h, input_w = sglang_smart_resize(height, width)
        truth = sorted(rng.uniform(0, width) for _ in range(2)) + sorted(rng.uniform(0, height) for _ in range(2))
        x1, x2, y1, y2 = truth
        model = [round(x1 * input_w / width), round(y1 * input_h / height),
                 round(x2 * input_w / width), round(y2 * input_h / height)]
        if model[2] <= model[0] or model[3] <= model[1]:
            continue  # collapsed to nothing in the model's frame: dropped as degenerate, tested elsewhere
        (item,) = ground(json.dumps([{"bbox_2d": model}]), (width, height), (input_w, input_h), "qwen2.5-vl").items
        bound_x, bound_y = 0.5 * width / input_w + EPSILON, 0.5 * height / input_h + EPSILON
        assert abs(item.box[0] - x1) <= bound_x and abs(item.box[2] - x2) <= bound_x
        assert abs(item.box[1] - y1) <= bound_y and abs(item.box[3] - y2) <= bound_y
