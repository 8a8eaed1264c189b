"""Agent presets (computer use, phone use): the cookbook's tool prompt states the screen size the screenshot is
sent at, and the tool calls the model answers are drawn on the screenshot in its own pixels, through /ask and
in Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from backend.grounding.presets import get_preset
from backend.media.images import APP_MAX_PIXELS
from bench.photos import within
from tests.helpers import CHROMIUM, SCREENSHOTS, RunningUi, launch_chromium, start_ui

# What Qwen2.5-VL answered in QwenLM/Qwen2.5-VL cookbooks/mobile_agent.ipynb (click), plus a swipe and typing in the
# same tool-call form (QwenLM/Qwen3-VL issue #910 shows the swipe with coordinate2).
AGENT_ANSWER = ('<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [120, 300]}}\n'
                '</tool_call>\n<tool_call>\n{"name": "mobile_use", "arguments": {"action": "swipe", "coordinate": '
                '[360, 1000], "coordinate2": [360, 400]}}\n</tool_call>\n<tool_call>\n{"name": "mobile_use", '
                '"arguments": {"action": "type", "text": "dark mode"}}\n</tool_call>')
ANSWERS = [{"match": "(?i)the user query", "answer": AGENT_ANSWER}]
SCREEN = (1080, 2400)  # a phone screenshot




@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    root = tmp_path_factory.mktemp("agent-ui")
    script = root / "answers.json"
    script.write_text(json.dumps(ANSWERS), encoding="utf-8")
    running = start_ui(root, examples_dir, load_seconds=0.3, tpot_ms=1, script=str(script))
    running.ensure_ready()
    yield running
    running.close()


@pytest.fixture(scope="module")
def screenshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("screens") / "phone.png"
    image = Image.new("RGB", SCREEN, (245, 245, 245))
    for row in range(12):  # list rows, like a settings screen
        image.paste((220, 220, 230), (0, 200 * row + 10, SCREEN[0], 200 * row + 190))
    image.save(path)
    return path


def sent(sglang_smart_resize) -> tuple[int, int]:
    height, width = sglang_smart_resize(SCREEN[1], SCREEN[0], max_pixels=APP_MAX_PIXELS)
    return width, height


def on_screen(point: tuple[int, int], frame: tuple[int, int]) -> list[float]:
    return [point[0] * SCREEN[0] / frame[0], point[1] * SCREEN[1] / frame[1]]


def ask_phone_use(client: Client, screenshot: Path) -> dict:
    preset = get_preset("phone-use")
    history = [{"role": "system", "content": preset.system_prompt}]
    return client.predict(preset.prompt("Turn on dark mode"), [handle_file(str(screenshot))], history, 512, 0.0,
                          api_name="/ask")


def test_the_tool_prompt_states_the_size_the_screenshot_is_sent_at(ui: RunningUi, screenshot: Path,
                                                                   sglang_smart_resize) -> None:
    ask_phone_use(Client(ui.url, verbose=False), screenshot)
    stats = httpx.get(f"{ui.studio.endpoint().base_url}/standin/stats", timeout=5).json()
    width, height = sent(sglang_smart_resize)
    assert stats["last_images"] == [[width, height]]
    assert f"The screen's resolution is {width}x{height}." in stats["last_system"]
    assert "{screen_width}" not in stats["last_system"]


def test_ask_returns_the_actions_in_order_on_the_screenshot(ui: RunningUi, screenshot: Path,
                                                            sglang_smart_resize) -> None:
    reply = ask_phone_use(Client(ui.url, verbose=False), screenshot)
    frame = sent(sglang_smart_resize)
    click, swipe, typing = reply["items"]
    assert [item["action"] for item in reply["items"]] == ["click", "swipe", "type"]
    assert [item["step"] for item in reply["items"]] == [1, 2, 3]
    assert within(click["point"], on_screen((120, 300), frame))
    assert within(swipe["point"], on_screen((360, 1000), frame))
    assert within(swipe["point2"], on_screen((360, 400), frame))
    assert typing["text"] == "dark mode" and "point" not in typing
    overlay = Image.open(reply["overlay"])
    assert overlay.size == SCREEN


def test_phone_use_in_the_browser_draws_the_click_and_the_swipe(ui: RunningUi, screenshot: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as driver:
        browser = launch_chromium(driver)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(ui.url)
        page.locator("#status-badge").wait_for(timeout=20_000)
        page.get_by_role("button", name="Phone use", exact=True).click()
        box = page.locator("#message")
        box.locator("input[type=file]").set_input_files([str(screenshot)])
        # send once the upload shows (under load, Enter before it lands sends the text alone)
        page.wait_for_function("document.querySelectorAll('#message .thumbnail-item, #message img').length >= 1",
                               timeout=20_000)
        box.locator("textarea").press("Enter")
        page.locator("#chatbot").get_by_text("Actions").wait_for(timeout=20_000)
        page.locator("#chatbot [data-testid=bot] img").first.wait_for(timeout=20_000)
        text = page.locator("#chatbot").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "agent-phone-use.png"), full_page=True)
        browser.close()
    steps = re.search(r"click at \(\d+, \d+\).*swipe at \(\d+, \d+\) → \(\d+, \d+\).*type “dark mode”", text, re.DOTALL)
    assert steps, text[-600:]
