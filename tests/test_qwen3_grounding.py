"""Grounding and agents for the 0-1000 families (Qwen3-VL, Qwen3.5): their published answers land on the image as
0-1000 of its width and height, 999 and 1000 both reach the edge, and an agent's tool prompt states the frame the
model answers in; their requests carry the family's recommended top_k and presence_penalty."""

from __future__ import annotations

import pytest
from PIL import Image

from backend.chat.conversation import Conversation, Turn, build_request
from backend.families import QWEN3_5, QWEN3_VL, QWEN25_VL
from backend.grounding.coords import map_items
from backend.grounding.parse import parse_answer
from backend.grounding.presets import get_preset
from backend.media.images import ImageLimits, prepare_image
from backend.media.uploads import MediaPolicy

# QwenLM/Qwen3-VL@96588727 cookbooks/omni_recognition.ipynb cell 6 (food spotting), saved output, first two lines.
FOOD = ('```json\n[\n\t{"bbox_2d": [0, 614, 224, 825], "name_zh": "米饭", "name_en": "Rice"},\n'
        '\t{"bbox_2d": [586, 0, 999, 419], "name_zh": "炒蛋", "name_en": "Scrambled eggs"}\n]\n```')
# QwenLM/Qwen3-VL@96588727 cookbooks/mobile_agent.ipynb cell 7, saved output (the tool call on its 999x999 grid).
MOBILE = ('Thought: To search for Musk in X, I need to click on the search bar at the top of the screen.\n'
          'Action: "I tapped on the search bar to begin searching for Musk."\n<tool_call>\n'
          '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [447, 81]}}\n</tool_call>')


@pytest.mark.parametrize("family", [QWEN3_VL, QWEN3_5])
def test_published_boxes_are_thousandths_of_the_image(family):
    mapped = map_items(parse_answer(FOOD).items, (1600, 1200), (1600, 1184), family.name)
    rice, eggs = mapped.items
    assert rice.box == pytest.approx((0.0, 614 * 1.2, 224 * 1.6, 825 * 1.2))
    assert eggs.box[2] == pytest.approx(999 * 1.6) and eggs.label


@pytest.mark.parametrize("edge", [999, 1000])
def test_999_and_1000_both_end_at_the_right_edge(edge):
    answer = f'[{{"bbox_2d": [500, 500, {edge}, {edge}], "label": "corner"}}]'
    (item,) = map_items(parse_answer(answer).items, (2000, 1000), (2016, 992), QWEN3_VL.name).items
    assert 1998 <= item.box[2] <= 2000 and 999 <= item.box[3] <= 1000


def test_mobile_agent_click_lands_on_the_screenshot_in_thousandths():
    (click,) = map_items(parse_answer(MOBILE).items, (1080, 2400), (1088, 2400), QWEN3_VL.name).items
    assert click.label == "click" and click.point == pytest.approx((447 * 1.08, 81 * 2.4))


def _agent_request(tmp_path, family) -> str:
    path = tmp_path / "screen.png"
    Image.new("RGB", (1280, 800), "white").save(path)
    limits = ImageLimits.for_family(family.name)
    preset = get_preset("computer-use")
    turn = Turn(user_text=preset.prompt("Open the browser"), images=(prepare_image(path, limits),))
    conversation = Conversation(system_prompt=preset.system_prompt, turns=[turn])
    return build_request(conversation, MediaPolicy(), original_videos=False, family=family).messages[0]["content"]


def test_computer_use_tells_a_qwen3_model_the_thousandths_frame(tmp_path):
    assert "The screen's resolution is 1000x1000." in _agent_request(tmp_path, QWEN3_VL)


def test_computer_use_tells_qwen25_the_size_the_screenshot_is_sent_at(tmp_path):
    assert "The screen's resolution is 1288x812." in _agent_request(tmp_path, QWEN25_VL)


def _endpoint(model: str, family: str):
    from backend.endpoint import Endpoint

    return Endpoint(base_url="http://127.0.0.1:30000", api_key="", model=model, family=family)


@pytest.mark.parametrize("model, family, extras", [
    ("Qwen/Qwen3-VL-8B-Instruct", "qwen3-vl", {"top_k": 20, "presence_penalty": 1.5}),
    ("Qwen/Qwen3-VL-8B-Thinking", "qwen3-vl", {"top_k": 20, "presence_penalty": 0.0}),
    ("Qwen/Qwen3.5-9B", "qwen3.5", {"top_k": 20, "presence_penalty": 0.0}),
    ("Qwen/Qwen2.5-VL-7B-Instruct", "qwen2.5-vl", {}),
])
def test_requests_carry_the_familys_recommended_top_k_and_presence_penalty(model, family, extras):
    from backend.chat.session import recommended_extras

    assert recommended_extras(_endpoint(model, family)) == extras


def test_computer_use_gives_qwen3_models_qwen3_vls_own_tool(tmp_path):
    system = _agent_request(tmp_path, QWEN3_VL)
    assert '"hscroll"' in system and '"answer"' in system and "{screen_width}" not in system


def test_computer_use_gives_qwen25_its_cookbooks_tool(tmp_path):
    assert '"hscroll"' not in _agent_request(tmp_path, QWEN25_VL)


@pytest.mark.parametrize("answer, action, coords", [
    ('<tool_call>\n{"name": "computer_use", "arguments": {"action": "triple_click", "coordinate": [250, 500]}}\n'
     '</tool_call>', "triple_click", (320.0, 400.0)),
    ('<tool_call>\n{"name": "computer_use", "arguments": {"action": "hscroll", "coordinate": [500, 500], '
     '"pixels": -3}}\n</tool_call>', "hscroll", (640.0, 400.0)),
])
def test_qwen3_computer_use_actions_land_in_thousandths(answer, action, coords):
    (item,) = map_items(parse_answer(answer).items, (1280, 800), (1280, 800), QWEN3_VL.name).items
    assert item.label == action and item.point == pytest.approx(coords)
